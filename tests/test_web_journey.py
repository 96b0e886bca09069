"""The whole journey through the web interface, in headless Chromium (Debian's, driven by Playwright): a new
mobility, outcomes with live suggestions, agreement by three parties, a mentor on a phone via the school's link,
evidence from the learner's camera, assessment, validation, certificate download and public verification —
in Latvian and in English. Screenshots of key pages are saved under test-artifacts/web/."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

playwright = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "web"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "demo-parole-2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DIGCOMP_DATA_DIR": str(tmp_path_factory.mktemp("web-data")), "DIGCOMP_PUBLIC_URL": url}
    env.pop("DATABASE_URL", None)
    env.pop("DIGCOMP_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "digcomp", "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(browser: Browser, server: str, email: str, lang: str, **context: object) -> Page:
    page = browser.new_context(**context).new_page()  # type: ignore[arg-type]
    page.goto(f"{server}/lang/{lang}?next=/login")
    page.fill("#f-email", email)
    page.fill("#f-password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url("**/mobilities")
    return page


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(buffer, format="JPEG")
    return buffer.getvalue()


def labelled_inputs_only(page: Page) -> bool:
    return bool(
        page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .every(el => (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest('label'))""")
    )


def test_from_a_new_mobility_to_a_verified_certificate(browser: Browser, server: str) -> None:
    # --- the coordinator, in Latvian, creates a mobility; a mistake keeps what was typed
    coordinator = login(browser, server, "ilze.kalnina@example.lv", "lv")
    expect(coordinator.locator("h1")).to_have_text("Mobilitātes")
    coordinator.click("text=Jauna mobilitāte")
    coordinator.fill("#f-learner_given_name", "Anna")
    coordinator.fill("#f-learner_family_name", "Liepiņa")
    coordinator.fill("#f-learner_email", "anna.liepina@example.lv")
    coordinator.fill("#f-start_date", "2026-06-01")
    coordinator.fill("#f-end_date", "2026-05-01")
    coordinator.click("form[action='/mobilities/new'] button[type=submit]")
    expect(coordinator.locator(".alert")).to_contain_text("end_date must be after start_date")
    expect(coordinator.locator("#f-learner_family_name")).to_have_value("Liepiņa")
    assert labelled_inputs_only(coordinator)
    coordinator.fill("#f-end_date", "2026-08-28")
    coordinator.click("form[action='/mobilities/new'] button[type=submit]")
    expect(coordinator.locator("h1")).to_have_text("Anna Liepiņa")
    mobility_url = coordinator.url.split("?")[0]

    # --- the plan: an outcome in Latvian with a live suggestion, the level descriptor in view
    coordinator.click("text=Sākt plānu")
    coordinator.click("text=Pievienot rezultātu")
    coordinator.fill("#f-text", "Izglītojamais patstāvīgi izveido viesnīcas pakalpojumu prezentāciju viesiem")
    first_suggestion = coordinator.locator("#suggestions .suggestion").first
    expect(first_suggestion).to_contain_text("3.1 Digitālā satura attīstīšana")
    expect(first_suggestion).to_contain_text("patstavigi")
    expect(first_suggestion).to_contain_text("sakrīt:")  # reasons in the page's language
    first_suggestion.locator("button").click()
    expect(coordinator.locator("#f-competence")).to_have_value("3.1")
    expect(coordinator.locator("#f-target_level")).to_have_value("3")
    expect(coordinator.locator("#descriptor")).to_contain_text("Līmeņa apraksts")
    coordinator.fill("#f-criteria", "Prezentācija ir pabeigta un saprotama viesiem")
    coordinator.check("input[name=methods][value=product]")
    shot(coordinator, "01-outcome-with-suggestions-lv")
    coordinator.click("button[name=action][value=save]")
    expect(coordinator.locator(".outcome")).to_contain_text("3.1 Digitālā satura attīstīšana")
    coordinator.click("text=Piekrītu šim plānam")
    coordinator.click("text=Izveidot saiti")
    mentor_url = coordinator.locator("#mentor-url").input_value()
    coordinator.fill("#f-password", PASSWORD)
    coordinator.click("text=Izveidot pieteikšanos")
    shot(coordinator, "02-mobility-coordinator-lv")

    # --- the host mentor on a phone, through the link, in English
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    mentor = phone.new_page()
    mentor.goto(f"{server}/lang/en?next=/verify")
    mentor.goto(mentor_url)
    expect(mentor.locator("h1")).to_have_text("Anna Liepiņa")
    expect(mentor.locator("header")).to_contain_text("via the school's link")
    mentor.click("text=I agree with this plan")

    # --- the learner agrees, identifies, assesses themself, adds a photo from the camera
    learner = login(browser, server, "anna.liepina@example.lv", "en")
    learner.click('td a:has-text("Anna Liepiņa")')
    learner.click("text=I agree with this plan")
    expect(learner.locator(".badge").first).to_have_text("agreed")
    learner.click("text=Assessment →")
    learner.click("text=Yes, worked on it")
    learner.select_option("select[id^=self-before]", "2")
    learner.locator("form[action*='/self/before'] button").click()
    learner.locator("details:has-text('Add a photo or file') summary").click()
    learner.set_input_files(
        "input[type=file][name=file]", {"name": "IMG_2031.jpg", "mimeType": "image/jpeg", "buffer": photo()}
    )
    learner.fill("input[name=title][id^=ftitle]", "Presentation at the reception")
    learner.click("text=Upload")
    expect(learner.locator("section.card").first).to_contain_text("Presentation at the reception")
    expect(learner.locator("section.card").first).to_contain_text("image/jpeg")

    # --- the mentor observes and rates on the phone, with the level descriptors in view
    mentor.goto(mobility_url.replace("/mobilities/", "/mobilities/") + "/assessment")
    mentor.locator("details:has-text('Add an observation note') summary").click()
    mentor.fill("textarea[id^=note-]", "Prepared the slides alone and presented them to two guest groups.")
    mentor.click("text=Save the note")
    mentor.select_option("select[id^=level-]", "4")
    mentor.fill("textarea[id^=justification-]", "too short")
    # the browser itself refuses it (minlength); without that check, the server says what to fix
    mentor.evaluate("document.querySelector('textarea[id^=justification-]').removeAttribute('minlength')")
    mentor.click("text=Save the rating")
    expect(mentor.locator(".alert")).to_contain_text("at least 10 characters")
    expect(mentor.locator("textarea[id^=justification-]")).to_have_value("too short")  # kept what was typed
    mentor.fill("textarea[id^=justification-]", "Works independently and explains the slides to guests")
    mentor.click("text=Save the rating")
    expect(mentor.locator("section.card").first).to_contain_text("Lucía García: 4")
    assert mentor.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        "no sideways scrolling on a phone"
    )
    shot(mentor, "03-assessment-mentor-phone-en")

    # --- the validator validates and issues the certificate
    validator = login(browser, server, "peteris.ozols@example.lv", "lv")
    validator.goto(mobility_url + "/assessment")
    validator.click("text=Apstiprināt rezultātu")
    expect(validator.locator(".done")).to_contain_text("Apstiprināts")
    validator.goto(mobility_url)
    validator.click("text=Izsniegt parakstītu apliecinājumu")
    expect(validator.locator("#certificate")).to_be_visible()
    certificate_id = validator.locator("text=Apliecinājuma numurs").inner_text().split(": ")[-1].strip()
    assert certificate_id.startswith("DC-")
    shot(validator, "04-certificate-issued-lv")

    # --- the learner downloads the signed PDF; anyone verifies it, by upload and by the QR link
    learner.goto(mobility_url)
    with learner.expect_download() as download_info:
        learner.click("text=Download the certificate (PDF)")
    pdf_path = download_info.value.path()
    assert pdf_path is not None
    assert Path(pdf_path).read_bytes().startswith(b"%PDF")
    public = browser.new_context().new_page()
    public.goto(f"{server}/lang/lv?next=/verify")
    public.set_input_files("#f-file", str(pdf_path))
    public.click("form[action='/verify'] button")
    expect(public.locator("#verdict")).to_have_text("Derīgs")
    expect(public.locator("section.card")).to_contain_text("Anna Liepiņa")
    shot(public, "05-verified-lv")
    public.goto(f"{server}/lang/en?next=/verify/{certificate_id}")
    expect(public.locator("#verdict")).to_have_text("Valid")
    changed = bytearray(Path(pdf_path).read_bytes())
    changed[len(changed) // 2] ^= 0x01
    public.goto(f"{server}/verify")
    public.set_input_files(
        "#f-file", {"name": "statement.pdf", "mimeType": "application/pdf", "buffer": bytes(changed)}
    )
    public.click("form[action='/verify'] button")
    expect(public.locator("#verdict")).to_have_text("Changed or damaged")


def test_the_coordinator_dashboard_shows_the_group_chart(browser: Browser, server: str) -> None:
    coordinator = login(browser, server, "ilze.kalnina@example.lv", "en")
    expect(coordinator.locator("h2", has_text="Target and achieved levels per competence")).to_be_visible()
    shot(coordinator, "06-dashboard-en")
    assert labelled_inputs_only(coordinator)


def test_pages_refuse_what_a_role_may_not_do(browser: Browser, server: str) -> None:
    learner = login(browser, server, "janis.berzins@example.lv", "en")
    learner.goto(f"{server}/mobilities/new")
    expect(learner.locator("h1")).to_have_text("You cannot do this.")
    anonymous = browser.new_context().new_page()
    anonymous.goto(f"{server}/mobilities")
    expect(anonymous).to_have_url(f"{server}/login?next=/mobilities")
