"""The host mentor (or the learner) can decline a plan or ask for a change with a comment, as in the EU's Online
Learning Agreement; the coordinator sees it and answers with a new version; both are in the audit trail."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from digcomp.store.db import Database
from digcomp.store.models import OutgoingMail
from tests.journey import API, Mobility, add_outcome, confirm_all, create_mobility, ok, web_login

ASK = "Please add the booking system: she will work with it every day."


def _drafted(client: TestClient, database: Database) -> Mobility:
    m = create_mobility(client, database)
    ok(client.post(f"{API}/mobilities/{m.id}/plan/versions", headers=m.as_["coordinator"], json={}), 201)
    ok(add_outcome(client, m, 1, "Answers guest e-mails politely and clearly", "2.1"), 201)
    ok(client.post(f"{API}/mobilities/{m.id}/plan/versions/1/confirmations", headers=m.as_["coordinator"]))
    return m


def test_a_mentors_change_request_is_answered_by_a_new_version(client: TestClient, database: Database) -> None:
    m = _drafted(client, database)
    plan = f"{API}/mobilities/{m.id}/plan"
    asked = ok(
        client.post(
            f"{plan}/versions/1/change-requests", headers=m.as_["mentor"], json={"kind": "change", "comment": ASK}
        ),
        201,
    )
    assert (asked["role"], asked["kind"], asked["answer_version"]) == ("mentor", "change", None)
    assert asked["language"] == "en"  # the mentor reads the working language

    # the draft cannot be agreed while the request waits; the mentor cannot ask twice
    refused = client.post(f"{plan}/versions/1/confirmations", headers=m.as_["learner"])
    assert refused.status_code == 409
    assert "waits for the coordinator's answer" in refused.json()["detail"]
    twice = client.post(
        f"{plan}/versions/1/change-requests", headers=m.as_["mentor"], json={"kind": "decline", "comment": "No."}
    )
    assert twice.status_code == 409
    by_coordinator = client.post(
        f"{plan}/versions/1/change-requests", headers=m.as_["coordinator"], json={"kind": "change", "comment": "Me?"}
    )
    assert by_coordinator.status_code == 403

    # the coordinator is told, sees it in the overview, and answers with version 2
    with database.session() as session:
        mail = session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "plan_change_requested")).one()
        assert ASK in mail.body
    [row] = ok(client.get(f"{API}/overview", headers=m.as_["coordinator"]))["items"]
    assert {"what": "change_request", "count": None, "roles": ["mentor"]} in row["missing"]
    answer = "Added the booking system outcome, as the mentor asked."
    version = ok(client.post(f"{plan}/versions", headers=m.as_["coordinator"], json={"change_note": answer}), 201)
    assert (version["number"], version["status"], version["change_note"]) == (2, "draft", answer)
    ok(add_outcome(client, m, 2, "Makes and changes bookings in the hotel's booking system", "2.1"), 201)
    first = ok(client.get(f"{plan}/versions/1", headers=m.as_["coordinator"]))
    assert first["status"] == "replaced"
    [request] = first["change_requests"]
    assert request["answer_version"] == 2
    assert request["answered_at"] is not None
    assert client.get(f"{plan}/versions/1/agreement.pdf", headers=m.as_["coordinator"]).status_code == 409

    agreed = confirm_all(client, m, 2)
    assert agreed["status"] == "agreed"
    [row] = ok(client.get(f"{API}/overview", headers=m.as_["coordinator"]))["items"]
    assert not [item for item in row["missing"] if item["what"] == "change_request"]

    trail = ok(client.get(f"{API}/mobilities/{m.id}/audit", headers=m.as_["admin"]))
    actions = [entry["action"] for entry in trail]
    assert "plan.change_requested" in actions
    assert "plan.change_answered" in actions


def test_a_learner_declines_and_the_parties_see_a_draft_agreement_first(client: TestClient, database: Database) -> None:
    m = _drafted(client, database)
    plan = f"{API}/mobilities/{m.id}/plan"
    preview = client.get(f"{plan}/versions/1/agreement-preview.pdf", headers=m.as_["mentor"])
    assert preview.status_code == 200, preview.text
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(preview.content)).pages)
    assert "DRAFT for review" in text
    assert "Answers guest e-mails" in text

    declined = ok(
        client.post(
            f"{plan}/versions/1/change-requests",
            headers=m.as_["learner"],
            json={"kind": "decline", "comment": "Ne tas, par ko runājām."},
        ),
        201,
    )
    assert (declined["role"], declined["kind"], declined["language"]) == ("learner", "decline", "lv")
    confirm_all_refused = client.post(f"{plan}/versions/1/confirmations", headers=m.as_["mentor"])
    assert confirm_all_refused.status_code == 409

    web_login(client, f"ilze.coordinator{m.school}@example.org")
    page = client.get(f"/mobilities/{m.id}")
    assert 'lang="lv">Ne tas, par ko runājām.</blockquote>' in page.text
    assert "Answer with a new version" in page.text
    assert (
        "waiting for the coordinator&#39;s answer" in page.text or "waiting for the coordinator's answer" in page.text
    )


def test_the_mentor_asks_for_a_change_on_the_web_in_her_language(client: TestClient, database: Database) -> None:
    m = _drafted(client, database)
    web_login(client, f"lucía.mentor{m.school}@example.org", "es")
    page = client.get(f"/mobilities/{m.id}")
    assert "A qué da su conformidad" in page.text  # the one-screen summary before agreeing
    assert "agreement-preview.pdf" in page.text
    sent = client.post(
        f"/mobilities/{m.id}/plan/change-request",
        data={"kind": "change", "comment": "Falta el sistema de reservas."},
        follow_redirects=True,
    )
    assert "el coordinador responderá con una nueva versión" in sent.text
    assert 'lang="es">Falta el sistema de reservas.</blockquote>' in sent.text
    assert "Estoy de acuerdo con este plan" not in sent.text  # nothing to agree to until the answer
