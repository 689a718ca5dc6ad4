"""Results of a sampling run with their diagnostics (ESS and R-hat from numpyro), and the
conversion to an arviz ``InferenceData`` (arviz is optional; 0.23 and 1.x supported)."""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np

__all__ = ["SamplingResult", "summarise"]


@dataclasses.dataclass(frozen=True)
class SamplingResult:
    """Draws of one sampling run and their diagnostics.

    Parameters
    ----------
    draws : ndarray of shape (chains, draws, dim)
        The kept draws.
    method : str
        The sampler that produced them.
    sample_stats : dict of ndarray of shape (chains, draws)
        Per-draw statistics: ``acceptance_rate`` and ``diverging`` (when the method has them).
    step_size : ndarray of shape (chains,)
        Step size after warm-up.
    effective_sample_size : ndarray of shape (dim,)
        Bulk ESS per dimension (``numpyro.diagnostics.effective_sample_size``).
    r_hat : ndarray of shape (dim,)
        Split R-hat per dimension (``numpyro.diagnostics.split_gelman_rubin``).
    seconds : float
        Wall time of warm-up and sampling (compilation included).

    See Also
    --------
    ebm_memory.samplers.sample : Produces it.
    ebm_memory.samplers.SamplingResult.to_arviz : The draws for arviz's diagnostics and plots.

    Examples
    --------
    >>> import numpy as np
    >>> draws = np.random.default_rng(0).normal(size=(2, 100, 1))
    >>> result = summarise(draws, "mala", {"acceptance_rate": np.full((2, 100), 0.5)},
    ...                    np.ones(2), seconds=1.0)
    >>> result.acceptance_rate, result.draws.shape
    (0.5, (2, 100, 1))
    """

    draws: np.ndarray
    method: str
    sample_stats: dict
    step_size: np.ndarray
    effective_sample_size: np.ndarray
    r_hat: np.ndarray
    seconds: float

    @property
    def acceptance_rate(self) -> float:
        """Mean acceptance probability over all chains and draws (1.0 for ULA).

        See Also
        --------
        ebm_memory.samplers.SamplingResult.summary : All headline diagnostics.

        Examples
        --------
        >>> import numpy as np
        >>> result = summarise(np.zeros((1, 4, 1)) + np.arange(4)[:, None], "ula", {}, 0.1, 1.0)
        >>> result.acceptance_rate
        1.0
        """
        return float(np.mean(self.sample_stats.get("acceptance_rate", 1.0)))

    @property
    def divergences(self) -> int:
        """Number of divergent transitions.

        See Also
        --------
        ebm_memory.samplers.SamplingResult.summary : All headline diagnostics.

        Examples
        --------
        >>> import numpy as np
        >>> stats = {"diverging": np.array([[False, True, False, True]])}
        >>> summarise(np.arange(4.0).reshape(1, 4, 1), "hmc", stats, 0.1, 1.0).divergences
        2
        """
        return int(np.sum(self.sample_stats.get("diverging", 0)))

    def mcse(self) -> np.ndarray:
        """Monte Carlo standard error of the posterior mean per dimension, from the ESS.

        Returns
        -------
        ndarray of shape (dim,)
            ``std / sqrt(ESS)`` per coordinate.

        See Also
        --------
        ebm_memory.samplers.SamplingResult.summary : All headline diagnostics.

        Examples
        --------
        >>> import numpy as np
        >>> draws = np.random.default_rng(1).normal(size=(2, 200, 3))
        >>> summarise(draws, "mala", {}, np.ones(2), 1.0).mcse().shape
        (3,)
        """
        return np.std(self.draws, axis=(0, 1)) / np.sqrt(self.effective_sample_size)

    def summary(self) -> dict:
        """Headline diagnostics as plain numbers.

        Returns
        -------
        dict
            ``method``, ``chains``, ``draws``, ``min_ess``, ``max_r_hat``, ``acceptance_rate``,
            ``divergences`` and ``ess_per_second``.

        See Also
        --------
        ebm_memory.samplers.SamplingResult.to_arviz : The full draws for arviz.
        ebm_memory.samplers.SamplingResult.mcse : Monte Carlo standard errors per dimension.

        Examples
        --------
        >>> import numpy as np
        >>> draws = np.random.default_rng(2).normal(size=(2, 50, 1))
        >>> summary = summarise(draws, "nuts", {}, np.ones(2), 1.0).summary()
        >>> summary["chains"], summary["draws"]
        (2, 50)
        """
        return {
            "method": self.method,
            "chains": int(self.draws.shape[0]),
            "draws": int(self.draws.shape[1]),
            "min_ess": float(np.min(self.effective_sample_size)),
            "max_r_hat": float(np.max(self.r_hat)),
            "acceptance_rate": self.acceptance_rate,
            "divergences": self.divergences,
            "ess_per_second": float(np.min(self.effective_sample_size) / self.seconds),
        }

    def to_arviz(self, var_name: str = "x"):
        """The draws as an arviz ``InferenceData`` (arviz 0.23) or ``DataTree`` (arviz 1.x).

        The per-draw statistics go to the ``sample_stats`` group. Needs arviz.

        Parameters
        ----------
        var_name : str, default "x"
            Name of the variable in the ``posterior`` group.

        Returns
        -------
        arviz.InferenceData or xarray.DataTree
            With ``posterior[var_name]`` of shape (chains, draws, dim).

        Raises
        ------
        ImportError
            If arviz is not installed.

        See Also
        --------
        ebm_memory.samplers.SamplingResult.summary : Headline diagnostics as plain numbers.

        Examples
        --------
        >>> import numpy as np
        >>> draws = np.random.default_rng(3).normal(size=(2, 10, 1))
        >>> result = summarise(draws, "mala", {}, np.ones(2), 1.0)
        >>> result.to_arviz()["posterior"]["x"].shape
        (2, 10, 1)
        """
        try:
            arviz = importlib.import_module("arviz")
        except ImportError as error:
            raise ImportError(
                "to_arviz needs arviz: pip install 'ebm-memory[arviz]' (or pip install arviz)."
            ) from error
        stats = {key: np.asarray(value) for key, value in self.sample_stats.items()}
        groups = {"posterior": {var_name: self.draws}, "sample_stats": stats}
        if int(arviz.__version__.split(".")[0]) >= 1:
            return arviz.from_dict(groups)
        return arviz.from_dict(**groups)


def summarise(draws, method, sample_stats, step_size, seconds) -> SamplingResult:
    """Build a :class:`SamplingResult`, computing ESS and split R-hat with numpyro."""
    from numpyro.diagnostics import effective_sample_size, split_gelman_rubin

    draws = np.asarray(draws, dtype=np.float64)
    return SamplingResult(
        draws=draws,
        method=method,
        sample_stats={key: np.asarray(value) for key, value in sample_stats.items()},
        step_size=np.asarray(step_size, dtype=np.float64).reshape(draws.shape[0]),
        effective_sample_size=np.asarray(effective_sample_size(draws)),
        r_hat=np.asarray(split_gelman_rubin(draws)),
        seconds=float(seconds),
    )
