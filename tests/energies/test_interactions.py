import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ebm_memory import lagrangians
from ebm_memory.energies import interactions

h = jnp.array([-1.5, 0.0, 0.5, 2.0])


@pytest.mark.parametrize(
    ("interaction", "expected"),
    [
        (interactions.classical(), np.asarray(h) ** 2),
        (interactions.polynomial(3), np.asarray(h) ** 3),
        (interactions.rectified_polynomial(3), np.maximum(np.asarray(h), 0) ** 3),
        (interactions.exponential(2.5), np.asarray(h)),
    ],
    ids=repr,
)
def test_terms_are_the_closed_forms(interaction, expected):
    np.testing.assert_allclose(interaction.term(h), expected, rtol=1e-12)


def test_exponential_carries_its_gain_as_log_scale():
    interaction = interactions.exponential(2.5)
    assert interaction.log_domain and interaction.log_scale == 2.5
    assert not interactions.polynomial(3).log_domain
    assert interactions.polynomial(3).log_scale is None


def test_polynomial_scale_convention_differs_from_the_lagrangian():
    """Interaction ``F = x^n``; Lagrangian ``x^n / n`` (activation ``x^(n-1)``)."""
    point = jnp.array([2.0])
    assert float(interactions.polynomial(3).term(point)[0]) == 8.0
    assert float(lagrangians.polynomial(3)(point)) == pytest.approx(8.0 / 3.0)
    assert float(lagrangians.polynomial(3).activation(point)[0]) == 4.0


def test_identity_and_repr():
    assert interactions.exponential(1.0) == interactions.exponential(1.0)
    assert hash(interactions.exponential(1.0)) == hash(interactions.exponential(1.0))
    assert interactions.exponential(1.0) != interactions.exponential(2.0)
    assert interactions.classical() == interactions.polynomial(2)
    assert interactions.polynomial(2) != interactions.rectified_polynomial(2)
    assert repr(interactions.exponential(beta=1.0)) == "interactions.exponential(beta=1.0)"
    assert repr(interactions.polynomial(3)) == "interactions.polynomial(n=3)"


def test_gain_is_traced_and_shares_one_compilation():
    @jax.jit
    def log_attraction(interaction, overlaps):
        terms = interaction.term(overlaps)
        return jax.nn.logsumexp(interaction.log_scale * terms) / interaction.log_scale

    for beta in (1.0, 2.0, 3.0):
        expected = np.log(np.sum(np.exp(beta * np.asarray(h)))) / beta
        np.testing.assert_allclose(
            log_attraction(interactions.exponential(beta), h), expected, rtol=1e-12
        )
    assert log_attraction._cache_size() == 1


def test_degree_is_static_and_factories_accept_traced_gains():
    assert jax.tree_util.tree_leaves(interactions.polynomial(3)) == []
    scale = jax.jit(lambda beta: interactions.exponential(beta).log_scale)(2.0)
    assert float(scale) == 2.0


def test_user_built_interactions_differ_by_function():
    cubic = interactions.Interaction("mine", (), lambda values: values**3)
    square = interactions.Interaction("mine", (), lambda values: values**2)
    assert cubic != square
    apply = jax.jit(lambda interaction, values: interaction.term(values))
    np.testing.assert_allclose(apply(cubic, h), np.asarray(h) ** 3)
    np.testing.assert_allclose(apply(square, h), np.asarray(h) ** 2)


def test_bad_settings_are_rejected():
    with pytest.raises(ValueError, match="beta"):
        interactions.exponential(0.0)
    with pytest.raises(TypeError, match="integer"):
        interactions.polynomial(2.0)
