"""The growing memory's energy: conjugate posterior predictives and the new-table term."""

import jax.numpy as jnp
import numpy as np
from scipy import integrate
from scipy.special import logsumexp
from scipy.stats import norm

from ebm_memory.energies.crp import CRPPrior, Tables, crp_energy, seating_log_weights

ALPHA, DISCOUNT, BETA, PRIOR_MEAN, PRIOR_VARIANCE = 1.5, 0.3, 4.0, 0.5, 9.0
POINTS = [np.array([0.1, -0.2, 0.3]), np.array([5.0, 5.2])]  # two memories, 1-D points


def tables():
    counts = np.array([3.0, 0.0, 2.0])  # a free slot in the middle
    sums = np.array([[POINTS[0].sum()], [0.0], [POINTS[1].sum()]])
    return Tables(jnp.asarray(counts), jnp.asarray(sums))


def prior():
    return CRPPrior(ALPHA, DISCOUNT, BETA, jnp.array([PRIOR_MEAN]), PRIOR_VARIANCE)


def predictive(x, points):
    """Posterior predictive of a Gaussian with known variance 1/beta under N(m0, tau^2),
    from the textbook update (precision-weighted mean)."""
    precision = 1 / PRIOR_VARIANCE + len(points) * BETA
    mean = (PRIOR_MEAN / PRIOR_VARIANCE + BETA * points.sum()) / precision
    return norm(mean, np.sqrt(1 / BETA + 1 / precision)).logpdf(x)


def test_seating_weights_are_count_weighted_predictives_and_the_new_table_term():
    x = 1.3
    got = np.asarray(seating_log_weights(jnp.array([x]), tables(), prior()))
    expected = [
        np.log(3 - DISCOUNT) + predictive(x, POINTS[0]),
        -np.inf,
        np.log(2 - DISCOUNT) + predictive(x, POINTS[1]),
        np.log(ALPHA + 2 * DISCOUNT)
        + norm(PRIOR_MEAN, np.sqrt(1 / BETA + PRIOR_VARIANCE)).logpdf(x),
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_the_predictive_density_integrates_to_one():
    """exp(-beta E(x)) / (n + alpha) is the Pitman-Yor posterior predictive density."""

    def density(x):
        return np.exp(-BETA * float(crp_energy(jnp.array([x]), tables(), prior()))) / (5 + ALPHA)

    total, error = integrate.quad(density, -40, 40, points=[0.0, 5.0], limit=200)
    assert abs(total - 1) < 1e-8 + error


def test_a_far_point_opens_a_new_memory_and_a_near_one_joins():
    near = np.asarray(seating_log_weights(jnp.array([5.05]), tables(), prior()))
    far = np.asarray(seating_log_weights(jnp.array([-9.0]), tables(), prior()))
    assert np.argmax(near) == 2 and np.argmax(far) == 3
    np.testing.assert_allclose(
        -BETA * float(crp_energy(jnp.array([-9.0]), tables(), prior())), logsumexp(far)
    )
