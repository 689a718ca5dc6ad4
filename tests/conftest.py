"""Test configuration: float64 available (float32 tests pass float32 arrays explicitly)."""

import jax
import matplotlib
from hypothesis import settings

jax.config.update("jax_enable_x64", True)
matplotlib.use("Agg")

settings.register_profile("default", deadline=None, max_examples=25, derandomize=True)
settings.load_profile("default")
