"""API steps shared by tests: a school, a host company, their people and a mobility."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

API = "/api/v1"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


@dataclass
class Mobility:
    id: int
    school: int
    host: int
    learner: int
    coordinator: int
    mentor: int
    validator: int


def create_mobility(client: TestClient, school_name: str = "Rīgas Tehniskā koledža") -> Mobility:
    school = ok(
        client.post(
            f"{API}/organisations",
            json={"name": school_name, "kind": "school", "country": "LV", "address": "Kr. Barona iela 1, Rīga"},
        ),
        201,
    )["id"]
    host = ok(
        client.post(
            f"{API}/organisations",
            json={"name": "Hotel Aurora", "kind": "company", "country": "ES", "address": "Calle Mayor 5, Valencia"},
        ),
        201,
    )["id"]

    def person(org: int, given: str, family: str, role: str, email: str) -> int:
        body = {"organisation_id": org, "given_name": given, "family_name": family, "role": role, "email": email}
        return int(ok(client.post(f"{API}/people", json=body), 201)["id"])

    learner = person(school, "Jānis", "Bērziņš", "learner", f"janis@{school}.example.lv")
    coordinator = person(school, "Ilze", "Kalniņa", "coordinator", f"ilze@{school}.example.lv")
    validator = person(school, "Pēteris", "Ozols", "validator", f"peteris@{school}.example.lv")
    mentor = person(host, "Lucía", "García", "mentor", f"lucia@{host}.example.es")
    mobility = ok(
        client.post(
            f"{API}/mobilities",
            json={
                "learner_id": learner,
                "sending_organisation_id": school,
                "host_organisation_id": host,
                "coordinator_id": coordinator,
                "mentor_id": mentor,
                "start_date": "2026-03-02",
                "end_date": "2026-05-29",
                "programme": "Erasmus+",
                "project_reference": "2026-1-LV01-KA121-VET-000123456",
                "working_language": "en",
                "qualification": "Viesmīlības pakalpojumu speciālists",
                "tasks": "Reception work, guest communication, social media of the hotel",
            },
        ),
        201,
    )
    return Mobility(mobility["id"], school, host, learner, coordinator, mentor, validator)


OUTCOMES = [
    ("Izglītojamais patstāvīgi sagatavo viesnīcas pakalpojumu prezentāciju viesiem", "lv"),
    ("Handles guests' personal data in the booking system in line with GDPR", "en"),
    ("Answers guest questions by e-mail and chat politely and clearly", "en"),
]


def agreed_plan(client: TestClient, m: Mobility) -> dict[str, Any]:
    """Write the three outcomes from suggestions and get the plan agreed by all three parties."""
    base = f"{API}/mobilities/{m.id}/plan"
    ok(client.post(f"{base}/versions", json={}), 201)
    for text, language in OUTCOMES:
        [best] = ok(client.post(f"{API}/suggestions", json={"text": text, "top": 1}))
        ok(
            client.post(
                f"{base}/versions/1/outcomes",
                json={
                    "text": text,
                    "language": language,
                    "competences": [
                        {
                            "framework": best["framework"],
                            "competence": best["competence"],
                            "target_level": best["level"],
                        }
                    ],
                    "criteria": "Observed by the mentor during daily work; meets the hotel's standard",
                    "methods": ["observation", "product"],
                },
            ),
            201,
        )
    for role, person in (("coordinator", m.coordinator), ("mentor", m.mentor), ("learner", m.learner)):
        version = ok(client.post(f"{base}/versions/1/confirmations", json={"role": role, "person_id": person}))
    return version  # type: ignore[no-any-return]
