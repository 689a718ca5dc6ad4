"""Renamed names keep working for one release: the old value is used, with one message."""

import warnings

import pytest

from ebm_memory._renamed import DEPRECATED, renamed_parameters, renamed_value


@renamed_parameters(seed="random_state", progress_bar="verbose")
def _settings(*, random_state=0, verbose=0):
    return random_state, verbose


def test_an_old_keyword_is_passed_on_under_its_new_name():
    with pytest.warns(FutureWarning) as caught:
        assert _settings(seed=7, progress_bar=2) == (7, 2)
    assert [str(warning.message) for warning in caught] == [
        "_settings: `seed` was renamed `random_state` in 0.2 and will be removed in 0.3.",
        "_settings: `progress_bar` was renamed `verbose` in 0.2 and will be removed in 0.3.",
    ]
    assert all(warning.filename == __file__ for warning in caught)


def test_new_names_do_not_warn_and_both_names_are_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _settings(random_state=3) == (3, 0)
    with pytest.raises(TypeError, match="both 'seed' and 'random_state'"):
        _settings(seed=1, random_state=2)


def test_renamed_value_uses_the_old_value_only_when_it_was_set():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert renamed_value("n_steps", "max_iter", DEPRECATED, 10) == 10
    with pytest.warns(FutureWarning, match="`n_steps` was renamed `max_iter`"):
        assert renamed_value("n_steps", "max_iter", 5, 10) == 5
