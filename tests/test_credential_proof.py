"""A learner's wallet holds the Open Badges credential alone, without the PDF: anyone can check its proof with the
key published in the issuing school's profile, and a changed value, a foreign key or a revocation is found.

The proof is checked here a second time without digcomp's verifier: the key is read from the school's public
profile, the signed bytes are rebuilt from the W3C eddsa-rdfc-2022 definition with pyld (RDFC-1.0) and the Ed25519
library directly; test_independent_verification checks the same with Digital Bazaar's verifier."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from fastapi.testclient import TestClient
from pyld import jsonld

from digcomp.credentials.proof import JCS, CredentialKey, add_proof
from digcomp.credentials.signing import credential_key
from digcomp.settings import Settings
from digcomp.store.db import Database
from tests.journey import API, ok, validated_mobility
from tests.test_status_list import bits_of

SERVER = "http://testserver"
VOCAB = Path(__file__).parents[1] / "src" / "digcomp" / "credentials" / "vocab"
VENDORED = {
    "https://www.w3.org/ns/credentials/v2": VOCAB / "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": VOCAB / "ob-context-3.0.3.jsonld",
}


def issued_credential(client: TestClient, database: Database) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    m = validated_mobility(client, database)
    url = f"{API}/mobilities/{m.id}/certificate"
    issued = ok(client.post(url, headers=m.as_["coordinator"], json={"languages": "lv+en"}), 201)
    return m, issued, ok(client.get(f"{url}/credential.json", headers=m.as_["learner"]))


def published_key(client: TestClient, method: str) -> Ed25519PublicKey:
    """The key a verifier finds by following the proof's verification method to the issuer's public profile."""
    answer = client.get(method.split("#")[0].removeprefix(SERVER))  # no login: verifiers are anyone
    assert answer.status_code == 200, answer.text
    profile = answer.json()
    (entry,) = [m for m in profile["verificationMethod"] if m["id"] == method]
    assert entry["type"] == "Multikey"
    assert method in profile["assertionMethod"]
    decoded = base58.b58decode(entry["publicKeyMultibase"].removeprefix("z"))
    assert decoded[:2] == b"\xed\x01"  # multicodec: Ed25519 public key
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


def canonical(document: dict[str, Any]) -> bytes:
    def vendored(url: str, options: Any = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": json.loads(VENDORED[url].read_text())}

    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": vendored}
    return str(jsonld.normalize(document, options)).encode()


def independently_valid(client: TestClient, credential: dict[str, Any]) -> bool:
    (proof,) = credential["proof"]
    assert (proof["type"], proof["cryptosuite"], proof["proofPurpose"]) == (
        "DataIntegrityProof",
        "eddsa-rdfc-2022",
        "assertionMethod",
    )
    options = {k: v for k, v in proof.items() if k != "proofValue"} | {"@context": credential["@context"]}
    document = {k: v for k, v in credential.items() if k != "proof"}
    signed = hashlib.sha256(canonical(options)).digest() + hashlib.sha256(canonical(document)).digest()
    try:
        key = published_key(client, proof["verificationMethod"])
        key.verify(base58.b58decode(proof["proofValue"].removeprefix("z")), signed)
    except InvalidSignature:
        return False
    return True


def verify_json(client: TestClient, credential: dict[str, Any]) -> dict[str, Any]:
    upload = {"file": ("credential.json", json.dumps(credential).encode(), "application/json")}
    return ok(client.post(f"{API}/verifications", files=upload))


def test_a_credential_carries_a_proof_anyone_can_check_with_the_schools_published_key(
    client: TestClient, database: Database
) -> None:
    _, issued, credential = issued_credential(client, database)
    assert credential["proof"][0]["verificationMethod"].startswith(credential["issuer"]["id"] + "#z6Mk")
    assert independently_valid(client, credential)
    answer = verify_json(client, credential)
    assert (answer["verdict"], answer["certificate_id"]) == ("valid", issued["id"])

    profile = client.get(credential["issuer"]["id"].removeprefix(SERVER)).json()  # the issuer id resolves
    assert profile["name"] == credential["issuer"]["name"]
    host = client.get(credential["credentialSubject"]["source"]["id"].removeprefix(SERVER))
    assert host.status_code == 200
    assert "verificationMethod" not in host.json()  # the host company signs nothing


def test_a_changed_value_is_found_by_both_verifiers(client: TestClient, database: Database) -> None:
    _, _, credential = issued_credential(client, database)
    for change in (
        lambda c: c["credentialSubject"]["result"][0].update(achievedLevel="#level-8"),
        lambda c: c["credentialSubject"]["achievement"]["alignment"].pop(),
        lambda c: c.update(validFrom="2020-01-01T00:00:00+00:00"),
        lambda c: c["proof"][0].update(created="2020-01-01T00:00:00Z"),
    ):
        changed = copy.deepcopy(credential)
        change(changed)
        assert not independently_valid(client, changed)
        answer = verify_json(client, changed)
        assert answer["verdict"] == "tampered"
        assert "changed after signing" in answer["reasons"][0]


def test_a_proof_made_with_another_key_or_none_is_refused(
    client: TestClient, database: Database, tmp_path: Path
) -> None:
    _, _, credential = issued_credential(client, database)
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    pem = tmp_path / "forger.pem"
    pem.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    forger = CredentialKey(pem)
    # claims the school's profile but names the forger's key: the profile does not list it
    forged = add_proof(unsigned, forger, f"{credential['issuer']['id']}#{forger.multikey()}", dt.datetime.now(dt.UTC))
    answer = verify_json(client, forged)
    assert (answer["verdict"], answer["reasons"]) == ("tampered", ["the key that made the proof is not the issuer's"])
    # names the school's key but was made with the forger's
    spoofed = add_proof(unsigned, forger, credential["proof"][0]["verificationMethod"], dt.datetime.now(dt.UTC))
    assert verify_json(client, spoofed)["verdict"] == "tampered"
    assert not independently_valid(client, spoofed)
    assert verify_json(client, unsigned)["reasons"] == ["the credential carries no proof"]


def test_a_revoked_credential_is_revoked_in_the_register_and_its_signed_status_list(
    client: TestClient, database: Database
) -> None:
    m, issued, credential = issued_credential(client, database)
    revocation = {"reason": "Issued for the wrong group"}
    ok(client.post(f"{API}/certificates/{issued['id']}/revocation", headers=m.as_["validator"], json=revocation))
    assert verify_json(client, credential)["verdict"] == "revoked"

    status = credential["credentialStatus"]
    status_list = client.get(status["statusListCredential"].removeprefix(SERVER)).json()
    assert independently_valid(client, status_list)  # the list is signed by the school's key too
    position = int(status["statusListIndex"])
    assert bits_of(status_list["credentialSubject"]["encodedList"])[position // 8] & (0x80 >> (position % 8))


def test_the_profile_of_an_organisation_no_certificate_names_is_not_published(
    client: TestClient, database: Database
) -> None:
    m = validated_mobility(client, database)  # validated, but no certificate issued yet
    assert client.get(f"{API}/organisations/{m.school}/profile").status_code == 404
    assert client.get(f"{API}/organisations/999999/profile").status_code == 404


def test_a_broken_json_upload_gets_a_clear_refusal(client: TestClient) -> None:
    for body in (b"{not json", b'{"a": 1e999999}', b"[1, 2]" + b" " * 3, b'{"a": "\\ud800"}'):
        answer = client.post(f"{API}/verifications", files={"file": ("c.json", body, "application/json")})
        assert answer.status_code in (200, 422), body
        if answer.status_code == 422:
            assert "JSON" in answer.json()["detail"] or "PDF" in answer.json()["detail"]
        else:
            assert answer.json()["verdict"] == "tampered"


def test_a_credential_signed_in_the_earlier_proof_format_still_verifies_and_says_so(
    client: TestClient, database: Database, settings: Settings
) -> None:
    """Issued before 2026-12: eddsa-jcs-2022 with the document's @context signed but not carried in the proof."""
    _, issued, credential = issued_credential(client, database)
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    method = credential["proof"][0]["verificationMethod"]
    earlier = add_proof(unsigned, credential_key(settings), method, dt.datetime.now(dt.UTC), JCS)
    del earlier["proof"][0]["@context"]
    answer = verify_json(client, earlier)
    assert (answer["verdict"], answer["certificate_id"]) == ("valid", issued["id"])
    assert "signed with the earlier proof format (eddsa-jcs-2022 without its @context)" in answer["reasons"]
    earlier["credentialSubject"]["result"][0]["achievedLevel"] += "0"
    assert verify_json(client, earlier)["verdict"] == "tampered"
