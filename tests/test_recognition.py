"""Step four: the sending school recognises validated results in the learner's VET programme."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from digcomp.errors import Conflict, Invalid
from digcomp.recognition.rules import Proposal, ValidatedFacts, check
from digcomp.store.db import Database
from tests.journey import API, Mobility, create_mobility, ok, validated_mobility

RESULTS = {
    1: ValidatedFacts(1, "3.1", "achieved", 4),
    2: ValidatedFacts(2, "4.2", "achieved", 2),
    3: ValidatedFacts(3, "2.1", "not_achieved", None),
}


def _check(proposals: list[Proposal], **facts: object) -> None:
    options = {"validated": True, "already_recognised": False, "average_mastery_level": 3, **facts}
    check(proposals, RESULTS, {10, 11}, **options)  # type: ignore[arg-type]


def test_the_rules_refuse_each_thing_they_must() -> None:
    _check([Proposal(1, 10, "9")])  # validated, achieved above the threshold: recognised
    with pytest.raises(Conflict, match="not validated"):
        _check([Proposal(1, 10, "9")], validated=False)
    with pytest.raises(Conflict, match="not examined again"):
        _check([Proposal(1, 10, "9")], already_recognised=True)
    with pytest.raises(Invalid, match="at least one"):
        _check([])
    refusals = {
        "not a validated result": Proposal(99, 10, "9"),
        "was not achieved": Proposal(3, 10, "9"),
        "needs a reason": Proposal(2, 10, "6"),
        "not a module of the school": Proposal(1, 12, "9"),
        "required": Proposal(1, 10, " "),
    }
    for expected, proposal in refusals.items():
        with pytest.raises(Invalid) as refused:
            _check([proposal])
        assert any(expected in e["msg"] for e in refused.value.errors), expected
    _check([Proposal(2, 11, "6", reason="Practised daily; the school's module test is waived")])
    with pytest.raises(Invalid) as twice:
        _check([Proposal(1, 10, "9"), Proposal(1, 11, "9")])
    assert any("listed twice" in e["msg"] for e in twice.value.errors)


def _modules(client: TestClient, m: Mobility) -> dict[str, int]:
    ids = {}
    for code, name in (("VPS-07", "Presenting the hotel's services"), ("VPS-04", "Protecting guests' data")):
        body = {"code": code, "name": {"lv": name, "en": name}, "hours": 40, "credits": 2}
        ids[code] = ok(client.post(f"{API}/programme-modules", headers=m.as_["coordinator"], json=body), 201)["id"]
    return ids


def test_validated_results_are_recognised_once_and_appear_on_the_statement(
    client: TestClient, database: Database
) -> None:
    m = validated_mobility(client, database)
    modules = _modules(client, m)
    base = f"{API}/mobilities/{m.id}"
    results = [
        c["result"]
        for o in ok(client.get(f"{base}/assessment", headers=m.as_["validator"]))["outcomes"]
        for c in o["competences"]
    ]
    assert client.get(f"{base}/recognition", headers=m.as_["validator"]).status_code == 404
    body = {
        "results": [{"result_id": results[0]["id"], "module_id": modules["VPS-07"], "grade": "9"}],
        "note": "Recognised without further examination",
    }
    assert client.put(f"{base}/recognition", headers=m.as_["mentor"], json=body).status_code == 403
    recognised = ok(client.put(f"{base}/recognition", headers=m.as_["validator"], json=body))
    assert [(r["module"]["code"], r["grade"], r["hours"]) for r in recognised["results"]] == [("VPS-07", "9", 40)]
    assert ok(client.get(f"{base}/recognition", headers=m.as_["learner"]))["results"][0]["grade"] == "9"
    again = client.put(f"{base}/recognition", headers=m.as_["validator"], json=body)
    assert again.status_code == 409  # a recognised result is not examined again
    reopen = client.post(f"{base}/assessment/reopening", headers=m.as_["validator"], json={"justification": "x" * 20})
    assert reopen.status_code == 409

    ok(client.post(f"{base}/certificate", headers=m.as_["validator"], json={"languages": "en"}), 201)
    pdf = client.get(f"{base}/certificate.pdf", headers=m.as_["learner"]).content
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Recognition by the sending institution" in text
    assert "VPS-07 Presenting the hotel's services" in text
    credential = client.get(f"{base}/certificate/credential.json", headers=m.as_["learner"]).json()
    assert "9" in [r.get("value") for r in credential["credentialSubject"]["result"]]


def test_a_result_below_the_schools_threshold_needs_a_reason(client: TestClient, database: Database) -> None:
    m = validated_mobility(client, database)  # every result at level 4
    ok(client.patch(f"{API}/organisations/{m.school}", headers=m.as_["admin"], json={"average_mastery_level": 5}))
    modules = _modules(client, m)
    base = f"{API}/mobilities/{m.id}"
    result = ok(client.get(f"{base}/assessment", headers=m.as_["validator"]))["outcomes"][0]["competences"][0]
    proposal = {"result_id": result["result"]["id"], "module_id": modules["VPS-04"], "grade": "6"}
    refused = client.put(f"{base}/recognition", headers=m.as_["validator"], json={"results": [proposal]})
    assert refused.status_code == 422
    assert "below the school's average mastery level 5" in refused.text
    proposal["reason"] = "Level 4 covers the module's outcomes for this qualification"
    ok(client.put(f"{base}/recognition", headers=m.as_["validator"], json={"results": [proposal]}))


def test_the_validator_recognises_results_on_the_web_page(client: TestClient, database: Database) -> None:
    m = validated_mobility(client, database)
    coordinator = ok(client.get(f"{API}/people/{m.coordinator}", headers=m.as_["coordinator"]))["email"]
    client.cookies.set("digcomp_lang", "en")
    client.post("/login", data={"email": coordinator, "password": "test-password-123"})
    added = client.post(
        f"/mobilities/{m.id}/recognition/modules",
        data={"code": "VPS-07", "name_lv": "Prezentēšana", "name_en": "Presenting", "hours": "40", "credits": "2"},
        follow_redirects=False,
    )
    assert added.status_code == 303
    validator = ok(client.get(f"{API}/people/{m.validator}", headers=m.as_["coordinator"]))["email"]
    client.post("/login", data={"email": validator, "password": "test-password-123"})
    page = client.get(f"/mobilities/{m.id}/recognition").text
    assert "VPS-07 Presenting" in page
    result = ok(client.get(f"{API}/mobilities/{m.id}/assessment", headers=m.as_["validator"]))["outcomes"][0]
    result_id = result["competences"][0]["result"]["id"]
    module_id = ok(client.get(f"{API}/programme-modules", headers=m.as_["validator"]))[0]["id"]
    empty_grade = client.post(f"/mobilities/{m.id}/recognition", data={f"module-{result_id}": str(module_id)})
    assert empty_grade.status_code == 422  # the grade is required, and the page says so
    done = client.post(
        f"/mobilities/{m.id}/recognition",
        data={f"module-{result_id}": str(module_id), f"grade-{result_id}": "9"},
        follow_redirects=False,
    )
    assert done.headers["location"] == f"/mobilities/{m.id}/recognition?done=recognised"
    shown = client.get(done.headers["location"]).text
    assert "The results are recognised." in shown
    assert "<strong>9</strong>" in shown


def _upload(client: TestClient, headers: dict[str, str], csv_text: str) -> object:
    files = {"file": ("modules.csv", ("\ufeff" + csv_text).encode(), "text/csv")}
    return client.post(f"{API}/programme-modules/import", headers=headers, files=files)


def test_the_programme_modules_are_imported_from_a_spreadsheet(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    as_coordinator = m.as_["coordinator"]
    sheet = (
        "code;name_lv;name_en;hours;credits\n"
        "VPS-07;Viesnīcas pakalpojumu prezentēšana;Presenting the hotel's services;40;2\n"
        "VPS-04;Viesu datu aizsardzība;Protecting guests' data;20;1,5\n"
    )
    assert _upload(client, m.as_["learner"], sheet).status_code == 403  # type: ignore[attr-defined]
    first = ok(_upload(client, as_coordinator, sheet))
    assert (first["created"], first["updated"]) == (["VPS-07", "VPS-04"], [])
    listed = {x["code"]: x for x in ok(client.get(f"{API}/programme-modules", headers=as_coordinator))}
    assert (listed["VPS-04"]["credits"], listed["VPS-07"]["name"]["lv"]) == (1.5, "Viesnīcas pakalpojumu prezentēšana")

    again = ok(_upload(client, as_coordinator, sheet.replace(";40;2", ";60;3") + "VPS-09;Bāri;Bars;;\n"))
    assert (again["created"], again["updated"]) == (["VPS-09"], ["VPS-07"])

    broken = _upload(client, as_coordinator, "code;name_en;hours\nVPS-10;;10\nVPS-11;Kitchen;many\n")
    assert broken.status_code == 422  # type: ignore[attr-defined]
    assert {e["row"] for e in broken.json()["errors"]} == {2, 3}  # type: ignore[attr-defined]
    twice = _upload(client, as_coordinator, "code,name_en\nVPS-12,Bars\nVPS-12,Bars again\n")
    assert "listed twice" in twice.json()["detail"]  # type: ignore[attr-defined]
    codes = {x["code"] for x in ok(client.get(f"{API}/programme-modules", headers=as_coordinator))}
    assert codes == {"VPS-04", "VPS-07", "VPS-09"}  # nothing of a wrong file was written


def test_a_named_recognition_committee_member_recognises(client: TestClient, database: Database) -> None:
    m = validated_mobility(client, database)
    modules = _modules(client, m)
    base = f"{API}/mobilities/{m.id}"
    result = ok(client.get(f"{base}/assessment", headers=m.as_["validator"]))["outcomes"][0]["competences"][0]
    body = {"results": [{"result_id": result["result"]["id"], "module_id": modules["VPS-07"], "grade": "9"}]}
    assert client.put(f"{base}/recognition", headers=m.as_["coordinator"], json=body).status_code == 403

    committee = {"recognition_committee": True}
    own = client.patch(f"{API}/people/{m.coordinator}", headers=m.as_["coordinator"], json=committee)
    assert own.status_code == 403  # a coordinator cannot name themself
    mentor = client.patch(f"{API}/people/{m.mentor}", headers=m.as_["admin"], json=committee)
    assert mentor.status_code == 422  # the host's mentor is not school staff
    named = ok(client.patch(f"{API}/people/{m.coordinator}", headers=m.as_["admin"], json=committee))
    assert named["recognition_committee"] is True
    recognised = ok(client.put(f"{base}/recognition", headers=m.as_["coordinator"], json=body))
    assert recognised["decided_by"]["id"] == m.coordinator
