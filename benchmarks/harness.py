"""The benchmark harness: side-by-side timing, the machine's matmul peak, and the records.

Every comparison runs ours and the peer in the same process: a first call of each (JIT
compilation, caches; reported separately), then ``repeats`` rounds alternating the two,
and the medians. A case returns plain records (dicts) built by :func:`record`:

``case``, ``name``, ``sizes``, ``ours`` / ``ours_seconds`` / ``ours_first_call_seconds``,
``peer`` / ``peer_seconds`` / ``peer_first_call_seconds``, ``ratio`` (peer seconds over ours:
above 1 means we are faster), ``accuracy`` (``{"metric": ..., "value": ...}``) and
case-specific ``extra`` figures.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "RECORD_FIELDS",
    "SIZES",
    "Timing",
    "check_size",
    "machine_info",
    "matmul_gflops",
    "per_dataset",
    "record",
    "time_call",
    "time_pair",
]

RECORD_FIELDS = (
    "case",
    "name",
    "sizes",
    "ours",
    "ours_seconds",
    "ours_first_call_seconds",
    "peer",
    "peer_seconds",
    "peer_first_call_seconds",
    "ratio",
    "accuracy",
    "extra",
)
"""The fields of every result record (see :func:`record`)."""

SIZES = ("tiny", "quick", "full")
"""Benchmark sizes: ``tiny`` (seconds, for the test), ``quick`` (< 2 min), ``full``."""


def check_size(size: str) -> None:
    """Refuse a size outside :data:`SIZES` with a ``ValueError``."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}.")


def per_dataset(dataset_records: Callable, names, settings, size: str, repeats: int) -> list:
    """The records of every dataset in ``names``, each from
    ``dataset_records(name, settings, size, repeats)``, in order."""
    return [row for name in names for row in dataset_records(name, settings, size, repeats)]


class Timing(NamedTuple):
    """Median seconds of ours and the peer, and their first calls (compilation included)."""

    ours_seconds: float
    peer_seconds: float
    ours_first_call_seconds: float
    peer_first_call_seconds: float


def _ready(value):
    """Wait for JAX's asynchronous dispatch to finish the work behind ``value``."""
    return jax.block_until_ready(value)


def time_call(fn: Callable[[], object]) -> tuple[float, object]:
    """Seconds of one call of ``fn`` (results ready) and its value."""
    start = time.perf_counter()
    value = _ready(fn())
    return time.perf_counter() - start, value


def time_pair(
    ours: Callable[[], object], peer: Callable[[], object] | None, repeats: int
) -> Timing:
    """First calls of both, then ``repeats`` alternating rounds; medians. ``peer=None``
    times ours alone (peer figures NaN)."""
    ours_first, _ = time_call(ours)
    peer_first = time_call(peer)[0] if peer is not None else float("nan")
    ours_times, peer_times = [], []
    for _ in range(repeats):
        ours_times.append(time_call(ours)[0])
        if peer is not None:
            peer_times.append(time_call(peer)[0])
    peer_median = statistics.median(peer_times) if peer_times else float("nan")
    return Timing(statistics.median(ours_times), peer_median, ours_first, peer_first)


def record(
    case: str,
    name: str,
    sizes: dict,
    ours: str,
    peer: str | None,
    timing: Timing,
    accuracy_metric: str,
    accuracy_value: float,
    **extra,
) -> dict:
    """One result record (see the module docs)."""
    return {
        "case": case,
        "name": name,
        "sizes": sizes,
        "ours": ours,
        "ours_seconds": timing.ours_seconds,
        "ours_first_call_seconds": timing.ours_first_call_seconds,
        "peer": peer,
        "peer_seconds": timing.peer_seconds,
        "peer_first_call_seconds": timing.peer_first_call_seconds,
        "ratio": timing.peer_seconds / timing.ours_seconds,
        "accuracy": {"metric": accuracy_metric, "value": float(accuracy_value)},
        "extra": extra,
    }


def matmul_gflops(dtype, size: int | None = None, repeats: int = 5) -> float:
    """Measured GFLOP/s of a square JAX matrix product on the default device (the peak the
    cases are compared with). ``size`` defaults to 2048 on CPU, 8192 on accelerators."""
    if size is None:
        size = 2048 if jax.default_backend() == "cpu" else 8192
    with jax.enable_x64(dtype == np.float64):
        key_a, key_b = jax.random.split(jax.random.key(0))
        a = jax.random.normal(key_a, (size, size), dtype)
        b = jax.random.normal(key_b, (size, size), dtype)
        product = jax.jit(jnp.matmul)  # default precision, as the cases use (TF32 on GPUs)
        _ready(product(a, b))
        seconds = statistics.median(time_call(lambda: product(a, b))[0] for _ in range(repeats))
    return 2 * size**3 / seconds / 1e9


def machine_info() -> dict:
    """Platform, CPU count, JAX device, and the measured float32 / float64 matmul peaks."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "jax": jax.__version__,
        "device": str(jax.devices()[0]),
        "matmul_gflops_float32": matmul_gflops(np.float32),
        "matmul_gflops_float64": matmul_gflops(np.float64),
    }
