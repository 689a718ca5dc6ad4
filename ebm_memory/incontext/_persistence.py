"""Saving and loading a fitted in-context energy (the persistence methods of
:class:`~ebm_memory.incontext.estimator.InContextEnergy`), in the ``.npz`` format of
:mod:`~ebm_memory.incontext.checkpoint`."""

from __future__ import annotations

from importlib import resources

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["PRETRAINED", "Persistence"]

PRETRAINED = "default_2d.npz"
"""The shipped model, trained on the ``mixture_2d`` and ``shapes_2d`` families."""
_RENAMED_SETTINGS = {"n_steps": "max_iter", "progress_bar": "verbose"}
"""Settings saved under their former names (read without a warning)."""
_UNSAVED = ("checkpoint_path", "random_state", *_RENAMED_SETTINGS)


def _current_settings(saved: dict) -> dict:
    """Saved estimator settings under today's names (``progress_bar`` as an int)."""
    settings = {_RENAMED_SETTINGS.get(name, name): value for name, value in saved.items()}
    if "verbose" in settings:
        settings["verbose"] = int(settings["verbose"])
    return settings


class Persistence:
    """The persistence methods of :class:`~ebm_memory.incontext.estimator.InContextEnergy`.

    Examples
    --------
    >>> from ebm_memory import InContextEnergy
    >>> from ebm_memory.incontext._persistence import Persistence
    >>> issubclass(InContextEnergy, Persistence)
    True
    """

    def save(self, path) -> None:
        """Write the fitted model to ``path`` (see :mod:`~ebm_memory.incontext.checkpoint`).

        Parameters
        ----------
        path : str or path
            The ``.npz`` file to write (atomically: replaced only once complete).

        See Also
        --------
        ebm_memory.InContextEnergy.load : Reads it back.

        Examples
        --------
        >>> import os, tempfile
        >>> from ebm_memory import InContextEnergy
        >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
        >>> InContextEnergy.pretrained().save(path)
        >>> InContextEnergy.load(path).n_iter_
        3000
        """
        from ebm_memory.incontext.checkpoint import save_checkpoint

        check_is_fitted(self, "parameters_")
        settings = {k: v for k, v in self.get_params().items() if k not in _UNSAVED}
        settings.update(self._renamed_settings())
        meta = {
            "estimator": settings,
            "n_iter": int(self.n_iter_),
            "history": {k: v.tolist() for k, v in self.history_.items()},
        }
        save_checkpoint(path, self.config_, self.parameters_, meta)

    @classmethod
    def load(cls, path):
        """A fitted estimator read from a checkpoint written by :meth:`save`.

        Parameters
        ----------
        path : str or path
            The ``.npz`` checkpoint.

        Returns
        -------
        InContextEnergy
            The estimator with its settings and fitted attributes.

        See Also
        --------
        ebm_memory.InContextEnergy.save : Writes the checkpoint.
        ebm_memory.InContextEnergy.pretrained : The model shipped with the package.

        Examples
        --------
        >>> from importlib import resources
        >>> from ebm_memory import InContextEnergy
        >>> path = resources.files("ebm_memory.incontext") / "default_2d.npz"
        >>> InContextEnergy.load(path).config_.width
        64
        """
        from ebm_memory.incontext.checkpoint import load_checkpoint

        config, arrays, meta = load_checkpoint(path)
        estimator = cls(**_current_settings(meta["estimator"]))
        estimator.config_, estimator.parameters_ = config, arrays
        estimator.n_features_in_ = config.dim
        estimator.n_iter_ = meta["n_iter"] if "n_iter" in meta else meta["n_steps"]
        estimator.history_ = {k: np.asarray(v) for k, v in meta["history"].items()}
        return estimator

    @classmethod
    def pretrained(cls):
        """The default 2-D model shipped with the package.

        It was trained on the ``mixture_2d`` and ``shapes_2d`` families
        (``ebm-memory train-in-context`` trains another).

        Returns
        -------
        InContextEnergy
            The fitted estimator.

        See Also
        --------
        ebm_memory.InContextEnergy.load : Reads any checkpoint.
        ebm_memory.InContextEnergy.fit : Trains a model of one's own.

        Examples
        --------
        >>> from ebm_memory import InContextEnergy
        >>> model = InContextEnergy.pretrained()
        >>> model.n_features_in_, model.n_iter_
        (2, 3000)
        """
        with resources.as_file(resources.files("ebm_memory.incontext") / PRETRAINED) as path:
            return cls.load(path)
