"""A tiny in-context energy, trained for two steps, shared by the tests of this folder."""

import pytest

from ebm_memory.incontext import InContextEnergy

TINY = dict(
    width=16,
    n_heads=2,
    context_layers=1,
    query_layers=1,
    max_iter=2,
    chunk_size=1,
    tasks_per_step=2,
    queries_per_task=4,
    min_context=4,
    max_context=8,
    langevin_steps=2,
    buffer_size=32,
    random_state=0,
)


@pytest.fixture(scope="session")
def tiny_energy():
    return InContextEnergy(**TINY).fit("mixture_2d")
