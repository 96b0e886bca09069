"""The European Digital Credential sealed the way the EU's own infrastructure seals it — an enveloping JSON Web
Signature over the credential — in the W3C form "Securing Verifiable Credentials using JOSE and COSE" (VC-JOSE-COSE):
a compact JWS of media type ``application/vc+jwt`` whose payload is the credential, signed with the school's Ed25519
credential key (JOSE algorithm ``Ed25519``, RFC 9864) and naming in ``kid`` the verification method its public
profile lists.

Why enveloping: the Europass Digital Credentials Infrastructure seals credentials with JAdES, a JWS profile, around
the credential; the credential JSON itself stays exactly what EBSI's Europass EDC schema describes (its ``proof`` is
only a placeholder), so an embedded Data Integrity proof would break that schema. What the Europass wallet requires
beyond this — a qualified electronic seal by a certificate on the EU trust list — is the school's to add (README).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from digcomp.credentials.proof import CredentialKey, ProofCheck
from digcomp.errors import Phrase

ALGORITHM = "Ed25519"
MEDIA_TYPE = "application/vc+jwt"
# The wallet's display images make an EDC a few hundred kB; the size of what is checked is bounded by the upload limit.
REGISTRY = jws.JWSRegistry(algorithms=[ALGORITHM])
REGISTRY.max_payload_length = 64 * 1024 * 1024


def seal(credential: dict[str, Any], key: CredentialKey, method: str) -> str:
    """The credential as a compact JWS (``application/vc+jwt``) made with ``key``, announced as ``method``."""
    private = key.private_key().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    header = {"alg": ALGORITHM, "typ": "vc+jwt", "cty": "vc", "kid": method}
    payload = json.dumps(credential, ensure_ascii=False, indent=2).encode("utf-8")
    return str(jws.serialize_compact(header, payload, OKPKey.import_key(private), registry=REGISTRY))


def is_sealed(text: str) -> bool:
    """A compact JWS (three base64url parts) rather than a JSON document."""
    return text.lstrip()[:2] == "ey" and text.count(".") == 2


def payload(token: str) -> str:
    """The sealed credential's JSON text, exactly as signed (the seal is not checked here)."""
    return str(jws.extract_compact(token.strip().encode("ascii"), registry=REGISTRY).payload.decode("utf-8"))


def check_seal(
    token: str, resolve: Callable[[str], Ed25519PublicKey | None]
) -> tuple[dict[str, Any] | None, ProofCheck]:
    """The credential inside a seal, and whether the seal holds with the key ``resolve`` finds for its ``kid``."""
    try:
        extracted = jws.extract_compact(token.strip().encode("ascii"), registry=REGISTRY)
        credential = json.loads(extracted.payload.decode("utf-8"))
    except (JoseError, ValueError, UnicodeError):
        return None, ProofCheck(False, Phrase("this is not a sealed credential (a JSON Web Signature)"))
    if not isinstance(credential, dict):
        return None, ProofCheck(False, Phrase("this is not a sealed credential (a JSON Web Signature)"))
    header = extracted.protected
    method = str(header.get("kid", ""))
    if header.get("alg") != ALGORITHM:
        return credential, ProofCheck(False, Phrase("the seal is not an {algorithm} signature", algorithm=ALGORITHM))
    public_key = resolve(method)
    if public_key is None:
        return credential, ProofCheck(False, Phrase("the key that made the proof is not the issuer's"), method)
    raw = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    try:
        jws.deserialize_compact(token.strip(), OKPKey.import_key(raw), registry=REGISTRY)
    except (JoseError, ValueError):
        return credential, ProofCheck(
            False, Phrase("the proof does not match the credential: it was changed after signing"), method
        )
    return credential, ProofCheck(True, method=method)
