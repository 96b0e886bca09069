"""A verifier reads whether a credential was revoked from the school's status list (W3C Bitstring Status List), as
named in the credential itself: the bit is clear while the certificate is in force and set once it is revoked."""

from __future__ import annotations

import base64
import gzip

from fastapi.testclient import TestClient

from digcomp.credentials import status_list
from digcomp.store.db import Database
from tests.journey import API, ok, validated_mobility


def bits_of(encoded_list: str) -> bytes:
    """The list decoded independently of digcomp: multibase 'u' (base64url, no padding), then GZIP."""
    assert encoded_list.startswith("u")
    data = encoded_list[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def test_bits_are_numbered_from_the_first_bytes_most_significant_bit() -> None:
    bits = bits_of(status_list.encode([0, 9, status_list.LIST_SIZE - 1]))
    assert len(bits) * 8 == status_list.LIST_SIZE == 131_072
    assert (bits[0], bits[1], bits[-1]) == (0x80, 0x40, 0x01)
    assert sum(bin(byte).count("1") for byte in bits) == 3
    assert status_list.is_set(status_list.encode([5]), 5)
    assert not status_list.is_set(status_list.encode([5]), 4)


def test_revoking_a_certificate_sets_its_bit_in_the_schools_list(client: TestClient, database: Database) -> None:
    m = validated_mobility(client, database)
    other = validated_mobility(client, database, "Liepājas Valsts tehnikums")
    certificate = f"{API}/mobilities/{m.id}/certificate"
    issued = ok(client.post(certificate, headers=m.as_["coordinator"], json={"languages": "lv+en"}), 201)
    ok(client.post(f"{API}/mobilities/{other.id}/certificate", headers=other.as_["coordinator"], json={}), 201)
    credential = ok(client.get(f"{certificate}/credential.json", headers=m.as_["learner"]))
    status = credential["credentialStatus"]
    assert (status["type"], status["statusPurpose"]) == ("BitstringStatusListEntry", "revocation")
    position = int(status["statusListIndex"])
    assert status["id"] == f"{status['statusListCredential']}#{position}"

    def read_list() -> dict:
        answer = client.get(status["statusListCredential"].removeprefix("http://testserver"))  # public: no login
        assert (answer.status_code, answer.headers["content-type"]) == (200, "application/ld+json")
        return answer.json()

    before = read_list()
    assert before["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert before["issuer"] == credential["issuer"]["id"]  # the school that issued the credential
    assert before["credentialSubject"]["statusPurpose"] == "revocation"
    assert not any(bits_of(before["credentialSubject"]["encodedList"]))  # nothing revoked yet, at any position

    revocation = {"reason": "Issued for the wrong group"}
    ok(client.post(f"{API}/certificates/{issued['id']}/revocation", headers=m.as_["validator"], json=revocation))
    after = bits_of(read_list()["credentialSubject"]["encodedList"])
    assert after[position // 8] & (0x80 >> (position % 8))
    assert sum(bin(byte).count("1") for byte in after) == 1  # only this certificate's bit
    assert "wrong group" not in str(read_list())  # the reason stays with the school

    other_credential = ok(
        client.get(f"{API}/mobilities/{other.id}/certificate/credential.json", headers=other.as_["learner"])
    )
    other_list = client.get(
        other_credential["credentialStatus"]["statusListCredential"].removeprefix("http://testserver")
    )
    assert not any(bits_of(other_list.json()["credentialSubject"]["encodedList"]))  # another school's list is apart


def test_status_list_addresses_refuse_what_does_not_exist(client: TestClient) -> None:
    assert client.get(f"{API}/organisations/999999/status-lists/0").status_code == 404
    assert client.get(f"{API}/organisations/1/status-lists/-1").status_code == 422
