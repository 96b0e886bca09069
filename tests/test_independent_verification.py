"""Outside verifiers accept what digcomp issues: Digital Bazaar's verifier says verified for a fresh Open Badges
credential and European Digital Credential, reads the school's signed revocation list, says revoked after the school
revokes, and "Invalid signature" after one changed character."""

from __future__ import annotations

import base64
import copy
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from digcomp.api.app import create_app
from digcomp.settings import Settings
from digcomp.store.db import Database
from tests.independent import digital_bazaar, free_port, served, verifier_installed
from tests.journey import API, Mobility, ok, validated_mobility

pytestmark = pytest.mark.skipif(
    not verifier_installed() and not os.environ.get("CI"), reason="make test installs the Node.js verifier"
)


@dataclass
class Issued:
    client: TestClient
    mobility: Mobility
    certificate: dict[str, Any]
    credential: dict[str, Any]
    edc: dict[str, Any]
    sealed_edc: str


@pytest.fixture
def issued(database: Database, tmp_path: Path) -> Iterator[Issued]:
    """A statement issued by the app served on a real port, so its ids, keys and lists resolve over HTTP."""
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    app = create_app(settings=Settings(data_dir=tmp_path / "data", public_url=public), database=database)
    with TestClient(app, headers={"origin": public}) as client, served(app, port):
        m = validated_mobility(client, database)
        url = f"{API}/mobilities/{m.id}/certificate"
        certificate = ok(client.post(url, headers=m.as_["coordinator"], json={"languages": "lv+en"}), 201)
        credential = ok(client.get(f"{url}/credential.json", headers=m.as_["learner"]))
        edc = ok(client.get(f"{url}/edc.json", headers=m.as_["learner"]))
        sealed = client.get(f"{url}/edc.jwt", headers=m.as_["learner"])
        assert (sealed.status_code, sealed.headers["content-type"]) == (200, "application/vc+jwt")
        yield Issued(client, m, certificate, credential, edc, sealed.text)


def revoke(issued: Issued) -> None:
    ok(
        issued.client.post(
            f"{API}/certificates/{issued.certificate['id']}/revocation",
            headers=issued.mobility.as_["validator"],
            json={"reason": "Issued for the wrong learner"},
        )
    )


def test_digital_bazaar_verifies_the_open_badge_then_finds_it_revoked(issued: Issued) -> None:
    fresh = digital_bazaar(issued.credential)
    assert (fresh.verified, fresh.error) == (True, None)
    assert (fresh.checked_status, fresh.revoked) == (True, False)  # the signed list was read and verified

    revoke(issued)
    after = digital_bazaar(issued.credential)
    assert (after.checked_status, after.revoked) == (True, True)


def test_one_changed_character_of_the_achieved_level_is_an_invalid_signature(issued: Issued) -> None:
    changed = copy.deepcopy(issued.credential)
    result = changed["credentialSubject"]["result"][0]
    result["achievedLevel"] = result["achievedLevel"][:-1] + ("5" if result["achievedLevel"][-1] != "5" else "6")
    verdict = digital_bazaar(changed)
    assert not verdict.verified
    assert "Invalid signature" in str(verdict.error)


def test_the_sealed_european_digital_credential_verifies_with_jose_and_is_revoked_with_the_statement(
    issued: Issued,
) -> None:
    assert issued.sealed_edc.count(".") == 2  # a compact JWS around the credential
    fresh = digital_bazaar(issued.sealed_edc)
    assert (fresh.verified, fresh.error, fresh.checked_status, fresh.revoked) == (True, None, True, False)

    header, payload, signature = issued.sealed_edc.split(".")
    changed = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    changed["credentialSubject"]["fullName"] = {
        k: [v[0] + "x"] for k, v in changed["credentialSubject"]["fullName"].items()
    }
    forged_payload = base64.urlsafe_b64encode(json.dumps(changed).encode()).rstrip(b"=").decode()
    forged = digital_bazaar(f"{header}.{forged_payload}.{signature}")
    assert (forged.verified, forged.error) == (False, "signature verification failed")

    revoke(issued)
    assert digital_bazaar(issued.sealed_edc).revoked
