"""After a learner is erased, every page and every API address of her mobilities still answers, for every role: no
server error anywhere, and the documents that carried her name answer 410 Gone with a message, never an empty 200."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from digcomp import demo
from digcomp.api.app import ROUTE_MODULES, create_app
from digcomp.store.models import Evidence, Mobility, Outcome, Plan, PlanVersion, Role
from digcomp.web import PAGE_MODULES
from tests.demo_site import issued_demo
from tests.journey import API

# What carried the learner's name: gone once she is erased.
DOCUMENTS = re.compile(r"(certificate\.pdf|credential\.json|edc\.json|edc\.jwt|agreement\.pdf|/file|/credential|/edc)$")
STAFF = (Role.coordinator, Role.validator, Role.admin)


def get_paths() -> list[str]:
    paths = [
        API + r.path for m in ROUTE_MODULES for r in m.router.routes if isinstance(r, APIRoute) and "GET" in r.methods
    ]
    return paths + [
        r.path for m in PAGE_MODULES for r in m.router.routes if isinstance(r, APIRoute) and "GET" in r.methods
    ]


@dataclass
class Erased:
    client: TestClient
    addresses: list[str]


@pytest.fixture(scope="module")
def erased(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Erased]:
    issued = issued_demo(tmp_path_factory.mktemp("erased"))
    settings, database = issued.settings, issued.database
    learner, school, host = issued.learner_id, issued.school_id, issued.host_id
    with database.session() as session:
        mobilities = list(session.scalars(select(Mobility.id).where(Mobility.learner_id == learner)))
        values = {
            "mobility_id": mobilities,
            "certificate_id": [issued.certificate_id],
            "evidence_id": list(session.scalars(select(Evidence.id).where(Evidence.mobility_id.in_(mobilities)))),
            "outcome_id": list(
                session.scalars(
                    select(Outcome.id)
                    .join(PlanVersion, PlanVersion.id == Outcome.version_id)
                    .join(Plan, Plan.id == PlanVersion.plan_id)
                    .where(Plan.mobility_id.in_(mobilities))
                )
            ),
            "number": [1],
            "template_id": [1],
            "organisation_id": [school, host],
            "person_id": [learner],
            "competence_id": ["3.1"],
            "framework_id": ["digcomp-2.2"],
            "format": ["csv", "xlsx"],
            "kind": ["csv", "xlsx"],
            "lang": ["en"],
            "token": ["not-a-token"],
            "secret": ["not-a-secret"],
        }
    with TestClient(create_app(settings=settings, database=database), raise_server_exceptions=False) as client:
        admin = _token(client, Role.admin)
        assert client.post(f"{API}/people/{learner}/erasure", headers=admin).status_code == 200
        yield Erased(client, [address for path in get_paths() for address in _fill(path, values)])
    database.dispose()


def _fill(path: str, values: dict[str, list[object]]) -> list[str]:
    names = re.findall(r"{(\w+)(?::\w+)?}", path)
    if not names:
        return [path]
    name = names[0]
    return [
        filled
        for value in values[name]
        for filled in _fill(re.sub(r"{" + name + r"(?::\w+)?}", str(value), path, count=1), values)
    ]


def _token(client: TestClient, role: Role) -> dict[str, str]:
    answer = client.post(f"{API}/auth/token", json={"email": demo.DEMO_LOGINS[role], "password": demo.DEMO_PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _as(client: TestClient, role: Role | None) -> dict[str, str]:
    """Headers for the API and a session cookie for the pages, as ``role`` (None: anyone)."""
    client.cookies.clear()
    if role is None:
        return {}
    login = {"email": demo.DEMO_LOGINS[role], "password": demo.DEMO_PASSWORD}
    assert (
        client.post("/login", data=login, headers={"origin": "http://testserver"}, follow_redirects=False).status_code
        == 303
    )
    return _token(client, role)


@pytest.mark.parametrize("role", [*STAFF, Role.mentor, None], ids=lambda r: r.value if r else "anyone")
def test_every_address_of_an_erased_learners_mobilities_answers_without_a_server_error(
    erased: Erased, role: Role | None
) -> None:
    headers = _as(erased.client, role)
    failures, empty_documents = [], []
    for address in erased.addresses:
        answer = erased.client.get(address, headers=headers, follow_redirects=False)
        if answer.status_code >= 500:
            failures.append(f"{answer.status_code} {address}")
        elif answer.status_code == 200 and DOCUMENTS.search(address):
            empty_documents.append(f"200 ({len(answer.content)} bytes) {address}")
    assert failures == []
    assert empty_documents == []  # gone (410), or not the caller's (403/404)


def test_the_erased_documents_say_they_are_gone_and_why(erased: Erased) -> None:
    headers = _as(erased.client, Role.coordinator)
    documents = [a for a in erased.addresses if DOCUMENTS.search(a) and a.startswith(API)]
    answers = {a: erased.client.get(a, headers=headers) for a in documents}
    gone = {a: r for a, r in answers.items() if r.status_code == 410}
    assert any(a.endswith("certificate.pdf") for a in gone)
    assert any(a.endswith("/file") for a in gone)
    assert any(a.endswith("agreement.pdf") for a in gone)
    for answer in gone.values():
        assert "erased at its holder's request" in answer.json()["detail"]
    # followed from a page, a browser gets a page in its reader's language
    erased.client.cookies.set("digcomp_lang", "lv")
    page = erased.client.get(next(a for a in gone if a.endswith("certificate.pdf")), headers={"accept": "text/html"})
    assert (page.status_code, page.headers["content-type"]) == (410, "text/html; charset=utf-8")
    assert "dzēsts pēc tā turētāja lūguma" in page.text
    assert '<html lang="lv">' in page.text


def test_the_verification_page_says_the_statement_exists_but_its_holders_data_was_erased(erased: Erased) -> None:
    _as(erased.client, None)
    certificate = next(a.rsplit("/", 1)[1] for a in erased.addresses if a.startswith("/verify/"))
    page = erased.client.get(f"/verify/{certificate}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "erased at their request" in page.text
    answer = erased.client.get(f"{API}/certificates/{certificate}/verification").json()
    assert any("erased at their request" in reason for reason in answer["reasons"])


def test_the_sweep_reaches_every_kind_of_address() -> None:
    paths = get_paths()
    assert len(paths) > 60
    assert {"/mobilities/{mobility_id}/assessment", f"{API}/mobilities/{{mobility_id}}/certificate.pdf"} <= set(paths)
