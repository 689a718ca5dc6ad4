"""Open the built documentation site in headless Chromium and check the pages readers land on.

The check serves the built HTML over ``http://127.0.0.1`` (the search page needs http, not
``file://``) and visits four pages with Chromium driven by playwright:

- the index;
- the ``DenseAssociativeMemory`` API page (``api/generated/``);
- a tutorial page (``tutorials/01_*.html`` unless ``--tutorial`` names another);
- the search page, ``search.html?q=DenseAssociativeMemory``, which must list a result that
  links to the API page.

A page fails on any console error, uncaught page error, failed or non-2xx request to the local
site, image that did not load (``naturalWidth == 0``), page wider than the window, heading or
sidebar wider than its column, or formula that is neither typeset nor readable as TeX. The
tutorial page must show at least one figure and the index at least one formula. Requests to
other hosts (MathJax from its CDN) are aborted, so the check runs offline; the errors they
cause, and only those, are ignored and counted. Formulas then stay as their TeX source,
``\\(E(x)\\)``, which the check requires.

Each page is saved as a full-page PNG screenshot, one result line is printed per page, and
the exit status is 0 when every check passes, 1 otherwise.

Set-up (Debian; playwright drives the system Chromium, so no ``playwright install``)::

    apt-get install -y chromium && python -m pip install playwright

Run, after ``sphinx-build -b html docs docs/_build/html``::

    python docs/check_site.py [--site docs/_build/html] [--screenshots docs/_build/screenshots]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

DOCS = Path(__file__).resolve().parent
API_NAME = "DenseAssociativeMemory"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
VIEWPORT = {"width": 1280, "height": 900}

PAGE_STATE = r"""() => {
  const article = document.querySelector(".bd-article") || document.body;
  const formulas = [...document.querySelectorAll(".math")];
  const unreadable = formulas.filter((node) => {
    if (node.querySelector("mjx-container")) return false;
    const text = node.textContent.trim();
    const tex = /^(\\\(|\\\[|\$)/.test(text) && text.length > 4;
    return !(tex && node.getClientRects().length > 0);
  });
  const columns = ".bd-article :is(h1, h2, h3), .bd-sidebar-primary, .bd-sidebar-secondary";
  const wide = [...document.querySelectorAll(columns)].filter(
    (node) => node.scrollWidth > node.clientWidth + 1,
  );
  return {
    images: [...document.images].map((img) => ({ src: img.src, width: img.naturalWidth })),
    figures: article.querySelectorAll("img").length,
    formulas: formulas.length,
    typeset: document.querySelectorAll("mjx-container").length,
    unreadable: unreadable.map((node) => node.textContent.trim().slice(0, 60)),
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    wide: wide.map((node) => node.tagName === "DIV" ? node.className : node.textContent.trim()),
  };
}"""

SEARCH_DONE = """() => {
  const summary = document.querySelector("#search-results .search-summary");
  return summary !== null && summary.textContent.trim().length > 0;
}"""


@dataclass
class PageCheck:
    """What one visited page must show, and what the visit found.

    Parameters
    ----------
    name : str
        Short name printed in the result line.
    path : str
        Path of the page below the site root, with its query string.
    min_figures : int
        Images the article must hold.
    min_formulas : int
        Formulas the page must hold.
    problems : list of str
        Filled by the visit; the page passes when it stays empty.
    notes : list of str
        Filled by the visit; what the page showed.
    """

    name: str
    path: str
    min_figures: int = 0
    min_formulas: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One result line: PASS or FAIL, the page, and what was seen or went wrong."""
        status = "FAIL" if self.problems else "PASS"
        details = "; ".join(self.problems or self.notes)
        return f"{status} {self.name:<9} {self.path}  ({details})"


@dataclass
class Visit:
    """What every page visit shares.

    Parameters
    ----------
    base : str
        Base URL of the served site.
    api : str
        Path of the API page, which the search must find.
    shots : Path
        Folder of the screenshots.
    timeout_ms : float
        Longest wait for a page, its images or the search results, in milliseconds.
    blocked : list of str
        URLs of the aborted external requests, one entry per request, filled as pages load.
    """

    base: str
    api: str
    shots: Path
    timeout_ms: float
    blocked: list[str] = field(default_factory=list)


def is_local(url: str) -> bool:
    """Whether ``url`` is served by the local site (or is data the page made itself).

    Parameters
    ----------
    url : str
        Any URL a page requests or reports.

    Returns
    -------
    bool
        True for ``http://127.0.0.1``/``localhost`` and for ``data:``/``blob:``/``about:`` URLs.

    Examples
    --------
    >>> is_local("http://127.0.0.1:8000/index.html"), is_local("https://cdn.jsdelivr.net/x.js")
    (True, False)
    """
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    return parts.scheme in {"http", "https"} and parts.hostname in LOCAL_HOSTS


def caused_by_blocked(text: str, location: str, blocked: Collection[str]) -> bool:
    """Whether a console error only reports an external request that the check aborted.

    Parameters
    ----------
    text : str
        The console message.
    location : str
        The URL the message comes from (empty when unknown).
    blocked : collection of str
        URLs of the aborted external requests.

    Returns
    -------
    bool
        True when the message comes from a blocked URL, or names one.

    Examples
    --------
    >>> blocked = {"https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js"}
    >>> caused_by_blocked("Failed to load resource: net::ERR_FAILED", next(iter(blocked)), blocked)
    True
    >>> caused_by_blocked("TypeError: x is undefined", "http://127.0.0.1:1/a.js", blocked)
    False
    """
    return location in blocked or any(url in text for url in blocked)


def find_page(site: Path, pattern: str) -> str:
    """The first built page below ``site`` matching ``pattern``, relative to ``site``.

    Parameters
    ----------
    site : Path
        Root of the built HTML site.
    pattern : str
        Glob pattern relative to ``site``.

    Returns
    -------
    str
        POSIX path of the first match in sorted order.

    Raises
    ------
    FileNotFoundError
        When no page matches.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = (Path(tmp) / "b.html").write_text("")
    ...     find_page(Path(tmp), "*.html")
    'b.html'
    """
    matches = sorted(site.glob(pattern))
    if not matches:
        raise FileNotFoundError(f"no page {pattern} in {site}")
    return matches[0].relative_to(site).as_posix()


def pages_to_check(site: Path, tutorial: str | None) -> list[PageCheck]:
    """The index, the ``DenseAssociativeMemory`` API page, a tutorial and the search page.

    Parameters
    ----------
    site : Path
        Root of the built HTML site.
    tutorial : str or None
        Path of the tutorial page below ``site``; None takes the first ``tutorials/01_*.html``.

    Returns
    -------
    list of PageCheck
        The pages in visiting order.
    """
    api = find_page(site, f"api/generated/*.{API_NAME}.html")
    return [
        PageCheck("index", find_page(site, "index.html"), min_formulas=1),
        PageCheck("api", api),
        PageCheck("tutorial", tutorial or find_page(site, "tutorials/01_*.html"), min_figures=1),
        PageCheck("search", f"{find_page(site, 'search.html')}?q={API_NAME}"),
    ]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` over http on a free localhost port while the block runs.

    Parameters
    ----------
    site : Path
        Root of the built HTML site.

    Yields
    ------
    str
        The base URL, ``http://127.0.0.1:PORT/``.
    """
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _watch(page, check: PageCheck, blocked: list[str]) -> None:
    """Record console errors, page errors and failed local requests of ``page`` into ``check``."""

    def on_console(message):
        location = message.location.get("url", "") if message.location else ""
        if message.type == "error" and not caused_by_blocked(message.text, location, blocked):
            check.problems.append(f"console error: {message.text}")

    def on_request_failed(request):
        if is_local(request.url):
            check.problems.append(f"request failed: {request.url} ({request.failure})")

    def on_response(response):
        if is_local(response.url) and response.status >= 400:
            check.problems.append(f"HTTP {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: check.problems.append(f"page error: {error}"))
    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)


def _check_search(page, check: PageCheck, shared: Visit) -> None:
    """Wait for the search results and require one that links to the API page."""
    page.wait_for_function(SEARCH_DONE, timeout=shared.timeout_ms)
    links = page.eval_on_selector_all("#search-results ul.search li a", "as => as.map(a => a.href)")
    target = urljoin(shared.base, shared.api)
    hits = [link for link in links if link.split("#")[0] == target]
    check.notes.append(f"{len(links)} results, {len(hits)} to the API page")
    if not hits:
        check.problems.append(f"no search result links to {shared.api} ({len(links)} results)")


def _check_content(page, check: PageCheck, timeout_ms: float) -> None:
    """Require loaded images, the wanted figures and formulas, and no horizontal overflow."""
    page.evaluate("() => document.querySelectorAll('img').forEach(i => (i.loading = 'eager'))")
    page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=timeout_ms)
    state = page.evaluate(PAGE_STATE)
    broken = [image["src"] for image in state["images"] if image["width"] == 0]
    check.problems += [f"image not loaded: {src}" for src in broken]
    if state["figures"] < check.min_figures:
        check.problems.append(f"{state['figures']} figure images, want >= {check.min_figures}")
    if state["formulas"] < check.min_formulas:
        check.problems.append(f"{state['formulas']} formulas, want >= {check.min_formulas}")
    check.problems += [f"formula not readable: {text!r}" for text in state["unreadable"]]
    if state["overflow"] > 0:
        check.problems.append(f"page {state['overflow']} px wider than the window")
    check.problems += [f"wider than its column: {text[:50]}" for text in state["wide"]]
    shown = "typeset" if state["typeset"] else "as TeX"
    check.notes.append(f"{len(state['images'])} images loaded, {state['figures']} in the article")
    check.notes.append(f"{state['formulas']} formulas {shown}")


def visit(context, check: PageCheck, shared: Visit) -> None:
    """Load one page, run its checks and save its full-page screenshot.

    Parameters
    ----------
    context : playwright.sync_api.BrowserContext
        Browser context whose external requests are aborted.
    check : PageCheck
        The page to visit; its ``problems`` and ``notes`` are filled.
    shared : Visit
        The served site, the screenshot folder, the timeout and the blocked URLs.
    """
    page = context.new_page()
    _watch(page, check, shared.blocked)
    try:
        url = urljoin(shared.base, check.path)
        response = page.goto(url, wait_until="load", timeout=shared.timeout_ms)
        if response is None or not response.ok:
            check.problems.append(f"page did not load: {response and response.status}")
        if check.name == "search":
            _check_search(page, check, shared)
        _check_content(page, check, shared.timeout_ms)
        page.screenshot(path=str(shared.shots / f"{check.name}.png"), full_page=True)
    except Exception as error:  # a timeout or a crashed page is a failed check, not a crash
        check.problems.append(f"{type(error).__name__}: {str(error).splitlines()[0]}")
    finally:
        page.close()


def run_checks(
    site: Path, shots: Path, chromium: str, tutorial: str | None = None, timeout: float = 60.0
) -> tuple[list[PageCheck], list[str]]:
    """Serve ``site``, visit every page in Chromium and return the checks and blocked URLs.

    Parameters
    ----------
    site : Path
        Root of the built HTML site.
    shots : Path
        Folder of the screenshots (created).
    chromium : str
        Path of the Chromium executable.
    tutorial : str or None, default=None
        Tutorial page below ``site``; None takes ``tutorials/01_*.html``.
    timeout : float, default=60.0
        Longest wait for one page, in seconds.

    Returns
    -------
    checks : list of PageCheck
        The visited pages with their problems and notes.
    blocked : list of str
        The URL of each aborted external request.
    """
    from playwright.sync_api import sync_playwright

    checks = pages_to_check(site, tutorial)
    shots.mkdir(parents=True, exist_ok=True)
    with serve(site) as base, sync_playwright() as driver:
        shared = Visit(base, checks[1].path, shots, timeout * 1000)

        def route(route):
            if is_local(route.request.url):
                route.continue_()
            else:
                shared.blocked.append(route.request.url)
                route.abort()

        browser = driver.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT, service_workers="block")
        context.route("**/*", route)
        for check in checks:
            visit(context, check, shared)
        context.close()
        browser.close()
    return checks, shared.blocked


def main(argv: list[str] | None = None) -> int:
    """Run the check from the command line; return the exit status (0 when all pages pass).

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments; None reads ``sys.argv``.

    Returns
    -------
    int
        0 when every page passes, 1 otherwise.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=DOCS / "_build" / "html")
    parser.add_argument("--screenshots", type=Path, default=DOCS / "_build" / "screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--tutorial", help="tutorial page below the site root")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per page")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        parser.error(f"no built site in {args.site}; run sphinx-build first")
    checks, blocked = run_checks(
        args.site, args.screenshots, args.chromium, args.tutorial, args.timeout
    )
    for check in checks:
        print(check.line())
    print(f"offline: {len(blocked)} external requests blocked (MathJax stays as TeX)")
    for url in sorted(set(blocked)):
        print(f"  blocked: {url}")
    print(f"screenshots: {args.screenshots}")
    failed = [check.name for check in checks if check.problems]
    print(f"result: {'FAIL (' + ', '.join(failed) + ')' if failed else 'PASS'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
