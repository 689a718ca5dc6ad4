"""``random_state`` to seeds and keys: reproducible, distinct across states, advancing."""

import jax
import numpy as np

from ebm_memory._random import float64, key_from, seed_from


def test_seeds_repeat_for_a_state_and_differ_across_states():
    seeds = [seed_from(state) for state in range(20)]
    assert seeds == [seed_from(state) for state in range(20)]
    assert len(set(seeds)) == 20 and all(0 <= seed < 2**31 - 1 for seed in seeds)


def test_a_random_state_object_advances_between_draws():
    state = np.random.RandomState(0)
    first, second = key_from(state), key_from(state)
    assert not np.array_equal(jax.random.key_data(first), jax.random.key_data(second))


def test_float64_turns_on_64_bit_mode_only_inside_the_call():
    @float64
    def dtype():
        return jax.numpy.zeros(1).dtype

    with jax.enable_x64(False):
        assert dtype() == np.float64
        assert jax.numpy.zeros(1).dtype == np.float32
