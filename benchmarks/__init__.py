"""Benchmarks of ebm_memory against its peers (KernelDensity, NumPy, hamux, numpyro's NUTS,
GaussianMixture, KMeans, MLPClassifier, LogisticRegression), run side by side in one process.

They live in a checkout, outside the installed package: ``python benchmarks/run.py`` or
``ebm-memory bench`` from the repository. :mod:`benchmarks.run` parses the options and
imports no JAX; :mod:`benchmarks.runner` runs the cases.
"""
