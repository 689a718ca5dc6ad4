import jax
import numpy as np

from ebm_memory.learning.spherical import fit_spherical_memories


def _on_sphere(rng, directions, n_per, spread):
    points = np.concatenate([d + spread * rng.normal(size=(n_per, d.size)) for d in directions])
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def test_em_recovers_mean_directions_and_never_lowers_the_likelihood():
    rng = np.random.default_rng(0)
    directions = np.eye(3)
    units = _on_sphere(rng, directions, 200, 0.15)
    memories, n_iter, converged, _ = fit_spherical_memories(
        units, 3, 20.0, key=jax.random.key(0), max_iter=100, tol=1e-10
    )
    assert bool(converged) and int(n_iter) >= 1
    np.testing.assert_allclose(np.linalg.norm(memories, axis=1), 1.0, rtol=1e-12)
    # each true direction has a learned memory within a few degrees (spread 0.15 / sqrt(200))
    cosines = np.asarray(memories) @ directions.T
    assert np.all(cosines.max(axis=0) > np.cos(np.radians(3)))
    previous = -np.inf
    for max_iter in (1, 2, 4, 8):
        fit = fit_spherical_memories(
            units, 3, 20.0, key=jax.random.key(0), max_iter=max_iter, tol=0.0
        )
        value = fit.objective[fit.n_iter - 1]
        assert float(value) >= previous - 1e-12
        previous = float(value)
