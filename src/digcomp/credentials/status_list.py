"""W3C Bitstring Status List v1.0: a school publishes which of its credentials are revoked as a list of bits that any
verifier can read (https://www.w3.org/TR/vc-bitstring-status-list/). Each certificate holds one bit, at a random
position, so the list says nothing about how many a school issued or in which order."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from digcomp.credentials.contexts import VC_CONTEXT

LIST_SIZE = 131_072  # bits in one list: the specification's minimum, for herd privacy (16 KB before compression)


class StatusEntry(BaseModel):
    """Where a credential's revocation bit is: ``index`` counts across all lists, ``list_url`` names its list."""

    list_url: str
    index: int

    @property
    def position(self) -> int:
        return self.index % LIST_SIZE

    def elm_status(self) -> dict[str, Any]:
        """The same bit as a European Digital Credential states it: EBSI's Europass EDC schema allows only an id and
        the generic type there; the id is the bit's address in the list (the list's URL, the position after #)."""
        return {"id": f"{self.list_url}#{self.position}", "type": "CredentialStatus"}

    def credential_status(self) -> dict[str, Any]:
        return {
            "id": f"{self.list_url}#{self.position}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(self.position),
            "statusListCredential": self.list_url,
        }


def list_url(base_url: str, school_id: int, number: int) -> str:
    """Where a school's list number ``number`` is published."""
    return f"{base_url}/api/v1/organisations/{school_id}/status-lists/{number}"


def entry(base_url: str, school_id: int, index: int) -> StatusEntry:
    """The status entry of the credential holding bit ``index`` (counted across all of the school's lists)."""
    return StatusEntry(list_url=list_url(base_url, school_id, index // LIST_SIZE), index=index)


def encode(positions: Iterable[int]) -> str:
    """The list with the bits at ``positions`` set (the first bit is the most significant of the first byte),
    GZIP-compressed and multibase base64url-encoded, as ``encodedList`` holds it."""
    bits = bytearray(LIST_SIZE // 8)
    for position in positions:
        bits[position // 8] |= 0x80 >> (position % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def is_set(encoded_list: str, position: int) -> bool:
    """The bit at ``position`` of an ``encodedList`` (as a verifier reads it)."""
    if not encoded_list.startswith("u"):
        raise ValueError("an encodedList is multibase base64url: it starts with 'u'")
    data = encoded_list[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    return bool(bits[position // 8] & (0x80 >> (position % 8)))


def status_list_credential(
    list_url: str, issuer: str, revoked: Iterable[int], valid_from: dt.datetime
) -> dict[str, Any]:
    """The list as a BitstringStatusListCredential; ``revoked`` are positions in this list. The issuer is named by
    its profile's id alone: every term of the list is then one of the VC 2.0 context, so it can be canonicalised
    as RDF and signed with ``eddsa-rdfc-2022``."""
    return {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from.isoformat(timespec="seconds"),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode(revoked),
        },
    }
