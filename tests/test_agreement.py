"""The learning agreement: a signed bilingual PDF of an agreed plan, for the three parties, verified like a
statement — and a changed byte or a later plan version is reported."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from tests.journey import API, agreed_plan, create_mobility, ok
from tests.test_certificates import cli_data, run, text_of  # noqa: F401 - fixtures

AGREEMENT = "{api}/mobilities/{id}/plan/versions/{number}/agreement.pdf"


def _url(mobility_id: int, number: int = 1) -> str:
    return AGREEMENT.format(api=API, id=mobility_id, number=number)


def _verify(client: TestClient, pdf: bytes) -> dict:  # type: ignore[type-arg]
    return ok(  # type: ignore[no-any-return]
        client.post(f"{API}/verifications", files={"file": ("agreement.pdf", pdf, "application/pdf")})
    )


def test_the_three_parties_download_the_same_signed_agreement_and_it_verifies(client: TestClient, database) -> None:  # type: ignore[no-untyped-def]
    m = create_mobility(client, database)
    ok(client.post(f"{API}/mobilities/{m.id}/plan/versions", headers=m.as_["coordinator"], json={}), 201)
    draft = client.get(_url(m.id), headers=m.as_["coordinator"])
    assert draft.status_code == 409
    assert "not agreed yet" in draft.json()["detail"]

    module = {"code": "VPS-07", "name": {"lv": "Viesnīcas pakalpojumu prezentēšana", "en": "Presenting services"}}
    ok(client.post(f"{API}/programme-modules", headers=m.as_["coordinator"], json={**module, "hours": 40}), 201)
    outcome = {
        "text": {"lv": "Sagatavo viesnīcas pakalpojumu prezentāciju", "en": "Prepares a presentation of the services"},
        "criteria": {"lv": "Prezentācija ir pabeigta", "en": "The presentation is complete"},
        "methods": ["product", "observation"],
        "competences": [{"competence": "3.1", "target_level": 3}],
        "module_code": "NO-SUCH",
    }
    base = f"{API}/mobilities/{m.id}/plan/versions/1/outcomes"
    unknown = client.post(base, headers=m.as_["coordinator"], json=outcome)
    assert unknown.status_code == 422
    assert "no module NO-SUCH" in unknown.json()["detail"]
    ok(client.post(base, headers=m.as_["coordinator"], json={**outcome, "module_code": "VPS-07"}), 201)
    for role in ("coordinator", "mentor", "learner"):
        ok(client.post(f"{API}/mobilities/{m.id}/plan/versions/1/confirmations", headers=m.as_[role]))

    downloads = {role: client.get(_url(m.id), headers=m.as_[role]) for role in ("learner", "mentor", "coordinator")}
    for role, response in downloads.items():
        assert response.status_code == 200, (role, response.text)
        assert response.headers["content-type"] == "application/pdf"
    assert len({r.content for r in downloads.values()}) == 1  # made once, then always the same file
    pdf = downloads["learner"].content

    text = text_of(pdf)
    for expected in (
        "Mācību līgums — digitālās kompetences",
        "Learning agreement — digital competences",
        "Jānis Bērziņš",
        "Hotel Aurora",
        "Sagatavo viesnīcas pakalpojumu prezentāciju / Prepares a presentation of the services",
        "3.1 Digitālā satura attīstīšana / Developing digital content",
        "3 — Vidējs / Intermediate",
        "Prezentācija ir pabeigta / The presentation is complete",
        "VPS-07 Viesnīcas pakalpojumu prezentēšana / Presenting services",
        "DigComp 3. līmenī vai augstāk",
        "level 3 or above counts as at least average mastery",
        "every 7 days",
        "Ilze Kalniņa",
        "Lucía García",
        "Izglītojamais",
        "not an official Erasmus+ or Europass form",
    ):
        assert expected in text, expected
    plan = ok(client.get(f"{API}/mobilities/{m.id}/plan", headers=m.as_["coordinator"]))
    assert plan["agreed"]["content_hash"] in text
    [content] = PdfReader(io.BytesIO(pdf)).attachments["agreement.json"]
    embedded = json.loads(content)
    assert embedded["type"] == "LearningAgreement"
    assert embedded["content_hash"] == plan["agreed"]["content_hash"]
    assert [c["role"] for c in embedded["confirmations"]] == ["coordinator", "mentor", "learner"]

    verdict = _verify(client, pdf)
    assert (verdict["verdict"], verdict["document"], verdict["holder"]) == ("valid", "agreement", "Jānis Bērziņš")
    assert [(c["competence"], c["status"], c["target_level"]) for c in verdict["competences"]] == [
        ("3.1", "planned", 3)
    ]

    tampered = bytearray(pdf)
    tampered[len(pdf) // 2] ^= 0x01
    assert _verify(client, bytes(tampered))["verdict"] == "tampered"

    # somebody else's mobility: not theirs to read
    other = create_mobility(client, database, "Liepājas Valsts tehnikums")
    assert client.get(_url(m.id), headers=other.as_["learner"]).status_code in (403, 404)

    # the plan changes: the old agreement still verifies, and says which version replaces it
    ok(client.post(f"{API}/mobilities/{m.id}/plan/versions", headers=m.as_["coordinator"], json={}), 201)
    for role in ("coordinator", "mentor", "learner"):
        ok(client.post(f"{API}/mobilities/{m.id}/plan/versions/2/confirmations", headers=m.as_[role]))
    replaced = _verify(client, pdf)
    assert (replaced["verdict"], replaced["replaced_by_version"]) == ("valid", 2)
    assert any("plan version 2 replaces this one" in r for r in replaced["reasons"])
    assert client.get(_url(m.id, 2), headers=m.as_["learner"]).content != pdf


def test_agreement_in_english_only_for_a_school_writing_english(client: TestClient, database) -> None:  # type: ignore[no-untyped-def]
    m = create_mobility(client, database)
    ok(client.patch(f"{API}/organisations/{m.school}", headers=m.as_["admin"], json={"language": "en"}))
    agreed_plan(client, m)
    text = text_of(ok_pdf(client.get(_url(m.id), headers=m.as_["mentor"])))
    assert "Learning agreement — digital competences" in text
    assert "Mācību līgums" not in text


def ok_pdf(response) -> bytes:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    return response.content  # type: ignore[no-any-return]


def test_demo_writes_the_learning_agreement_and_verify_checks_it(
    cli_data: Path,  # noqa: F811 - fixture
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = cli_data / "out"
    code, printed = run(capsys, "demo", "--out", str(out))
    assert code == 0, printed
    [agreement] = out.glob("*agreement*.pdf")
    code, printed = run(capsys, "verify", str(agreement))
    assert code == 0, printed
    assert "VALID" in printed
    assert "agreement id: LA-" in printed
    assert "VPS-07" in text_of(agreement.read_bytes())  # the module planned for the demo's first outcome

    tampered = bytearray(agreement.read_bytes())
    tampered[len(tampered) // 3] ^= 0x01
    changed = out / "changed.pdf"
    changed.write_bytes(bytes(tampered))
    code, printed = run(capsys, "verify", str(changed))
    assert code == 1, printed
    assert "TAMPERED" in printed


def test_the_verification_page_reads_an_agreement_as_an_agreement(client: TestClient, database) -> None:  # type: ignore[no-untyped-def]
    m = create_mobility(client, database)
    agreed_plan(client, m)
    pdf = ok_pdf(client.get(_url(m.id), headers=m.as_["learner"]))
    client.cookies.set("digcomp_lang", "lv")
    page = client.post("/verify", files={"file": ("agreement.pdf", pdf, "application/pdf")}).text
    assert "Mācību līgums (parakstījusi nosūtītāja skola)" in page
    assert "Līgumā plānotās kompetences" in page
    assert "nav sasniegts" not in page  # a plan has no achieved levels yet
