"""The same numbers come out with 1 and 4 devices (memories sharded across 4 CPU devices)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

SCRIPT = """
import json, sys
import jax
import numpy as np
from ebm_memory import DenseAssociativeMemory
from ebm_memory.energies.streaming import memory_sharding

rng = np.random.default_rng(0)
memories = rng.normal(size=(203, 6))          # 203: not a multiple of the device count
queries = memories[:7] + 0.1 * rng.normal(size=(7, 6))
out = {"devices": jax.device_count(), "sharded": memory_sharding() is not None}
for chunk in (None, 32):
    for similarity in ("dot", "euclidean"):
        memory = DenseAssociativeMemory(similarity=similarity, beta=2.0, chunk_size=chunk)
        memory.fit(memories)
        for method in ("predict", "energy", "score_samples", "transform"):
            out[f"{similarity}-{chunk}-{method}"] = getattr(memory, method)(queries).tolist()
binary = DenseAssociativeMemory("exponential", beta=0.5).fit(np.sign(memories))
out["binary-predict"] = binary.predict(np.sign(queries)).tolist()
json.dump(out, sys.stdout)
"""


def _run(device_count):
    env = dict(
        os.environ,
        XLA_FLAGS=f"--xla_force_host_platform_device_count={device_count}",
        JAX_PLATFORMS="cpu",
    )
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


@pytest.mark.slow
def test_one_and_four_devices_agree():
    one, four = _run(1), _run(4)
    assert (one["devices"], one["sharded"]) == (1, False)
    assert (four["devices"], four["sharded"]) == (4, True)
    for key, value in one.items():
        if key not in ("devices", "sharded"):
            np.testing.assert_allclose(four[key], value, rtol=1e-10, atol=1e-12, err_msg=key)
