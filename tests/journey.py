"""API steps shared by tests: a school with logins, a host company, people and a mobility."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from fastapi.testclient import TestClient

from digcomp import demo
from digcomp.access import service as access
from digcomp.store.db import Database

API = "/api/v1"
PASSWORD = "test-password-123"

# A placement under way (its mentor link works): 13 weeks, Monday to Friday, begun eight weeks before today.
START, END = demo.placement_dates(dt.date.today() - dt.timedelta(weeks=8))


@contextmanager
def before_the_placement(client: TestClient, m: Mobility) -> Iterator[None]:
    """The placement moved a month ahead for the block, then back: the self-assessment "before" closes when it
    starts."""
    ahead = dt.date.today() + dt.timedelta(days=30)
    later = {"start_date": ahead.isoformat(), "end_date": (ahead + (END - START)).isoformat()}
    ok(client.patch(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"], json=later))
    yield
    back = {"start_date": START.isoformat(), "end_date": END.isoformat()}
    ok(client.patch(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"], json=back))


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def login(client: TestClient, email: str) -> dict[str, str]:
    token = ok(client.post(f"{API}/auth/token", json={"email": email, "password": PASSWORD}))["access_token"]
    return {"Authorization": f"Bearer {token}"}


def web_login(client: TestClient, email: str, language: str = "en") -> None:
    """Log in to the web pages (the session cookie stays on ``client``), reading them in ``language``."""
    client.cookies.clear()
    client.cookies.set("digcomp_lang", language)
    response = client.post("/login", data={"email": email, "password": PASSWORD}, follow_redirects=False)
    assert response.status_code == 303, response.text


@dataclass
class School:
    id: int
    name: str
    admin: dict[str, str]
    admin_email: str = ""


def register_school(client: TestClient, database: Database, name: str = "Rīgas Tehniskā koledža") -> School:
    slug = abs(hash(name)) % 10**8
    email = f"admin{slug}@school.example.lv"
    with database.session() as session:
        created = access.create_school(session, name, "LV", "Anna", "Admine", email, PASSWORD)
    return School(created.organisation_id, name, login(client, email), email)


@dataclass
class Mobility:
    id: int
    school: int
    host: int
    learner: int
    coordinator: int
    mentor: int
    validator: int
    as_: dict[str, dict[str, str]] = field(default_factory=dict)  # role -> auth headers


def create_mobility(client: TestClient, database: Database, school_name: str = "Rīgas Tehniskā koledža") -> Mobility:
    school = register_school(client, database, school_name)
    admin = school.admin
    host = ok(
        client.post(
            f"{API}/organisations",
            headers=admin,
            json={"name": "Hotel Aurora", "kind": "company", "country": "ES", "address": "Calle Mayor 5, Valencia"},
        ),
        201,
    )["id"]

    def person(org: int, given: str, family: str, role: str) -> tuple[int, dict[str, str]]:
        email = f"{given.lower()}.{role}{school.id}@example.org"
        body = {"organisation_id": org, "given_name": given, "family_name": family, "role": role, "email": email}
        ident = int(ok(client.post(f"{API}/people", headers=admin, json=body), 201)["id"])
        ok(client.post(f"{API}/people/{ident}/account", headers=admin, json={"password": PASSWORD}), 201)
        return ident, login(client, email)

    learner, as_learner = person(school.id, "Jānis", "Bērziņš", "learner")
    coordinator, as_coordinator = person(school.id, "Ilze", "Kalniņa", "coordinator")
    validator, as_validator = person(school.id, "Pēteris", "Ozols", "validator")
    mentor, as_mentor = person(host, "Lucía", "García", "mentor")
    mobility = ok(
        client.post(
            f"{API}/mobilities",
            headers=as_coordinator,
            json={
                "learner_id": learner,
                "sending_organisation_id": school.id,
                "host_organisation_id": host,
                "coordinator_id": coordinator,
                "mentor_id": mentor,
                "start_date": START.isoformat(),
                "end_date": END.isoformat(),
                "programme": "Erasmus+",
                "project_reference": "2026-1-LV01-KA121-VET-000123456",
                "working_language": "en",
                "qualification": {"lv": "Viesmīlības pakalpojumu speciālists", "en": "Hospitality services specialist"},
                "tasks": {"en": "Reception work, guest communication, social media of the hotel"},
            },
        ),
        201,
    )
    roles = {
        "admin": admin,
        "learner": as_learner,
        "coordinator": as_coordinator,
        "validator": as_validator,
        "mentor": as_mentor,
    }
    return Mobility(mobility["id"], school.id, host, learner, coordinator, mentor, validator, roles)


OUTCOMES = [
    ("Izglītojamais patstāvīgi sagatavo viesnīcas pakalpojumu prezentāciju viesiem", "lv"),
    ("Handles guests' personal data in the booking system in line with GDPR", "en"),
    ("Answers guest questions by e-mail and chat politely and clearly", "en"),
]
ENGLISH = {  # what the mentor reads: every outcome has an English text
    OUTCOMES[0][0]: "Independently prepares a presentation of the hotel's services for guests",
}


def add_outcome(client: TestClient, m: Mobility, version: int, text: str, competence: str, level: int = 3) -> Any:
    return client.post(
        f"{API}/mobilities/{m.id}/plan/versions/{version}/outcomes",
        headers=m.as_["coordinator"],
        json={
            "text": {"en": text},
            "criteria": {"en": "The mentor checks it at work"},
            "methods": ["observation"],
            "competences": [{"competence": competence, "target_level": level}],
        },
    )


def confirm_all(client: TestClient, m: Mobility, version: int) -> Any:
    result = None
    for role in ("coordinator", "mentor", "learner"):
        result = ok(client.post(f"{API}/mobilities/{m.id}/plan/versions/{version}/confirmations", headers=m.as_[role]))
    return result


def agreed_plan(client: TestClient, m: Mobility) -> dict[str, Any]:
    """Write the three outcomes from suggestions and get the plan agreed by all three parties."""
    base = f"{API}/mobilities/{m.id}/plan"
    as_coordinator = m.as_["coordinator"]
    ok(client.post(f"{base}/versions", headers=as_coordinator, json={}), 201)
    for text, language in OUTCOMES:
        [best] = ok(client.post(f"{API}/suggestions", headers=as_coordinator, json={"text": text, "top": 1}))
        ok(
            client.post(
                f"{base}/versions/1/outcomes",
                headers=as_coordinator,
                json={
                    "text": {language: text, "en": ENGLISH.get(text, text)},
                    "competences": [
                        {
                            "framework": best["framework"],
                            "competence": best["competence"],
                            "target_level": best["level"],
                        }
                    ],
                    "criteria": {"en": "Observed by the mentor during daily work; meets the hotel's standard"},
                    "methods": ["observation", "product"],
                },
            ),
            201,
        )
    return confirm_all(client, m, 1)  # type: ignore[no-any-return]


def validated_mobility(client: TestClient, database: Database, school_name: str = "Rīgas Tehniskā koledža") -> Mobility:
    """A mobility taken through plan, identification, evidence, assessment and validation via the API."""
    m = create_mobility(client, database, school_name)
    agreed_plan(client, m)
    assess_and_validate(client, m)
    return m


def validated_mobilities(
    client: TestClient, database: Database, count: int, school_name: str = "Rīgas Tehniskā koledža"
) -> list[Mobility]:
    """``count`` validated mobilities of one school: one learner each, the same host, mentor and staff."""
    first = validated_mobility(client, database, school_name)
    others = []
    for number, mobility_id in enumerate(more_mobilities(client, first, count - 1), start=1):
        learner_login = login(client, f"learner{number}.{first.school}@example.org")
        learner = ok(client.get(f"{API}/mobilities/{mobility_id}", headers=first.as_["coordinator"]))["learner"]["id"]
        other = replace(first, id=mobility_id, learner=learner, as_={**first.as_, "learner": learner_login})
        agreed_plan(client, other)
        assess_and_validate(client, other)
        others.append(other)
    return [first, *others]


def more_mobilities(client: TestClient, m: Mobility, count: int, group_name: str = "") -> list[int]:
    """``count`` more mobilities of ``m``'s school at the same host with the same mentor, each for a new learner with
    a login (``learner<n>.<school>@example.org``): a class, as an import makes it."""
    ids = []
    for number in range(1, count + 1):
        email = f"learner{number}.{m.school}@example.org"
        body = {
            "organisation_id": m.school,
            "given_name": f"Anna {number}",
            "family_name": "Liepiņa",
            "role": "learner",
        }
        learner = ok(client.post(f"{API}/people", headers=m.as_["admin"], json={**body, "email": email}), 201)["id"]
        ok(client.post(f"{API}/people/{learner}/account", headers=m.as_["admin"], json={"password": PASSWORD}), 201)
        ids.append(mobility_for_learner(client, m, learner, group_name))
    return ids


def mobility_for_learner(client: TestClient, m: Mobility, learner: int, group_name: str = "") -> int:
    """Another mobility of ``m``'s school, host, mentor and dates, for ``learner``."""
    mobility = {
        "learner_id": learner,
        "sending_organisation_id": m.school,
        "host_organisation_id": m.host,
        "coordinator_id": m.coordinator,
        "mentor_id": m.mentor,
        "start_date": START.isoformat(),
        "end_date": END.isoformat(),
        "working_language": "en",
        "group_name": group_name,
    }
    return int(ok(client.post(f"{API}/mobilities", headers=m.as_["coordinator"], json=mobility), 201)["id"])


def validator_email(m: Mobility) -> str:
    return f"pēteris.validator{m.school}@example.org"


def assess_and_validate(client: TestClient, m: Mobility) -> None:
    """The learner identifies each agreed outcome, the mentor documents and rates it (level 4), the validator
    validates."""
    base = f"{API}/mobilities/{m.id}/assessment"
    view = ok(client.get(base, headers=m.as_["coordinator"]))
    for outcome in view["outcomes"]:
        ok(
            client.put(
                f"{base}/outcomes/{outcome['outcome_id']}/identification",
                headers=m.as_["learner"],
                json={"worked_on": True},
            )
        )
        ok(
            client.post(
                f"{base}/outcomes/{outcome['outcome_id']}/notes",
                headers=m.as_["mentor"],
                json={"title": "Observation", "text": "Did this well and on time."},
            ),
            201,
        )
        ok(
            client.put(
                f"{base}/targets/{outcome['competences'][0]['target_id']}/rating",
                headers=m.as_["mentor"],
                json={"level": 4, "justification": "Meets the agreed criteria at level 4"},
            )
        )
    ok(client.post(f"{base}/validation", headers=m.as_["validator"], json={}), 201)
