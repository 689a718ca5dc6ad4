"""Markov chain sampling of a fitted memory model: gradient MCMC for the softmax density,
heat-bath Gibbs sweeps for binary states (see ``ModelSpec``)."""

from __future__ import annotations

import functools
import time

import numpy as np
from jax.tree_util import Partial
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ebm_memory._random import float64, key_from
from ebm_memory.energies.effective import softmax_energy
from ebm_memory.estimators._base import DEPRECATED, sample_options
from ebm_memory.estimators._density import FittedModel, sample_exact
from ebm_memory.estimators._kernels import ModelSpec
from ebm_memory.samplers import METHODS, SamplingResult, sample
from ebm_memory.samplers.diagnostics import summarise
from ebm_memory.samplers.gibbs import sample_gibbs

__all__ = ["MCMC_METHODS", "SamplingMixin", "sample_mcmc"]

MCMC_METHODS = (*METHODS, "gibbs")
"""The gradient methods of :func:`ebm_memory.samplers.sample`, and Gibbs for binary states."""
MIN_DRAWS_PER_CHAIN = 4
"""Split R-hat needs at least two halves of two draws in every chain."""


@functools.cache
def _softmax_energy(similarity: str, chunk_size: int | None):
    """One energy function per (similarity, chunk size), taking the memories and beta as
    arguments, so that refits of the same shapes reuse the compiled samplers."""

    def energy(memories, beta, state):
        return softmax_energy(state, memories, beta, similarity=similarity, chunk_size=chunk_size)

    return energy


def _check_method(spec: ModelSpec, method: str) -> None:
    if spec.kind == "binary" and method != "gibbs":
        raise ValueError(
            f"Binary models have discrete states: use method='gibbs' or 'exact', not {method!r}."
        )
    if spec.kind == "softmax" and method == "gibbs":
        raise ValueError(
            "Gibbs sampling is for the binary models; the softmax density is continuous: use "
            f"one of {('exact', *METHODS)}."
        )
    if spec.kind == "spherical":
        raise ValueError(
            "The spherical model's density lives on the unit sphere, where the exact vMF "
            "mixture sampler applies: use method='exact'."
        )


def sample_mcmc(
    model: FittedModel,
    n_samples: int,
    rng: np.random.RandomState,
    *,
    method: str,
    n_warmup: int,
    n_chains: int,
    verbose: int,
) -> tuple[np.ndarray, SamplingResult]:
    """``n_samples`` draws, float64 (n_samples, D), taken round-robin from ``n_chains``
    chains, and the full run with its diagnostics.

    Softmax: the chains target ``exp(-beta E(x))`` (temperature ``1 / beta``) and start at
    randomly chosen memories. Binary: Gibbs sweeps at ``temperature`` from uniformly random
    spins.
    """
    spec, memories, beta, temperature = model
    _check_method(spec, method)
    per_chain = max(MIN_DRAWS_PER_CHAIN, -(-n_samples // n_chains))
    key = key_from(rng)
    starts = memories[rng.randint(len(memories), size=n_chains)]
    if spec.kind == "softmax":
        energy = Partial(_softmax_energy(spec.similarity, spec.chunk_size), memories, beta)
        result = sample(
            energy,
            starts,
            method=method,
            num_samples=per_chain,
            num_warmup=n_warmup,
            num_chains=n_chains,
            temperature=1.0 / beta,
            key=key,
            progress_bar=verbose > 0,
        )
    else:
        start = time.perf_counter()
        spins = np.where(rng.uniform(size=starts.shape) < 0.5, -1.0, 1.0)
        draws = sample_gibbs(
            key, memories, spec.interaction, temperature, spins, per_chain, n_warmup
        )
        draws = np.asarray(draws)
        result = summarise(
            draws, "gibbs", {}, np.full(n_chains, np.nan), time.perf_counter() - start
        )
    interleaved = np.swapaxes(result.draws, 0, 1).reshape(-1, memories.shape[1])
    return interleaved[:n_samples], result


class SamplingMixin:
    """``sample`` for the memory estimator (uses its ``_spec``, ``memories_``, ``beta_`` and
    ``temperature``)."""

    def sample(
        self,
        n_samples=1,
        random_state=None,
        *,
        method="exact",
        n_warmup=500,
        n_chains=16,
        verbose=0,
        return_info=False,
        num_warmup=DEPRECATED,
        num_chains=DEPRECATED,
        progress_bar=DEPRECATED,
        return_diagnostics=DEPRECATED,
    ):
        """Draw samples from the model's density.

        Parameters
        ----------
        n_samples : int, default=1
            Number of draws.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws.
        method : {"exact", "ula", "mala", "hmc", "nuts", "numpyro_hmc", "gibbs"}, \
default="exact"
            "exact": ancestral sampling of the Gaussian or vMF mixture, or exact enumeration
            for binary models with ``n_features <= 20``. "ula", "mala", "hmc", "nuts",
            "numpyro_hmc" (softmax model): Markov chains on ``exp(-beta E(x))`` through
            :func:`ebm_memory.samplers.sample`, started at random memories. "gibbs" (binary
            models): heat-bath sweeps at ``temperature`` from random spins.
        n_warmup : int, default=500
            Markov chain methods: warm-up iterations (sweeps) per chain.
        n_chains : int, default=16
            Markov chain methods: chains; the ``n_samples`` draws are taken round-robin
            from them.
        verbose : int, default=0
            Markov chain methods: > 0 draws a progress bar.
        return_info : bool, default=False
            Markov chain methods: also return the
            :class:`~ebm_memory.samplers.SamplingResult` (ESS, R-hat, acceptance,
            ``to_arviz()``).
        num_warmup, num_chains, progress_bar, return_diagnostics : deprecated
            The names of ``n_warmup``, ``n_chains``, ``verbose`` and ``return_info``
            before 0.2; they work until 0.3, with a ``FutureWarning``.

        Returns
        -------
        draws : ndarray of shape (n_samples, n_features)
            The draws, float64 (+-1 states for binary models, unit rows for spherical).
        info : SamplingResult
            Only with ``return_info=True``: the chains, of shape (n_chains, draws per
            chain, n_features), and their diagnostics.

        See Also
        --------
        ebm_memory.samplers.sample : The MCMC samplers.
        ebm_memory.samplers.sample_gibbs : The Gibbs sampler of the binary models.
        ebm_memory.DenseAssociativeMemory.score_samples : The log density sampled.

        Examples
        --------
        >>> import numpy as np
        >>> from ebm_memory import DenseAssociativeMemory
        >>> X = np.array([[0.0, 0.0], [3.0, 3.0]])
        >>> memory = DenseAssociativeMemory(similarity="euclidean", beta=4.0).fit(X)
        >>> memory.sample(5, random_state=0).shape
        (5, 2)
        >>> draws, info = memory.sample(
        ...     40, random_state=0, method="mala", n_warmup=50, n_chains=4, return_info=True
        ... )
        >>> draws.shape, info.draws.shape
        ((40, 2), (4, 10, 2))
        """
        check_is_fitted(self)
        options = sample_options(
            n_samples,
            method,
            ("exact", *MCMC_METHODS),
            n_warmup=n_warmup,
            n_chains=n_chains,
            verbose=verbose,
            return_info=return_info,
            deprecated={
                "num_warmup": num_warmup,
                "num_chains": num_chains,
                "progress_bar": progress_bar,
                "return_diagnostics": return_diagnostics,
            },
        )
        return_info = options.pop("return_info")
        if method == "exact" and return_info:
            raise ValueError("return_info needs a Markov chain method.")
        draws, result = self._draw(n_samples, check_random_state(random_state), method, options)
        return (draws, result) if return_info else draws

    @float64
    def _draw(self, n_samples, rng, method, options):
        model = FittedModel(self._spec(), self.memories_, self.beta_, self.temperature)
        if method == "exact":
            return sample_exact(model, n_samples, rng), None
        return sample_mcmc(model, n_samples, rng, method=method, **options)
