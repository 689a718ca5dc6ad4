"""The browser check of the docs site: its pure parts, without a browser."""

from __future__ import annotations

import importlib.util
import sys
import urllib.request
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _check_site():
    spec = importlib.util.spec_from_file_location("check_site", DOCS / "check_site.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


CHECK = _check_site()


@pytest.fixture
def site(tmp_path):
    """A built-site skeleton with the pages the check visits."""
    for page in [
        "index.html",
        "search.html",
        "api/generated/ebm_memory.DenseAssociativeMemory.html",
        "api/generated/ebm_memory.DenseAssociativeMemory.fit.html",
        "tutorials/02_sampling.html",
        "tutorials/01_retrieval.html",
    ]:
        path = tmp_path / page
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<p>{page}</p>")
    return tmp_path


@pytest.mark.parametrize(
    "url, local",
    [
        ("http://127.0.0.1:8123/index.html", True),
        ("http://localhost:8123/search.html?q=x", True),
        ("data:image/png;base64,AAAA", True),
        ("https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js", False),
        ("http://127.0.0.2/x.js", False),
    ],
)
def test_is_local(url, local):
    assert CHECK.is_local(url) is local


def test_only_errors_of_blocked_requests_are_ignored():
    blocked = {"https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"}
    url = next(iter(blocked))
    assert CHECK.caused_by_blocked("Failed to load resource: net::ERR_FAILED", url, blocked)
    assert CHECK.caused_by_blocked(f"GET {url} net::ERR_FAILED", "", blocked)
    assert not CHECK.caused_by_blocked("Failed to load resource", "http://127.0.0.1/a", blocked)


def test_pages_are_the_index_the_class_page_the_first_tutorial_and_the_search(site):
    checks = CHECK.pages_to_check(site, None)
    assert [check.path for check in checks] == [
        "index.html",
        "api/generated/ebm_memory.DenseAssociativeMemory.html",
        "tutorials/01_retrieval.html",
        "search.html?q=DenseAssociativeMemory",
    ]
    assert checks[2].min_figures == 1 and checks[0].min_formulas == 1


def test_a_missing_page_is_named(site):
    (site / "tutorials" / "01_retrieval.html").unlink()
    (site / "tutorials" / "02_sampling.html").unlink()
    with pytest.raises(FileNotFoundError, match="tutorials/01_"):
        CHECK.pages_to_check(site, None)


def test_result_line_shows_problems_over_notes():
    check = CHECK.PageCheck("api", "a.html", notes=["0 images loaded"])
    assert check.line().startswith("PASS api") and "0 images loaded" in check.line()
    check.problems.append("console error: boom")
    assert check.line().startswith("FAIL api") and "boom" in check.line()
    assert "0 images" not in check.line()


def test_serve_answers_over_http(site):
    with CHECK.serve(site) as base:
        with urllib.request.urlopen(base + "index.html", timeout=10) as response:
            assert response.read() == b"<p>index.html</p>"


def test_no_built_site_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        CHECK.main(["--site", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "sphinx-build" in capsys.readouterr().err


def test_the_first_of_several_matching_pages_is_chosen(site):
    for name in ("01_b.html", "01_a.html"):
        (site / "tutorials" / name).write_text("")
    assert CHECK.find_page(site / "tutorials", "01_*.html") == "01_a.html"


class FakePage:
    """A loaded page that answers the content check's script with ``state``."""

    def __init__(self, state: dict):
        self.state = state

    def evaluate(self, script):
        return self.state if script == CHECK.PAGE_STATE else None

    def wait_for_function(self, script, timeout):
        pass


def _content_problems(**changes) -> list[str]:
    state = {"images": [{"src": "a.png", "width": 10}], "figures": 1, "formulas": 1}
    state |= {"unreadable": [], "overflow": 0, "wide": [], "typeset": True}
    check = CHECK.PageCheck("page", "a.html", min_figures=1, min_formulas=1)
    CHECK._check_content(FakePage(state | changes), check, 1000)
    return check.problems


def test_content_problems_include_a_one_pixel_overflow_and_wide_blocks():
    assert _content_problems() == []
    assert _content_problems(overflow=1) == ["page 1 px wider than the window"]
    wide = _content_problems(wide=["<table> of the results"])
    assert wide == ["wider than its column: <table> of the results"]
    broken = _content_problems(images=[{"src": "b.png", "width": 0}])
    assert broken == ["image not loaded: b.png"]
