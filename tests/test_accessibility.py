"""Every page of every role, in Latvian and English, at 1280 and 390 px wide, checked by axe-core (Deque's engine,
pinned in tests/a11y/package-lock.json) in headless Chromium against WCAG 2.1 A and AA — any violation, any impact,
fails. The pages are found by following the links each role sees from its start page, so a new page is checked
without being listed; error pages, a refused form and a confirmation are visited on purpose."""

from __future__ import annotations

import json
import re
import shutil
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from tests.servers import serving

playwright = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
PINNED = json.loads((Path(__file__).resolve().parent / "a11y" / "package.json").read_text())["dependencies"]["axe-core"]
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "demo-parole-2026"
LOGINS = {
    "admin": "admin@example.lv",
    "coordinator": "ilze.kalnina@example.lv",
    "validator": "peteris.ozols@example.lv",
    "learner": "janis.berzins@example.lv",
    "mentor": "lucia.garcia@example.es",
}
ROLES = [*LOGINS, "mentor-link", "visitor"]
WIDTHS = (1280, 390)
SKIPPED = ("/logout", "/lang/", "/api/", "/static/", ".pdf", ".csv", ".xlsx", ".json", ".png", "/m/", "/export")
MAX_PAGES = 40
ALSO = ["/framework?framework=digcomp-3.0", "/framework/2.1?framework=digcomp-3.0"]  # the DigComp 3.0 browser
PER_KIND = 3  # pages of one kind (/mobilities/1, /mobilities/2 …: the same template in other states) checked


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving({"DIGCOMP_DATA_DIR": str(tmp_path_factory.mktemp("a11y-data"))}, "--demo") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        yield launched
        launched.close()


def _api(server: str, method: str, path: str, body: dict[str, object], token: str = "") -> dict[str, object]:
    request = urllib.request.Request(
        f"{server}/api/v1{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"{}")  # type: ignore[no-any-return]


def _mentor_link(server: str) -> str:
    token = str(
        _api(server, "POST", "/auth/token", {"email": LOGINS["coordinator"], "password": PASSWORD})["access_token"]
    )
    return str(_api(server, "POST", "/mobilities/1/mentor-links", {"days_valid": 30}, token)["url"])


def _start(browser: Browser, server: str, role: str, language: str) -> tuple[Page, str]:
    """A page of a fresh browser (the content security policy bypassed for the injected script only here),
    logged in as ``role`` and reading ``language``; the role's start page."""
    context = browser.new_context(bypass_csp=True, viewport={"width": WIDTHS[0], "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{server}/lang/{language}?next=/verify")
    if role in LOGINS:
        page.goto(f"{server}/login")
        page.fill("#f-email", LOGINS[role])
        page.fill("#f-password", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url("**/mobilities")
        return page, "/mobilities"
    if role == "mentor-link":
        page.goto(_mentor_link(server))
        return page, urlparse(page.url).path
    return page, "/verify"


def _crawl(page: Page, server: str, start: str, check: Callable[[str], None]) -> list[str]:
    """The pages reachable by links from ``start`` (same site, shown to this person, no downloads or actions), each
    checked while it is open."""
    seen, queue = [start, *ALSO], [start, *ALSO]
    kinds: dict[str, int] = {}
    while queue:
        path = queue.pop(0)
        page.goto(server + path)
        check(path)
        for href in page.eval_on_selector_all(
            "main a[href]:not([download]), header a[href]", "els => els.map(e => e.getAttribute('href'))"
        ):
            target = urlparse(urljoin(page.url, href))
            found = target.path + (f"?{target.query}" if target.query else "")
            if target.netloc != urlparse(server).netloc or any(s in found for s in SKIPPED) or found in seen:
                continue
            kind = re.sub(r"\d+(\.\d+)*", "#", target.path)
            if len(seen) < MAX_PAGES and kinds.get(kind, 0) < PER_KIND:
                kinds[kind] = kinds.get(kind, 0) + 1
                seen.append(found)
                queue.append(found)
    return seen


def _axe(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});"
        " return {version: axe.version, passes: r.passes.length, violations: r.violations.map(v =>"
        " `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)}; }",
        WCAG_21_AA,
    )
    assert result["version"] == PINNED, "axe-core did not run as pinned"
    assert result["passes"] > 10, "axe-core ran no checks"
    return list(result["violations"])


def _special_states(page: Page, server: str, role: str) -> Iterator[str]:
    """Pages that only exist after something: a refused login, a missing page, a refused form (each yielded while
    it is open)."""
    if role == "visitor":
        page.goto(f"{server}/login")
        page.fill("#f-email", "nobody@example.lv")
        page.fill("#f-password", "not-the-password")
        page.click("form[action='/login'] button[type=submit]")
        yield "/login (refused)"
        page.goto(f"{server}/verify/DC-2026-NOSUCHTHING")
        yield "/verify/unknown"
    page.goto(f"{server}/no-such-page")
    yield "/no-such-page (404)"
    if role == "learner":
        page.goto(f"{server}/school")
        yield "/school (403)"
    if role == "coordinator":
        page.goto(f"{server}/mobilities/1/plan/outcomes/new")
        page.eval_on_selector("form#outcome-form", "f => { f.noValidate = true; }")
        page.click("form#outcome-form button[type=submit][value=save]")
        yield "/mobilities/1/plan/outcomes/new (refused)"


@pytest.mark.parametrize("language", ["lv", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_every_page_meets_wcag_21_aa(browser: Browser, server: str, role: str, language: str) -> None:
    page, start = _start(browser, server, role, language)
    problems: dict[str, list[str]] = {}

    def check(where: str) -> None:
        """axe at each width, on the page as it is (the narrow layout without loading the page again)."""
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            if found := _axe(page):
                problems[f"{where} @{width}"] = found
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})

    paths = _crawl(page, server, start, check)
    for state in _special_states(page, server, role):
        check(state)
    page.context.close()
    assert len(paths) >= (1 if role == "visitor" else 3), paths
    print(f"{role}/{language}: {len(paths)} pages and the special states, at {WIDTHS} px: {paths}")
    assert not problems, f"{role}/{language}: WCAG 2.1 A/AA violations: {json.dumps(problems, indent=1)}"
