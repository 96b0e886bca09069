"""Every participant in their own language: the host mentor's link, the public verification page and the documents
in the host's language, in a real server and headless Chromium where a browser decides (its Accept-Language)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from fastapi.testclient import TestClient
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pypdf import PdfReader
from sqlalchemy import select

from digcomp import demo
from digcomp.access import service as access
from digcomp.api.app import create_app
from digcomp.credentials import issuing
from digcomp.errors import Invalid
from digcomp.framework import catalog
from digcomp.i18n import Localizer, choose, native_name
from digcomp.settings import Settings
from digcomp.store.db import Database
from digcomp.store.models import Mobility, Person, Role
from tests.servers import serving


@dataclass(frozen=True)
class Placement:
    folder: Path
    mentor_link_path: str  # /m/… for the demo's draft plan, whose mentor has no language recorded
    certificate_id: str


def _placement(folder: Path) -> Placement:
    """The demo school: a draft plan (Latvian, English and Spanish texts) whose mentor's language is not recorded,
    with a mentor link; the validated placement's statement issued in Latvian and English."""
    settings = Settings(data_dir=folder)
    database = Database(settings.effective_database_url)
    database.migrate()
    cat = catalog()
    with database.session() as session:
        draft = demo.seed(session, cat)
        validated = demo.certificate_demo(session, cat, settings)
        validator = demo.actor_for(session, Role.validator)
        certificate, _ = issuing.issue(session, cat, settings, validator, validated, ["lv", "en"])
        draft.mentor.language = None  # nothing recorded: the browser decides
        coordinator = demo.actor_for(session, Role.coordinator)
        link = access.create_mentor_link(
            session, settings, coordinator, draft, access.MentorLinkCreate(email_to_mentor=False), "http://x"
        )
        placement = Placement(folder, link.url.removeprefix("http://x"), certificate.id)
    database.dispose()
    return placement


@pytest.fixture(scope="module")
def placement(tmp_path_factory: pytest.TempPathFactory) -> Placement:
    return _placement(tmp_path_factory.mktemp("host-languages"))


# --- the language a page is shown in ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "recorded", "browser", "expected"),
    [
        (None, None, "it-IT,it;q=0.9,en;q=0.5", "it"),
        (None, None, "fi-FI,fi;q=0.9", "en"),  # a language we lack: English, never Latvian
        (None, None, "lv-LV", "lv"),
        (None, "es", "it-IT", "es"),  # the language recorded for the mentor comes before her browser's
        ("de", "es", "it-IT", "de"),  # and her own choice before both
        ("xx", None, "pl-PL", "pl"),  # a cookie naming no language of ours is ignored
    ],
)
def test_the_page_language_is_the_choice_then_the_person_then_the_browser(
    chosen: str | None, recorded: str | None, browser: str, expected: str
) -> None:
    assert choose(chosen, recorded, browser) == expected


def test_the_school_staff_see_latvian_or_english_whatever_the_browser(placement: Placement) -> None:
    settings = Settings(data_dir=placement.folder, public_url="http://testserver")
    database = Database(settings.effective_database_url)
    with TestClient(create_app(settings=settings, database=database), headers={"origin": "http://testserver"}) as c:
        login = {"email": demo.DEMO_LOGINS[Role.coordinator], "password": demo.DEMO_PASSWORD}
        assert c.post("/login", data=login, follow_redirects=False).status_code == 303
        page = c.get("/mobilities", headers={"Accept-Language": "it-IT"}).text
        assert '<html lang="en">' in page
        assert 'hreflang="it"' not in page  # the language menu offers Latvian and English only
        c.cookies.clear()
        public = c.get("/verify", headers={"Accept-Language": "it-IT"}).text
        assert '<html lang="it">' in public
        assert all(f'hreflang="{code}"' in public for code in ("lv", "en", "it", "es", "de", "fr", "pt", "pl"))
        assert f">{native_name('pl')}<" in public  # each language in its own name: "Polski"
    database.dispose()


def test_the_coordinator_s_e_mail_to_the_mentor_is_in_the_mentor_s_language(tmp_path: Path) -> None:
    placement = _placement(tmp_path)
    settings = Settings(data_dir=placement.folder, public_url="http://testserver")
    database = Database(settings.effective_database_url)
    with database.session() as session:
        session.scalars(select(Person).where(Person.email == demo.DEMO_LOGINS[Role.mentor])).one().language = "it"
        draft_id = session.scalars(select(Mobility.id).order_by(Mobility.id)).first()
    with TestClient(create_app(settings=settings, database=database), headers={"origin": "http://testserver"}) as c:
        login = {"email": demo.DEMO_LOGINS[Role.coordinator], "password": demo.DEMO_PASSWORD}
        c.post("/login", data=login, follow_redirects=False)
        page = c.get(f"/mobilities/{draft_id}", headers={"Accept-Language": "lv"}).text
    assert '<html lang="lv">' in page  # the coordinator's page in her language, the e-mail in the mentor's
    assert "mailto:lucia.garcia%40example.es?subject=Valutazione%20del%20tirocinio" in page
    database.dispose()


# --- documents in the host's language ----------------------------------------------------------------------------


def test_the_demo_writes_a_latvian_and_spanish_statement_and_agreement(tmp_path: Path) -> None:
    """`digcomp demo --languages lv+es`: Spanish labels, both languages in the PDF's metadata, signatures intact."""
    out = tmp_path / "out"
    env = {**os.environ, "DIGCOMP_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    env.pop("DIGCOMP_DATABASE_URL", None)
    command = [sys.executable, "-m", "digcomp", "demo", "--out", str(out), "--languages", "lv+es"]
    subprocess.run(command, env=env, check=True, capture_output=True, timeout=600)
    statement = next(out.glob("DC-*.pdf"))
    agreement = next(out.glob("learning-agreement-*.pdf"))
    for pdf, spanish in (
        (statement, ["Competencias digitales adquiridas", "Nivel alcanzado", "Prepara de forma autónoma"]),
        (agreement, ["Acuerdo de aprendizaje", "Criterios de evaluación", "Ningún dato personal sale"]),
    ):
        text = " ".join(" ".join((page.extract_text() or "").split()) for page in PdfReader(pdf).pages)
        for words in spanish:
            assert words in text, (pdf.name, words)
        assert "competencia" in text
        with pikepdf.open(pdf) as document:
            assert str(document.Root.Lang) == "lv"
            with document.open_metadata() as xmp:
                assert set(xmp["dc:language"]) == {"lv", "es"}
        assert _signature_intact(pdf)


def _signature_intact(pdf: Path) -> bool:
    """pyHanko's own check of the signature (in a thread: it runs an event loop, and the browser's may be running)."""

    def check() -> bool:
        with pdf.open("rb") as stream:
            status = validate_pdf_signature(PdfFileReader(stream).embedded_signatures[0])
            return bool(status.intact and status.valid)

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(check).result()


def test_a_host_language_the_plan_is_not_written_in_is_refused_with_the_reason(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    database = Database(settings.effective_database_url)
    database.migrate()
    cat = catalog()
    with database.session() as session:
        demo.seed(session, cat)
        validated = demo.certificate_demo(session, cat, settings)
        validator = demo.actor_for(session, Role.validator)
        with pytest.raises(Invalid) as refused:
            issuing.issue(session, cat, settings, validator, validated, ["lv", "it"])
        said = Localizer("en").error(refused.value)
        assert said.startswith("the plan is not written in Italian (outcome 1: its text; outcome 2: its text")
        certificate, _ = issuing.issue(session, cat, settings, validator, validated, ["lv", "es"])
        assert certificate.languages == "lv+es"
    database.dispose()


def test_a_school_corrects_a_label_without_a_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from digcomp.credentials.template import load_template
    from digcomp.mail import outbox
    from digcomp.settings import get_settings
    from digcomp.web import common

    folder = tmp_path / "labels"
    (folder / "web").mkdir(parents=True)
    (folder / "mail").mkdir()
    (folder / "certificates").mkdir()
    (folder / "web" / "it.yaml").write_text('verify_title: "Verificare un attestato"\n', encoding="utf-8")
    (folder / "mail" / "it.yaml").write_text('greeting: "Gentile {name},"\n', encoding="utf-8")
    (folder / "certificates" / "es.yaml").write_text('section_holder: "1. Persona titular"\n', encoding="utf-8")
    monkeypatch.setenv("DIGCOMP_LABELS_DIR", str(folder))
    caches = (get_settings, common.labels, outbox.labels, load_template)
    for cached in caches:
        cached.cache_clear()
    try:
        assert common.labels()["it"]["verify_title"] == "Verificare un attestato"
        assert common.labels()["it"]["verify_button"] == "Verifica"  # the rest as shipped
        assert outbox.labels("it")["greeting"] == "Gentile {name},"
        assert load_template().label("section_holder", "es") == "1. Persona titular"
        (folder / "web" / "it.yaml").write_text('verify_titel: "Verificare"\n', encoding="utf-8")
        common.labels.cache_clear()
        with pytest.raises(ValueError, match="verify_titel"):
            common.labels()
    finally:
        monkeypatch.delenv("DIGCOMP_LABELS_DIR")
        for cached in caches:
            cached.cache_clear()


# --- in the browser ----------------------------------------------------------------------------------------------

playwright = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Browser, sync_playwright  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
NARROW_PHONES = (320, 360, 390)

# Consecutive letters of one word drawn on different lines: a label broken mid-word ("Certificat / e number").
MID_WORD_BREAKS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent;
    let previousTop = null;
    for (let i = 0; i < text.length; i++) {
      if (!/\\p{L}/u.test(text[i])) { previousTop = null; continue; }
      range.setStart(node, i); range.setEnd(node, i + 1);
      const box = range.getBoundingClientRect();
      if (box.width === 0) { previousTop = null; continue; }
      if (previousTop !== null && Math.abs(box.top - previousTop) > box.height / 2) {
        broken.push(text.trim().slice(0, 60));
        break;
      }
      previousTop = box.top;
    }
  }
  return broken;
}"""


@pytest.fixture(scope="module")
def server(placement: Placement) -> Iterator[str]:
    with serving({"DIGCOMP_DATA_DIR": str(placement.folder)}) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Browser]:
    """Started after the server (and its data: issuing signs with pyHanko, whose event loop must not run inside
    Playwright's)."""
    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("locale", "lang", "agree_button", "outcome"),
    [
        ("it-IT", "it", "Sono d'accordo con questo piano", "Independently prepares a presentation"),
        ("fi-FI", "en", "I agree with this plan", "Independently prepares a presentation"),
        ("lv-LV", "lv", "Piekrītu šim plānam", "Izglītojamais patstāvīgi sagatavo"),
        ("es-ES", "es", "Estoy de acuerdo con este plan", "Prepara de forma autónoma"),
    ],
)
def test_the_mentor_link_opens_in_the_browser_s_language(
    browser: Browser, server: str, placement: Placement, locale: str, lang: str, agree_button: str, outcome: str
) -> None:
    context = browser.new_context(locale=locale, viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{server}{placement.mentor_link_path}")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator(f'button:has-text("{agree_button}")').count() == 1
    first = page.locator(".outcome").first
    assert outcome in first.inner_text()
    if lang == "it":  # no Italian text: English, named as such, marked for the screen reader
        assert first.locator("span[lang=en]").count() >= 1
        assert "inglese" in first.inner_text()
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("locale", "lang", "valid"),
    [
        ("de-DE", "de", "Gültig"),
        ("es-ES", "es", "Válido"),
        ("fr-FR", "fr", "Valide"),
        ("pt-PT", "pt", "Válido"),
        ("pl-PL", "pl", "Ważne"),
        ("it-IT", "it", "Valido"),
    ],
)
def test_an_employer_verifies_in_her_language_on_a_narrow_phone(
    browser: Browser, server: str, placement: Placement, locale: str, lang: str, valid: str
) -> None:
    for width in NARROW_PHONES:
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 800}, is_mobile=True)
        page = context.new_page()
        page.goto(f"{server}/verify/{placement.certificate_id}")
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("#verdict").inner_text().strip() == valid
        assert page.evaluate(MID_WORD_BREAKS) == [], (lang, width)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (lang, width)
        context.close()
