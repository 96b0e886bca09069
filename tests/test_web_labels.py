"""Every visible string comes from the label files, in the page's language.

The app runs with pseudo-labels: every label, catalogue message, date, country and language name is shown between
⟦ ⟧ marks. Every page of every role is rendered in Latvian and in English; after the marked pieces and the data
people typed (names, outcomes, notes …) and the framework's own texts are taken away, nothing with a letter in it
may remain: such text would reach a Latvian reader in English (or the other way round).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from digcomp import demo
from digcomp.access import service as access
from digcomp.api.app import create_app
from digcomp.assessment import evidence, records, stages
from digcomp.assessment.evidence_store import EvidenceStore
from digcomp.credentials import issuing
from digcomp.framework import Catalog, catalog
from digcomp.i18n import HOST_LANGUAGES, MARK_CLOSE, MARK_OPEN, UI_LANGUAGES, negotiate
from digcomp.mobility import importer
from digcomp.mobility import service as registry
from digcomp.mobility.schemas import MobilityCreate
from digcomp.plans import service as plans
from digcomp.settings import Settings
from digcomp.store.db import Database
from digcomp.store.models import Base, EvidenceKind, Mobility, Outcome, Role, SelfAssessmentPhase

VISIBLE_ATTRIBUTES = ("placeholder", "title", "alt", "aria-label")
HIDDEN_ELEMENTS = frozenset({"script", "style", "template", "head"})
MARKED = re.compile(re.escape(MARK_OPEN) + ".*?" + re.escape(MARK_CLOSE), re.S)


class VisibleText(HTMLParser):
    """The text a reader sees: text nodes outside script/style/template, buttons' values and a few attributes.
    A ``<code translate="no">`` holds a record's identifier as stored (``plan.confirmed``), not words to translate."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.pieces: list[str] = []
        self.codes: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN_ELEMENTS:
            self.hidden += 1
        values = dict(attrs)
        if tag == "code":
            self.codes.append(values.get("translate") == "no")
            self.hidden += self.codes[-1]
        for name in VISIBLE_ATTRIBUTES:
            if values.get(name):
                self.pieces.append(str(values[name]))
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.pieces.append(str(values["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN_ELEMENTS:
            self.hidden -= 1
        if tag == "code" and self.codes:
            self.hidden -= self.codes.pop()

    def handle_data(self, data: str) -> None:
        if not self.hidden and data.strip():
            self.pieces.append(data)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _data_strings(database: Database) -> set[str]:
    """What people typed and the framework's texts: shown as they are, in whatever language they were written."""
    found: set[str] = set()
    with database.session() as session:
        for table in Base.metadata.sorted_tables:
            if table.name == "audit_log":
                continue
            for row in session.execute(select(table)).mappings():
                for value in row.values():
                    found.update(_strings(value))
    for framework in catalog().frameworks.values():
        found.update(_strings(framework.model_dump()))
    # Short values (language and country codes, "1") would erase parts of real words and hide leaks.
    return {s.strip() for s in found if len(s.strip()) >= 4 and not s.startswith(("$argon2", "sha256$"))}


def leaks(html: str, data: list[str]) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    found = []
    for piece in parser.pieces:
        rest = MARKED.sub(" ", piece)
        for value in data:
            if value in rest:
                rest = rest.replace(value, " ")
        if re.search(r"[^\W\d_]", rest):
            found.append(rest.strip())
    return found


@dataclass
class Site:
    client: TestClient
    database: Database
    draft_id: int
    validated_id: int
    assessing_id: int
    outcome_id: int
    certificate_id: str
    mentor_link: str
    data: list[str]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("labels")
    settings = Settings(data_dir=folder / "data", public_url="http://testserver", pseudo_labels=True)
    database = Database(f"sqlite:///{folder / 'digcomp.sqlite3'}")
    database.migrate()
    cat = catalog()
    with database.session() as session:
        draft = demo.seed(session, cat)
        validated = demo.certificate_demo(session, cat, settings)
        validator = demo.actor_for(session, Role.validator)
        certificate, _ = issuing.issue(session, cat, settings, validator, validated, ["lv", "en"])
        coordinator = demo.actor_for(session, Role.coordinator)
        link = access.create_mentor_link(
            session, settings, coordinator, draft, access.MentorLinkCreate(), "http://testserver"
        )
        outcome = session.scalars(select(Outcome).order_by(Outcome.id)).first()
        assert outcome is not None
        in_assessment = _in_assessment(session, cat, settings, draft)
        ids = (draft.id, validated.id, in_assessment.id, outcome.id, certificate.id)
    # what visitors typed (into the address bar, forms, the CSV file's header) comes back to them as they typed it
    typed = {"DC-0000-UNKNOWN", "Izglītojamais patstāvīgi sagatavo prezentāciju", "Qz", "Qy"}
    typed |= set(importer.REQUIRED_COLUMNS) | set(importer.OPTIONAL_COLUMNS)
    data = sorted(_data_strings(database) | typed, key=len, reverse=True)  # longest first
    with TestClient(
        create_app(settings=settings, database=database), headers={"origin": "http://testserver"}
    ) as client:
        yield Site(client, database, *ids, link.url.removeprefix("http://testserver"), data)
    database.dispose()


def _in_assessment(session: Session, cat: Catalog, settings: Settings, like: Mobility) -> Mobility:
    """A third mobility with an agreed plan, identified and documented, one rating given: every form is open."""
    coordinator, mentor = demo.actor_for(session, Role.coordinator), demo.actor_for(session, Role.mentor)
    learner = demo.actor_for(session, Role.learner)
    data = MobilityCreate(
        learner_id=like.learner_id,
        sending_organisation_id=like.sending_organisation_id,
        host_organisation_id=like.host_organisation_id,
        mentor_id=like.mentor_id,
        start_date=dt.date(2026, 9, 1),
        end_date=dt.date(2026, 11, 30),
        qualification=dict(like.qualification),
        tasks=dict(like.tasks),
    )
    mobility = registry.create_mobility(session, coordinator, data)
    version = plans.create_version(session, coordinator, mobility)
    for outcome in demo.DEMO_OUTCOMES:
        plans.add_outcome(session, coordinator, cat, mobility, version, demo.demo_outcome(*outcome))
    for party in (coordinator, mentor, learner):
        plans.confirm(session, party, mobility, version)
    record = records.load(session, mobility)
    for agreed in record.version.outcomes:
        stages.identify(session, learner, record, agreed.id, True, "")
    record = records.load(session, mobility)
    first = record.version.outcomes[0]
    store = EvidenceStore(settings.data_dir / "evidence")
    for author in (mentor, coordinator):
        evidence.add_evidence(
            session,
            cat,
            store,
            author,
            evidence.addition_in(record, first.id),
            title="Observation",
            kind=EvidenceKind.note,
            text="Done well",
        )
    record = records.load(session, mobility)
    stages.rate(session, cat, mentor, record, first.competences[0].id, 3, "Meets the criteria at level 3")
    first_day = mobility.start_date
    stages.self_assess(
        session, cat, learner, record, first.competences[0].id, SelfAssessmentPhase.before, 2, "", today=first_day
    )
    return mobility


def _pages(site: Site) -> list[str]:
    draft, validated = f"/mobilities/{site.draft_id}", f"/mobilities/{site.validated_id}"
    assessing = f"/mobilities/{site.assessing_id}"
    return [
        assessing,
        f"{assessing}/assessment",
        "/mobilities",
        "/mobilities?group=RDPT-2026-ES",
        "/mobilities/new",
        "/import",
        draft,
        f"{draft}/edit",
        f"{draft}/plan/outcomes/new",
        f"{draft}/plan/outcomes/{site.outcome_id}/edit",
        f"{draft}/assessment",
        validated,
        f"{validated}/assessment",
        f"{validated}/recognition",
        f"{assessing}/recognition",
        "/mobilities/999999",
        "/verify",
        f"/verify/{site.certificate_id}",
        "/framework",
        "/framework/3.1",
        "/framework/2.1?framework=digcomp-3.0",
        "/verify/DC-0000-UNKNOWN",
        "/mobilities?show=missing&sort=learner&descending=true",
        "/school",
        "/school/audit?verify=true",
        "/privacy",
        "/password-reset",
        "/password/not-a-real-link",
    ]


def _as(site: Site, role: str | None, language: str) -> TestClient:
    client = site.client
    client.cookies.clear()
    client.cookies.set("digcomp_lang", language)
    if role == "link":
        client.get(site.mentor_link, follow_redirects=False)
    elif role is not None:
        email = demo.DEMO_LOGINS[Role(role)]
        response = client.post("/login", data={"email": email, "password": demo.DEMO_PASSWORD}, follow_redirects=False)
        assert response.status_code == 303, response.text
    return client


ROLES = ["admin", "coordinator", "validator", "learner", "mentor", "link", None]
ABROAD = ["mentor", "link", "learner", None]  # a host mentor (logged in or by link), the learner abroad, an employer
PAGES_IN = [(role, language) for language in UI_LANGUAGES for role in ROLES] + [
    (role, language) for language in HOST_LANGUAGES for role in ABROAD
]


@pytest.mark.parametrize(("role", "language"), PAGES_IN)
def test_every_page_of_every_role_speaks_the_page_language(site: Site, role: str | None, language: str) -> None:
    """Latvian and English on every page of every role; each host's language on every page a mentor and a visitor
    see — a label the language's file lacks would show in English and fail here."""
    client = _as(site, role, language)
    problems = {}
    for path in ["/login", *_pages(site)]:
        response = client.get(path)
        assert response.status_code < 500, f"{path}: {response.status_code}"
        assert f'<html lang="{language}">' in response.text, path
        if found := leaks(response.text, site.data):
            problems[f"{path} ({response.status_code})"] = found
    assert not problems, f"text not from the label files ({role}, {language}): {problems}"


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_refusals_and_form_errors_speak_the_page_language(site: Site, language: str) -> None:
    client = _as(site, "coordinator", language)
    draft = f"/mobilities/{site.draft_id}"
    answers = {
        "new mobility with wrong dates": client.post(
            "/mobilities/new",
            data={
                "learner_given_name": "",
                "learner_family_name": "Liepiņa",
                "start_date": "2026-06-01",
                "end_date": "2026-05-01",
                "host_id": "new",
                "host_name": "",
                "host_country": "",
            },
        ),
        "outcome without competence": client.post(
            f"{draft}/plan/outcomes/new", data={"text_lv": "Qz", "criteria_en": "Qy", "action": "save"}
        ),
        "suggestions": client.post(
            f"{draft}/plan/outcomes/new",
            data={"text_lv": "Izglītojamais patstāvīgi sagatavo prezentāciju", "action": "suggest"},
        ),
        "mobility correction with a bad date": client.post(f"{draft}/edit", data={"start_date": "someday"}),
        "short revocation reason": client.post(
            f"/mobilities/{site.validated_id}/certificate/revoke", data={"reason": "x"}
        ),
        "mentor link for too long": client.post(f"{draft}/mentor-link", data={"days": "9999"}),
        "import of a broken file": client.post(
            "/import", files={"file": ("group.csv", b"learner_given_name,start_date\nAnna,someday\n", "text/csv")}
        ),
    }
    _as(site, "validator", language)
    answers["validation with nothing assessed"] = client.post(f"{draft}/assessment/validate", data={})
    answers["wrong password"] = _as(site, None, language).post("/login", data={"email": "x@y.lv", "password": "n"})
    answers["verify a file that is not a PDF"] = client.post(
        "/verify", files={"file": ("x.pdf", b"hello", "application/pdf")}
    )
    browser = {"Accept": "text/html,application/xhtml+xml"}
    answers["a mistyped address"] = client.get(f"{draft}x/assessment", headers=browser)
    answers["a page that does not exist"] = client.get("/no-such-page", headers=browser)
    problems = {}
    for what, response in answers.items():
        assert 400 <= response.status_code < 500 or what == "suggestions", f"{what}: {response.status_code}"
        assert MARK_OPEN in response.text
        if found := leaks(response.text, site.data):
            problems[what] = found
    assert not problems, f"text not from the label files ({language}): {problems}"


def test_the_check_finds_text_that_did_not_come_from_a_label() -> None:
    html = f"<p>{MARK_OPEN}Saglabāts{MARK_CLOSE}</p><button>Save</button><p>Jānis Bērziņš — 12.03</p>"
    assert leaks(html, ["Jānis Bērziņš"]) == ["Save"]


def test_label_files_are_complete() -> None:
    from digcomp.web.common import labels

    loaded = labels()
    assert set(loaded["lv"]) == set(loaded["en"])
    first, *others = HOST_LANGUAGES
    for language in others:  # the host languages label the same pages
        assert set(loaded[language]) == set(loaded[first]), language
    assert all(isinstance(v, str) and v.strip() for table in loaded.values() for v in table.values())


def test_a_mistyped_address_is_a_page_for_a_browser_and_json_for_a_program(site: Site) -> None:
    client = _as(site, "coordinator", "en")
    browser = {"Accept": "text/html,application/xhtml+xml"}
    page = client.get(f"/mobilities/{site.draft_id}x", headers=browser)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    followed = client.get(f"/api/v1/mobilities/{site.draft_id}x", headers=browser)  # a browser never gets JSON
    assert (followed.status_code, followed.headers["content-type"]) == (404, "text/html; charset=utf-8")
    program = client.get(f"/api/v1/mobilities/{site.draft_id}x", headers={"Accept": "application/json"})
    assert program.status_code == 404  # a mobility's number is a number: "5x" is no address of the API
    assert program.json()["request_id"]
    assert client.get("/no-such-page").json()["detail"] == "Not Found"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("it-IT,it;q=0.9,en;q=0.5", "it"),  # an Italian mentor
        ("fi-FI", "en"),  # a language we lack: English
        ("fi-FI,fi;q=0.9,pt;q=0.4", "pt"),
        ("de-DE", "de"),
        ("es-ES", "es"),
        ("fr-FR", "fr"),
        ("pt-PT", "pt"),
        ("pl-PL", "pl"),
        ("lv-LV,lv;q=0.9,en;q=0.8", "lv"),
        ("de;q=0.8, lv;q=0.9", "lv"),  # by quality, not by order
        ("pt-BR", "pt"),
        ("lv;q=0.1, en;q=0.5", "en"),
        ("", "en"),  # a program that says nothing
    ],
)
def test_the_page_language_follows_the_browser_and_defaults_to_english(site: Site, accept: str, expected: str) -> None:
    assert negotiate(accept) == expected
    site.client.cookies.clear()
    page = site.client.get("/verify", headers={"Accept-Language": accept})
    assert f'<html lang="{expected}">' in page.text
    assert (
        f'<a href="/lang/{expected}?next=/verify" lang="{expected}" hreflang="{expected}" aria-current="true">'
        in page.text
    )
    site.client.cookies.set("digcomp_lang", "lv")  # an explicit choice wins
    assert '<html lang="lv">' in site.client.get("/verify", headers={"Accept-Language": accept}).text
    site.client.cookies.clear()
