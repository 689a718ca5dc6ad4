"""Benchmarks of the package against its peers (KernelDensity, NumPy, hamux, numpyro's
NUTS, GaussianMixture, KMeans, MLPClassifier, LogisticRegression), run side by side in one
process: ``ebm-memory bench`` or ``python benchmarks/run.py``."""

from ebm_memory.bench.runner import CASES, main, run_benchmarks

__all__ = ["CASES", "main", "run_benchmarks"]
