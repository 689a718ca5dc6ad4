"""The chunked training driver: chunks, checks, the bar and the callback."""

import subprocess
import sys

import numpy as np
import pytest

from ebm_memory.learning.driver import all_finite, run_chunks


def decay(carry, start, length):
    losses = carry * 0.5 ** np.arange(1, length + 1)
    return losses[-1], (losses, np.arange(start, start + length))


def test_chunks_cover_the_steps_and_the_callback_sees_each():
    seen = []
    carry, n_iter, stopped = run_chunks(
        decay, 1.0, 10, chunk_size=4, callback=lambda c, chunk: seen.append(chunk) and False
    )
    assert n_iter == 10 and not stopped and carry == 0.5**10
    assert [(c.start, c.length) for c in seen] == [(0, 4), (4, 4), (8, 2)]
    np.testing.assert_array_equal(np.concatenate([c.outputs[1] for c in seen]), np.arange(10))


def test_the_callback_stops_the_run():
    _, n_iter, stopped = run_chunks(decay, 1.0, 100, chunk_size=3, callback=lambda c, k: c < 0.1)
    assert stopped and n_iter == 6


def test_non_finite_losses_or_parameters_raise_and_keep_the_last_good_chunk():
    seen = []

    def poisoned(carry, start, length):
        losses = np.full(length, np.nan if start >= 4 else 1.0)
        return {"w": np.full(2, np.inf if start >= 2 else 0.0)}, losses

    with pytest.raises(FloatingPointError, match="steps 5..6"):
        run_chunks(poisoned, None, 10, chunk_size=2, callback=lambda c, k: seen.append(k))
    assert [k.start for k in seen] == [0, 2]
    with pytest.raises(FloatingPointError, match="diverged at 2 for 2"):
        run_chunks(
            poisoned,
            None,
            10,
            chunk_size=2,
            finite=lambda carry: carry,
            diverged=lambda start, length: f"diverged at {start} for {length}",
        )


def test_all_finite():
    assert all_finite([np.ones(3), {"b": np.zeros((2, 2))}])
    assert not all_finite([np.ones(3), np.array([np.inf])])


def test_the_bar_is_drawn_only_when_verbose(capsys):
    run_chunks(decay, 1.0, 5, chunk_size=2, verbose=0)
    assert capsys.readouterr().err == ""
    run_chunks(decay, 1.0, 5, chunk_size=2, verbose=1, description="decay")
    assert "decay" in capsys.readouterr().err


IMPORT_WATCH = """
import sys, traceback
class Watch:
    def find_spec(self, name, path, target=None):
        if name in ("equinox", "optax", "tqdm"):
            for frame in traceback.extract_stack():
                if frame.filename.endswith(("learning/driver.py", "learning/optimise.py")):
                    print(name, frame.filename)
sys.meta_path.insert(0, Watch())
import ebm_memory.learning.driver, ebm_memory.learning.optimise
"""


def test_the_driver_and_minimise_import_neither_optax_nor_tqdm_until_used():
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_WATCH], capture_output=True, text=True, check=True
    )
    assert out.stdout == ""
