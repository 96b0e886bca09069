"""The published JSON-LD contexts digcomp's credentials and profiles name, vendored in ``vocab/`` (sources in
vocab/README.md), and a document loader that serves only them: canonicalising a credential never touches the
network, and a context nobody vendored is refused rather than fetched."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CID_CONTEXT = "https://www.w3.org/ns/cid/v1"  # W3C Controlled Identifiers: verificationMethod, assertionMethod

VOCAB = Path(__file__).with_name("vocab")
FILES = {
    VC_CONTEXT: VOCAB / "credentials-v2.jsonld",
    OB_CONTEXT: VOCAB / "ob-context-3.0.3.jsonld",
    CID_CONTEXT: VOCAB / "cid-v1.jsonld",
}


class UnknownContext(ValueError):
    """A document names a JSON-LD context that is not vendored here."""


@cache
def context(url: str) -> dict[str, Any]:
    """The published context document at ``url``."""
    path = FILES.get(url)
    if path is None:
        raise UnknownContext(url)
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def load_document(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld's document loader over the vendored contexts only."""
    return {"contextUrl": None, "documentUrl": url, "document": context(url)}
