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

    Attributes
    ----------
    draws : ndarray (chains, draws, dim)
    method : str
    sample_stats : dict of ndarray (chains, draws)
        Per-draw statistics: ``acceptance_rate`` and ``diverging`` (when the method has them).
    step_size : ndarray (chains,)
        Step size after warm-up.
    effective_sample_size : ndarray (dim,)
        Bulk ESS per dimension (``numpyro.diagnostics.effective_sample_size``).
    r_hat : ndarray (dim,)
        Split R-hat per dimension (``numpyro.diagnostics.split_gelman_rubin``).
    seconds : float
        Wall time of warm-up and sampling (compilation included).
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
        """Mean acceptance probability over all chains and draws (1.0 for ULA)."""
        return float(np.mean(self.sample_stats.get("acceptance_rate", 1.0)))

    @property
    def divergences(self) -> int:
        """Number of divergent transitions."""
        return int(np.sum(self.sample_stats.get("diverging", 0)))

    def mcse(self) -> np.ndarray:
        """Monte Carlo standard error of the posterior mean per dimension, from the ESS."""
        return np.std(self.draws, axis=(0, 1)) / np.sqrt(self.effective_sample_size)

    def summary(self) -> dict:
        """Headline diagnostics as plain numbers."""
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
        """The draws as an arviz ``InferenceData`` (arviz 0.23) or ``DataTree`` (arviz 1.x),
        with the per-draw statistics in ``sample_stats``."""
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
