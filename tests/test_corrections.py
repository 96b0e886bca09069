"""A real placement across two languages, and putting mistakes right: texts the mentor can read, corrections of
the mobility and its people, withdrawn evidence, reopened results and superseding certificates, links that follow
the server's address and die with a replaced mentor. On SQLite and on PostgreSQL."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from digcomp.api.app import create_app
from digcomp.mail import outbox
from digcomp.settings import Settings
from digcomp.store.db import Database
from digcomp.store.models import AuditEntry, OutgoingMail, Person
from digcomp.store.models import Mobility as StoredMobility
from tests.journey import (
    API,
    Mobility,
    agreed_plan,
    assess_and_validate,
    create_mobility,
    ok,
    validated_mobility,
    web_login,
)


def _plan_with(client: TestClient, m: Mobility, text: dict[str, str], criteria: dict[str, str]) -> tuple[str, int]:
    base = f"{API}/mobilities/{m.id}/plan"
    ok(client.post(f"{base}/versions", headers=m.as_["coordinator"], json={}), 201)
    outcome = ok(
        client.post(
            f"{base}/versions/1/outcomes",
            headers=m.as_["coordinator"],
            json={
                "text": text,
                "criteria": criteria,
                "methods": ["observation"],
                "competences": [{"competence": "3.1", "target_level": 3}],
            },
        ),
        201,
    )
    return base, outcome["id"]


def test_a_plan_is_agreed_only_when_the_mentor_can_read_it(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    base, outcome_id = _plan_with(
        client,
        m,
        {"lv": "Izglītojamais patstāvīgi sagatavo prezentāciju viesiem"},
        {"lv": "Prezentācija ir pabeigta"},
    )
    draft = ok(client.get(f"{base}/versions/1", headers=m.as_["coordinator"]))
    assert draft["missing_texts"] == ["outcome 1: its text", "outcome 1: its assessment criteria"]
    refused = client.post(f"{base}/versions/1/confirmations", headers=m.as_["mentor"])
    assert refused.status_code == 409
    assert "the host mentor reads English" in refused.json()["detail"]
    assert "outcome 1: its text; outcome 1: its assessment criteria" in refused.json()["detail"]

    # the mentor reads Italian: an Italian text is enough, English is not required
    ok(client.patch(f"{API}/people/{m.mentor}", headers=m.as_["coordinator"], json={"language": "it"}))
    ok(
        client.put(
            f"{base}/versions/1/outcomes/{outcome_id}",
            headers=m.as_["coordinator"],
            json={
                "text": {
                    "lv": "Izglītojamais patstāvīgi sagatavo prezentāciju viesiem",
                    "it": "Prepara da solo una presentazione per gli ospiti",
                },
                "criteria": {"lv": "Prezentācija ir pabeigta", "it": "La presentazione è completa"},
                "methods": ["observation"],
                "competences": [{"competence": "3.1", "target_level": 3}],
            },
        )
    )
    version = ok(client.get(f"{base}/versions/1", headers=m.as_["mentor"]))
    assert version["missing_texts"] == []
    assert version["outcomes"][0]["text"]["it"].startswith("Prepara")
    for role in ("coordinator", "mentor", "learner"):
        ok(client.post(f"{base}/versions/1/confirmations", headers=m.as_[role]))
    assert ok(client.get(base, headers=m.as_["learner"]))["agreed"]["number"] == 1


def test_texts_per_language_are_checked(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    base = f"{API}/mobilities/{m.id}/plan"
    ok(client.post(f"{base}/versions", headers=m.as_["coordinator"], json={}), 201)
    bad = client.post(
        f"{base}/versions/1/outcomes",
        headers=m.as_["coordinator"],
        json={
            "text": {"english": "Uses passwords well"},
            "criteria": {"en": "   "},
            "methods": ["observation"],
            "competences": [{"competence": "4.1", "target_level": 3}],
        },
    )
    assert bad.status_code == 422
    detail = bad.json()["detail"]
    assert "'english' is not a two-letter language code" in detail
    assert "write the text in at least one language" in detail  # a blank translation is no text
    mobility = ok(
        client.patch(
            f"{API}/mobilities/{m.id}",
            headers=m.as_["coordinator"],
            json={"objective": {"lv": "Darba vidē balstītas mācības", "en": "Work-based learning", "it": " "}},
        )
    )
    assert mobility["objective"] == {"lv": "Darba vidē balstītas mācības", "en": "Work-based learning"}


def test_people_are_corrected_by_the_school_not_by_themselves(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    rename = client.patch(f"{API}/people/{m.learner}", headers=m.as_["learner"], json={"given_name": "Jānis II"})
    assert rename.status_code == 403
    assert "ask them to correct it" in rename.json()["detail"]
    ok(client.patch(f"{API}/people/{m.learner}", headers=m.as_["learner"], json={"language": "en"}))
    corrected = ok(
        client.patch(f"{API}/people/{m.learner}", headers=m.as_["coordinator"], json={"family_name": "Bērziņš-Ozola"})
    )
    assert corrected["family_name"] == "Bērziņš-Ozola"

    moved = ok(
        client.patch(
            f"{API}/mobilities/{m.id}",
            headers=m.as_["coordinator"],
            json={"start_date": "2026-03-09", "end_date": "2026-06-05"},
        )
    )
    assert (moved["start_date"], moved["end_date"]) == ("2026-03-09", "2026-06-05")
    assert (
        client.patch(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"], json={"start_date": None}).status_code
        == 422
    )


def test_replacing_the_mentor_ends_the_old_mentors_links(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    base, _ = _plan_with(client, m, {"en": "Prepares a presentation"}, {"en": "It is complete"})
    ok(client.post(f"{base}/versions/1/confirmations", headers=m.as_["mentor"]))
    link = ok(client.post(f"{API}/mobilities/{m.id}/mentor-links", headers=m.as_["coordinator"], json={}), 201)
    as_link = {"Authorization": f"Bearer {link['token']}"}
    assert client.get(f"{API}/mobilities/{m.id}", headers=as_link).status_code == 200

    new_mentor = ok(
        client.post(
            f"{API}/people",
            headers=m.as_["coordinator"],
            json={
                "organisation_id": m.host,
                "given_name": "Giulia",
                "family_name": "Rossi",
                "role": "mentor",
                "language": "it",
            },
        ),
        201,
    )
    ok(client.patch(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"], json={"mentor_id": new_mentor["id"]}))

    old = client.get(f"{API}/mobilities/{m.id}", headers=as_link)
    assert old.status_code == 401
    assert "withdrawn" in old.json()["detail"]
    links = ok(client.get(f"{API}/mobilities/{m.id}/mentor-links", headers=m.as_["coordinator"]))
    assert [(item["mentor_name"], item["active"]) for item in links] == [("Lucía García", False)]
    version = ok(client.get(f"{base}/versions/1", headers=m.as_["coordinator"]))
    assert version["confirmations"] == []  # the old mentor's agreement no longer counts


def test_the_author_withdraws_evidence_added_by_mistake(client: TestClient, database: Database) -> None:
    m = validated_mobility(client, database)
    base = f"{API}/mobilities/{m.id}/assessment"
    refused = client.post(f"{base}/evidence/1/withdrawal", headers=m.as_["mentor"], json={})
    assert refused.status_code == 409  # validated: nothing changes until a validator reopens
    ok(
        client.post(
            f"{base}/reopening",
            headers=m.as_["validator"],
            json={"justification": "The mentor's note on outcome 1 was about another learner"},
        )
    )
    view = ok(client.get(base, headers=m.as_["mentor"]))
    first = view["outcomes"][0]
    mistaken = ok(
        client.post(
            f"{base}/outcomes/{first['outcome_id']}/notes",
            headers=m.as_["mentor"],
            json={"title": "Oops", "text": "Written for Anna, not for Jānis."},
        ),
        201,
    )
    not_theirs = client.post(f"{base}/evidence/{mistaken['id']}/withdrawal", headers=m.as_["coordinator"], json={})
    assert (not_theirs.status_code, "only the person who added" in not_theirs.json()["detail"]) == (403, True)
    after = ok(
        client.post(
            f"{base}/evidence/{mistaken['id']}/withdrawal", headers=m.as_["mentor"], json={"reason": "wrong learner"}
        )
    )
    assert mistaken["id"] not in [e["id"] for e in after["outcomes"][0]["evidence"]]
    with database.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "assessment.evidence_withdrawn")).one()
        assert entry.before is not None
        assert entry.before["text"] == "Written for Anna, not for Jānis."
    audit = ok(client.get(f"{API}/audit/verify", headers=m.as_["admin"]))
    assert audit["valid"] is True


def _issue(client: TestClient, m: Mobility, languages: str = "en") -> dict[str, Any]:
    return ok(
        client.post(f"{API}/mobilities/{m.id}/certificate", headers=m.as_["validator"], json={"languages": languages}),
        201,
    )


def test_a_reopened_result_is_corrected_and_the_new_certificate_supersedes_the_old(
    client: TestClient, database: Database
) -> None:
    m = validated_mobility(client, database)
    first = _issue(client, m)
    base = f"{API}/mobilities/{m.id}/assessment"
    assert (
        client.post(f"{base}/reopening", headers=m.as_["mentor"], json={"justification": "x" * 20}).status_code == 403
    )
    assert (
        client.post(f"{base}/reopening", headers=m.as_["validator"], json={"justification": "wrong"}).status_code == 422
    )
    reopened = ok(
        client.post(
            f"{base}/reopening",
            headers=m.as_["validator"],
            json={"justification": "Outcome 2 was rated at level 4; the mentor meant level 5"},
        )
    )
    assert (reopened["validation"], reopened["round"]) == (None, 2)
    target = reopened["outcomes"][1]["competences"][0]["target_id"]
    ok(
        client.put(
            f"{base}/targets/{target}/rating",
            headers=m.as_["mentor"],
            json={"level": 5, "justification": "Guides new colleagues on the booking system's privacy settings"},
        )
    )
    validated = ok(client.post(f"{base}/validation", headers=m.as_["validator"], json={}), 201)
    assert (
        validated["validation"]["round"],
        validated["outcomes"][1]["competences"][0]["result"]["achieved_level"],
    ) == (
        2,
        5,
    )

    second = _issue(client, m)
    assert second["supersedes"] == first["id"]
    old = ok(client.get(f"{API}/certificates/{first['id']}/verification"))
    assert (old["verdict"], old["superseded_by"]) == ("revoked", second["id"])
    assert "revocation_reason" not in old  # public: only that and when
    trail = ok(client.get(f"{API}/mobilities/{m.id}/audit", headers=m.as_["coordinator"]))
    revocations = [e["after"]["reason"] for e in trail if e["action"] == "certificate.revoked"]
    assert any("Reopened for correction" in reason for reason in revocations)
    new = ok(client.get(f"{API}/certificates/{second['id']}/verification"))
    assert (new["verdict"], new["supersedes"]) == ("valid", first["id"])
    pdf = client.get(f"{API}/mobilities/{m.id}/certificate.pdf", headers=m.as_["learner"]).content
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert first["id"] in text  # "Replaces certificate …" on the new statement


def test_an_english_statement_carries_no_latvian_outcome_text(client: TestClient, database: Database) -> None:
    m = validated_mobility(client, database)
    _issue(client, m, "en")
    pdf = client.get(f"{API}/mobilities/{m.id}/certificate.pdf", headers=m.as_["learner"]).content
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Independently prepares a presentation of the hotel's services for guests" in text
    assert "Izglītojamais" not in text
    assert "prezentāciju" not in text
    assert "Viesmīlības" not in text  # the qualification's Latvian name
    assert "Hospitality services specialist" in text
    assert "Working language English" in text


def test_mentor_links_are_on_the_address_the_server_is_reached_at(database: Database, tmp_path: Any) -> None:
    settings = Settings(data_dir=tmp_path / "data", public_url=None)
    app = create_app(settings=settings, database=database)
    with TestClient(app, base_url="http://school.example:8297") as client:
        m = create_mobility(client, database)
        link = ok(client.post(f"{API}/mobilities/{m.id}/mentor-links", headers=m.as_["coordinator"], json={}), 201)
        assert link["url"].startswith("http://school.example:8297/m/dcl_")
        listed = ok(client.get(f"{API}/mobilities/{m.id}/mentor-links", headers=m.as_["coordinator"]))
        assert [item["url"] for item in listed] == [link["url"]]
        assert (
            client.get(link["url"].removeprefix("http://school.example:8297"), follow_redirects=False).status_code
            == 303
        )
        # forwarded headers are not trusted unless the operator names the proxy
        spoofed = ok(
            client.post(
                f"{API}/mobilities/{m.id}/mentor-links",
                headers={**m.as_["coordinator"], "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
                json={},
            ),
            201,
        )
        assert spoofed["url"].startswith("http://school.example:8297/")
        # the e-mails a request queues link to the same address (a plan waiting for confirmation, a statement issued)
        agreed_plan(client, m)
        assess_and_validate(client, m)
        ok(client.post(f"{API}/mobilities/{m.id}/certificate", headers=m.as_["coordinator"], json={}), 201)
        with database.session() as session:
            bodies = {
                mail.kind: mail.body
                for mail in session.scalars(select(OutgoingMail).where(OutgoingMail.mobility_id == m.id))
            }
        assert {"plan_waiting", "certificate_issued"} <= set(bodies)
        for kind in ("plan_waiting", "certificate_issued"):
            assert "http://school.example:8297/" in bodies[kind], bodies[kind]
            assert "127.0.0.1" not in bodies[kind]


def test_a_group_is_imported_with_texts_per_language(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    csv = (
        "learner_given_name,learner_family_name,sending_organisation,sending_country,host_organisation,host_country,"
        "start_date,end_date,working_language,qualification_lv,qualification_en,tasks_it,tasks\n"
        "Anna,Liepiņa,Rīgas Tehniskā koledža,LV,Trattoria Roma,IT,01.03.2027,28.05.2027,it,Pavārs,Cook,"
        "Preparazione dei piatti,Preparazione\n"
    )
    result = ok(
        client.post(
            f"{API}/mobilities/import",
            headers=m.as_["coordinator"],
            files={"file": ("group.csv", csv.encode(), "text/csv")},
        ),
        201,
    )
    imported = ok(client.get(f"{API}/mobilities/{result['mobility_ids'][0]}", headers=m.as_["coordinator"]))
    assert imported["qualification"] == {"lv": "Pavārs", "en": "Cook"}
    assert imported["tasks"] == {"it": "Preparazione dei piatti"}  # the column with a language wins
    assert imported["working_language"] == "it"


def test_the_coordinator_corrects_a_mobility_in_the_web(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    new_mentor = ok(
        client.post(
            f"{API}/people",
            headers=m.as_["coordinator"],
            json={"organisation_id": m.host, "given_name": "Marco", "family_name": "Bianchi", "role": "mentor"},
        ),
        201,
    )
    email = ok(client.get(f"{API}/people/{m.coordinator}", headers=m.as_["coordinator"]))["email"]
    client.post("/login", data={"email": email, "password": "test-password-123"})
    form = {
        "learner_given_name": "Jānis",
        "learner_family_name": "Bērziņš-Kalns",
        "start_date": "2026-03-09",
        "end_date": "2026-06-05",
        "host_id": str(m.host),
        "mentor_id": str(new_mentor["id"]),
        "working_language": "it",
        "qualification_lv": "Viesmīlības speciālists",
        "qualification_it": "Specialista dell'ospitalità",
    }
    saved = client.post(f"/mobilities/{m.id}/edit", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text[saved.text.find("<main") :][:3000]
    assert saved.headers["location"] == f"/mobilities/{m.id}?done=mobility_saved"
    mobility = ok(client.get(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"]))
    assert (mobility["learner"]["family_name"], mobility["mentor"]["family_name"]) == ("Bērziņš-Kalns", "Bianchi")
    assert (mobility["start_date"], mobility["working_language"]) == ("2026-03-09", "it")
    assert mobility["qualification"] == {"lv": "Viesmīlības speciālists", "it": "Specialista dell'ospitalità"}

    client.cookies.set("digcomp_lang", "lv")
    wrong = client.post(f"/mobilities/{m.id}/edit", data={**form, "end_date": "2026-01-01"})
    assert wrong.status_code == 422
    assert "beigu datumam jābūt pēc sākuma datuma" in wrong.text
    assert 'value="Bērziņš-Kalns"' in wrong.text  # what was typed stays


def test_a_mentors_wrong_e_mail_is_corrected_in_the_web_and_her_unsent_e_mails_follow(
    client: TestClient, database: Database
) -> None:
    m = create_mobility(client, database)
    agreed = client.get(f"{API}/people/{m.mentor}", headers=m.as_["coordinator"]).json()
    old_address = agreed["email"]
    with database.session() as session:
        mentor = session.get_one(Person, m.mentor)
        school = session.get_one(StoredMobility, m.id).sending_organisation
        outbox.enqueue(
            session, mentor, "plan_waiting", school, {"learner": "Jānis", "host": "Hotel", "version": 1, "link": "x"}
        )
    client.cookies.set("digcomp_lang", "lv")
    coordinator = ok(client.get(f"{API}/people/{m.coordinator}", headers=m.as_["coordinator"]))["email"]
    client.post("/login", data={"email": coordinator, "password": "test-password-123"})
    page = client.get(f"/mobilities/{m.id}/edit").text
    assert "Jaunais mentors" not in page  # her current name is not offered as a new mentor's
    assert f'value="{old_address}"' in page
    form = {
        "learner_given_name": "Jānis",
        "learner_family_name": "Bērziņš",
        "start_date": "2026-03-02",
        "end_date": "2026-05-29",
        "host_id": str(m.host),
        "mentor_id": str(m.mentor),
        "working_language": "en",
        "mentor_given_name": "Lucía",
        "mentor_family_name": "García López",
        "mentor_email": "lucia.garcia@aurora.example",
        "mentor_phone": "+34 600 123 456",
    }
    saved = client.post(f"/mobilities/{m.id}/edit", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text[saved.text.find("<main") :][:2000]
    corrected = ok(client.get(f"{API}/people/{m.mentor}", headers=m.as_["coordinator"]))
    assert (corrected["email"], corrected["phone"], corrected["family_name"]) == (
        "lucia.garcia@aurora.example",
        "+34 600 123 456",
        "García López",
    )
    with database.session() as session:
        waiting = session.scalars(select(OutgoingMail).where(OutgoingMail.recipient_id == m.mentor)).all()
        assert [mail.to_address for mail in waiting] == ["lucia.garcia@aurora.example"]
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "person.updated", AuditEntry.entity == f"person:{m.mentor}")
        ).all()[-1]
        assert (entry.before["email"], entry.after["email"]) == (old_address, "lucia.garcia@aurora.example")
        assert entry.after["emails_readdressed"] == 1
    # her login moved with her address
    assert (
        client.post(
            f"{API}/auth/token", json={"email": "lucia.garcia@aurora.example", "password": "test-password-123"}
        ).status_code
        == 200
    )

    # the audit page says who changed what, from what, in the page's language, and filters by action and person
    web_login(client, f"admin{abs(hash('Rīgas Tehniskā koledža')) % 10**8}@school.example.lv", "lv")
    audit_page = client.get("/school/audit", params={"action": "person.updated", "actor_id": m.coordinator}).text
    assert "Mainīti personas dati" in audit_page
    assert "person.updated" not in audit_page.split("<tbody>")[1]  # no raw codes in the table
    assert old_address in audit_page
    assert "lucia.garcia@aurora.example" in audit_page
    assert "Ilze Kalniņa" in audit_page
