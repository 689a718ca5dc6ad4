"""Markov chain sampling of a fitted memory model: gradient MCMC for the softmax density,
heat-bath Gibbs sweeps for binary states (see ``ModelSpec``)."""

from __future__ import annotations

import functools
import time

import jax
import numpy as np
from jax.tree_util import Partial

from ebm_memory.energies.effective import softmax_energy
from ebm_memory.estimators._kernels import ModelSpec
from ebm_memory.samplers import METHODS, SamplingResult, sample
from ebm_memory.samplers.diagnostics import summarise
from ebm_memory.samplers.gibbs import sample_gibbs

__all__ = ["MCMC_METHODS", "sample_mcmc"]

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
    spec: ModelSpec,
    memories: np.ndarray,
    beta: float,
    temperature: float,
    n_samples: int,
    rng: np.random.RandomState,
    *,
    method: str,
    num_warmup: int,
    num_chains: int,
    progress_bar: bool,
) -> tuple[np.ndarray, SamplingResult]:
    """``n_samples`` draws, float64 (n_samples, D), taken round-robin from ``num_chains``
    chains, and the full run with its diagnostics.

    Softmax: the chains target ``exp(-beta E(x))`` (temperature ``1 / beta``) and start at
    randomly chosen memories. Binary: Gibbs sweeps at ``temperature`` from uniformly random
    spins.
    """
    _check_method(spec, method)
    per_chain = max(MIN_DRAWS_PER_CHAIN, -(-n_samples // num_chains))
    key = jax.random.key(rng.randint(2**31 - 1))
    starts = memories[rng.randint(len(memories), size=num_chains)]
    if spec.kind == "softmax":
        energy = Partial(_softmax_energy(spec.similarity, spec.chunk_size), memories, beta)
        result = sample(
            energy,
            starts,
            method=method,
            num_samples=per_chain,
            num_warmup=num_warmup,
            num_chains=num_chains,
            temperature=1.0 / beta,
            key=key,
            progress_bar=progress_bar,
        )
    else:
        start = time.perf_counter()
        spins = np.where(rng.uniform(size=starts.shape) < 0.5, -1.0, 1.0)
        draws = sample_gibbs(
            key, memories, spec.interaction, temperature, spins, per_chain, num_warmup
        )
        draws = np.asarray(draws)
        result = summarise(
            draws, "gibbs", {}, np.full(num_chains, np.nan), time.perf_counter() - start
        )
    interleaved = np.swapaxes(result.draws, 0, 1).reshape(-1, memories.shape[1])
    return interleaved[:n_samples], result
