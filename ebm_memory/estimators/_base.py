"""What the memory estimators share: renamed parameters, input validation and ``sample()``'s
arguments (see ``docs/vocabulary.md``)."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Hidden, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ebm_memory._renamed import DEPRECATED, renamed_value
from ebm_memory._validation import check_integer

__all__ = [
    "DEPRECATED",
    "OLD_DEFAULT",
    "MeanScoreMixin",
    "MemoryEstimator",
    "renamed",
    "sample_options",
]

OLD_DEFAULT = Hidden(StrOptions({DEPRECATED}))
"""The constraint a renamed parameter adds to those of its new name."""


def renamed(old: str, new: str, old_value, new_value, stacklevel: int = 3):
    """``new_value``, or ``old_value`` with a ``FutureWarning`` when the old name was set.

    Parameters
    ----------
    old, new : str
        The parameter's name before and since 0.2.
    old_value, new_value : object
        Their values; ``old_value`` is ``DEPRECATED`` unless the caller set it.
    stacklevel : int, default=3
        Where the warning points (3: the caller of the method that calls this).

    Returns
    -------
    value : object
        The value in effect.
    """
    return renamed_value(old, new, old_value, new_value, stacklevel=stacklevel)


class MemoryEstimator(BaseEstimator):
    """Base of the memory estimators: renamed parameters and validation of fitted inputs.

    ``_renamed`` maps each renamed ``__init__`` parameter to its new name; the old one stays
    in the signature with default ``DEPRECATED``. ``_param(new)`` reads the value in effect
    and ``_warn_renamed()`` (at fit) warns once for every old name that was set.
    """

    _renamed: dict = {}

    def _set_init_params(self, params: dict) -> None:
        """Store ``__init__``'s arguments (``locals()``) unchanged, as scikit-learn asks."""
        for name, value in params.items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    def _param(self, new: str):
        for old, name in self._renamed.items():
            old_value = getattr(self, old)
            if name == new and not (isinstance(old_value, str) and old_value == DEPRECATED):
                return old_value
        return getattr(self, new)

    def _warn_renamed(self) -> None:
        for old, new in self._renamed.items():
            renamed(old, new, getattr(self, old), None, stacklevel=5)

    def _prepare(self, X: np.ndarray) -> np.ndarray:
        """Map validated inputs to the model's states (identity unless overridden)."""
        return X

    def _validate(self, X) -> np.ndarray:
        check_is_fitted(self)
        return self._prepare(validate_data(self, X, dtype=np.float64, reset=False))

    @property
    def _n_features_out(self) -> int:
        return self.memories_.shape[0]


class MeanScoreMixin:
    """``score`` as the mean log-likelihood per row (as :class:`sklearn.mixture.GaussianMixture`),
    for the estimators whose ``score_samples`` is a normalised log density."""

    def score(self, X, y=None):
        """Mean log-likelihood per row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Held-out rows.
        y : None
            Ignored.

        Returns
        -------
        score : float
            Mean ``log p(x)`` over the rows.

        See Also
        --------
        score_samples : The log density of each row.

        Examples
        --------
        >>> from sklearn.datasets import make_blobs
        >>> from ebm_memory import AssociativeClustering
        >>> train, _ = make_blobs(20, n_features=3, centers=2, random_state=1)
        >>> model = AssociativeClustering(2, random_state=0).fit(train[:15])
        >>> float(model.score(train[15:])) == float(model.score_samples(train[15:]).mean())
        True
        """
        return float(np.mean(self.score_samples(X)))


def sample_options(
    n_samples,
    method: str,
    methods: tuple,
    *,
    n_warmup,
    n_chains,
    verbose,
    return_info,
    deprecated: dict,
) -> dict:
    """Check ``sample()``'s arguments and resolve the names renamed in 0.2.

    Parameters
    ----------
    n_samples : int
        Draws asked for (>= 1).
    method : str
        The sampler; must be one of ``methods``.
    methods : tuple of str
        The samplers the estimator offers.
    n_warmup, n_chains : int
        Warm-up iterations per chain (>= 0) and chains (>= 1).
    verbose : int
        Progress: > 0 draws a bar.
    return_info : bool
        Whether the diagnostics are returned too.
    deprecated : dict
        The old names' values (``num_warmup``, ``num_chains``, ``progress_bar``,
        ``return_diagnostics``); ``DEPRECATED`` where unset.

    Returns
    -------
    options : dict
        ``n_warmup``, ``n_chains``, ``verbose`` and ``return_info`` in effect.
    """
    if method not in methods:
        raise ValueError(f"method must be one of {methods}, got {method!r}.")
    if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
    values = {"n_warmup": n_warmup, "n_chains": n_chains}
    values.update(verbose=verbose, return_info=return_info)
    olds = {"num_warmup": "n_warmup", "num_chains": "n_chains"}
    olds.update(progress_bar="verbose", return_diagnostics="return_info")
    for old, new in olds.items():
        values[new] = renamed(old, new, deprecated[old], values[new], stacklevel=4)
    values["n_warmup"] = check_integer("n_warmup", values["n_warmup"], minimum=0)
    values["n_chains"] = check_integer("n_chains", values["n_chains"], minimum=1)
    return values
