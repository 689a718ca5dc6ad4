"""The registry: every name has a module with the protocol; unknown names are refused."""

import pytest

from ebm_memory import experiments


def test_names_are_sorted_and_unknown_ones_refused():
    assert list(experiments.NAMES) == sorted(experiments.NAMES)
    with pytest.raises(ValueError, match="unknown experiment"):
        experiments.get("nothing")


@pytest.mark.parametrize("name", ["growth", "sequential", "in_context"])
def test_an_experiment_module_has_the_protocol(name):
    module = experiments.get(name)
    assert all(callable(getattr(module, part)) for part in ("run", "figure", "table"))
    assert hasattr(module.Result, "to_dict")
    assert module.Result.__dataclass_params__.frozen
