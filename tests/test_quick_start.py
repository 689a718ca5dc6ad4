"""The quick starts of the README and of the site's front page run as written."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PAGES = [ROOT / "README.md", ROOT / "docs" / "index.md"]


def python_blocks(text: str) -> list[str]:
    """The fenced ``python`` code blocks of a Markdown text."""
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_python_blocks_are_found():
    assert python_blocks("a\n```python\nx = 1\n```\n```bash\nls\n```\n") == ["x = 1\n"]


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_quick_start_runs(page):
    blocks = python_blocks(page.read_text())
    assert blocks, f"{page.name} has no python quick start"
    namespace = {}
    for block in blocks:
        exec(compile(block, str(page), "exec"), namespace)
    assert namespace["log_density"].shape == (297,)
