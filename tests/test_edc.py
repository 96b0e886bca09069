"""The European Digital Credential of a statement passes EBSI's Europass EDC JSON Schema (ELM 3.2, with every
format checked), says what the statement says in both languages, and travels inside the signed PDF."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
from fastapi.testclient import TestClient
from PIL import Image
from referencing import Registry, Resource

from digcomp.store.db import Database
from tests.journey import API, START, ok, validated_mobility

EDC = Path(__file__).parent / "data" / "credentials" / "edc"
ATTESTATION_ID = "https://example.invalid/schemas/vcdm2.0-attestation-schema.json"  # see tests/data/.../SOURCES.md


def schema_errors(document: dict[str, Any]) -> list[str]:
    schema = json.loads((EDC / "vcdm2.0-europass-edc-schema.json").read_text("utf-8"))
    attestation = json.loads((EDC / "vcdm2.0-attestation-schema.json").read_text("utf-8"))
    registry = Registry().with_resource(ATTESTATION_ID, Resource.from_contents(attestation))
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    assert {"date-time", "uri"} <= checker.checkers.keys()  # formats are checked, not skipped
    validator = jsonschema.Draft202012Validator(schema, registry=registry, format_checker=checker)
    return [f"{list(e.absolute_path)}: {e.message[:300]}" for e in validator.iter_errors(document)]


def test_ebsis_own_example_passes_the_check() -> None:
    """The check itself accepts a credential EBSI publishes (so an error below is ours, not the harness's)."""
    assert schema_errors(json.loads((EDC / "example-digicomp-generic.json").read_text("utf-8"))) == []
    assert schema_errors({"type": ["VerifiableCredential"]}) != []


def test_a_statements_edc_is_valid_and_states_the_competences_and_levels(
    client: TestClient, database: Database
) -> None:
    m = validated_mobility(client, database)
    url = f"{API}/mobilities/{m.id}/certificate"
    issued = ok(client.post(url, headers=m.as_["coordinator"], json={"languages": "lv+en"}), 201)
    assert issued["edc_url"] == f"{url}/edc.json"
    answer = client.get(f"{url}/edc.json", headers=m.as_["learner"])
    assert answer.status_code == 200
    assert f'filename="{issued["id"]}.edc.json"' in answer.headers["content-disposition"]
    edc = answer.json()
    assert schema_errors(edc) == []

    credential = ok(client.get(f"{url}/credential.json", headers=m.as_["learner"]))
    assert edc["issuer"]["id"] == credential["issuer"]["id"]  # the school's public profile
    assert client.get(edc["id"].removeprefix("http://testserver")).json() == edc  # its id resolves, publicly
    [achievement] = edc["credentialSubject"]["hasClaim"]
    skills = {o["relatedSkill"][0]["notation"] for o in achievement["specifiedBy"]["learningOutcome"]}
    levels = {a["id"].rsplit("-", 1)[1]: a["grade"]["noteLiteral"]["en"][0].split()[0] for a in achievement["provenBy"]}
    expected = {
        r["resultDescription"].rsplit("-", 1)[1]: r["achievedLevel"].rsplit("-", 1)[1]
        for r in credential["credentialSubject"]["result"]
        if "achievedLevel" in r
    }
    assert skills == set(expected)
    assert levels == expected  # the same competences at the same levels as the Open Badges credential
    assert set(achievement["title"]) == {"lv", "en"}
    [activity] = achievement["influencedBy"]
    assert activity["temporal"][0]["startDate"].startswith(START.isoformat())
    assert activity["directedBy"][0]["legalName"]  # the host company

    displays = edc["displayParameter"]["individualDisplay"]
    assert [d["language"]["id"].rsplit("/", 1)[1] for d in displays] == ["LAV", "ENG"]
    for display in displays:
        image = Image.open(io.BytesIO(base64.b64decode(display["displayDetail"][0]["image"]["content"])))
        assert (image.format, image.size) == ("JPEG", (1000, 1414))


def test_the_edc_carries_the_eu_micro_credential_elements(client: TestClient, database: Database) -> None:
    m = validated_mobility(client, database)
    ok(client.patch(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"], json={"eqf_level": 4}))
    statement = "Accredited by the State Education Quality Service; results reviewed by the methodological council."
    refused = client.patch(
        f"{API}/organisations/{m.school}", headers=m.as_["coordinator"], json={"quality_assurance": statement}
    )
    assert refused.status_code == 403  # the school's admin states it
    ok(client.patch(f"{API}/organisations/{m.school}", headers=m.as_["admin"], json={"quality_assurance": statement}))
    url = f"{API}/mobilities/{m.id}/certificate"
    ok(client.post(url, headers=m.as_["coordinator"], json={"languages": "lv+en"}), 201)
    edc = ok(client.get(f"{url}/edc.json", headers=m.as_["learner"]))
    assert schema_errors(edc) == []

    [achievement] = edc["credentialSubject"]["hasClaim"]
    specification = achievement["specifiedBy"]
    assert [level["id"] for level in specification["educationLevel"]] == ["http://data.europa.eu/snb/eqf/4"]
    assert specification["learningSetting"]["prefLabel"]["en"] == ["non-formal learning"]
    assert {mode["prefLabel"]["en"][0] for mode in specification["mode"]} == {"Workbased", "Presential"}
    [quality] = [n for n in specification["additionalNote"] if n["id"].endswith("#note-quality-assurance")]
    assert quality["noteLiteral"]["en"] == [f"Quality assurance: {statement}"]
    assert {t["prefLabel"]["en"][0] for t in achievement["provenBy"][0]["dcType"]} == {
        "practical assessment",
        "portfolio",
    }
    assert achievement["influencedBy"][0]["dcType"][0]["prefLabel"]["en"] == ["internship"]
    status = edc["credentialStatus"]
    assert status["type"] == "CredentialStatus"
    assert "/status-lists/" in status["id"]


def test_a_revoked_statements_credentials_are_gone_from_their_public_ids(
    client: TestClient, database: Database
) -> None:
    m = validated_mobility(client, database)
    url = f"{API}/mobilities/{m.id}/certificate"
    issued = ok(client.post(url, headers=m.as_["coordinator"], json={"languages": "lv+en"}), 201)
    edc_id = ok(client.get(f"{url}/edc.json", headers=m.as_["learner"]))["id"].removeprefix("http://testserver")
    credential_id = f"{API}/certificates/{issued['id']}/credential"
    assert client.get(edc_id).status_code == client.get(credential_id).status_code == 200
    sealed = client.get(f"{url}/edc.jwt", headers=m.as_["learner"]).content
    json_copy = client.get(f"{url}/edc.json", headers=m.as_["learner"]).content
    for name, data in (("edc.jwt", sealed), ("edc.json", json_copy)):  # anyone can check either on /verify
        page = client.post("/verify", files={"file": (name, data, "application/octet-stream")})
        assert page.status_code == 200
        assert verified(client, name, data) == "valid"

    ok(
        client.post(
            f"{API}/certificates/{issued['id']}/revocation",
            headers=m.as_["validator"],
            json={"reason": "Wrong learner"},
        )
    )
    for public in (edc_id, credential_id):
        gone = client.get(public)
        assert gone.status_code == 410
        assert "revoked" in gone.json()["detail"]
    assert verified(client, "edc.jwt", sealed) == verified(client, "edc.json", json_copy) == "revoked"
    assert client.get(f"{API}/certificates/DC-2026-NOSUCHONE/edc").status_code == 404


def verified(client: TestClient, name: str, data: bytes) -> str:
    upload = {"file": (name, data, "application/octet-stream")}
    return str(ok(client.post(f"{API}/verifications", files=upload))["verdict"])
