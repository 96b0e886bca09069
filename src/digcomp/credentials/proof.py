"""W3C Data Integrity proofs on JSON credentials, made with the school's Ed25519 credential key, in the two
cryptosuites of the W3C Recommendation "Data Integrity EdDSA Cryptosuites v1.0" (https://www.w3.org/TR/vc-di-eddsa/):

- ``eddsa-rdfc-2022`` for the Open Badges credential and the revocation list: the credential is read as linked data
  through its published contexts (vendored, see ``contexts``) and canonicalised with RDFC-1.0 (pyld's URDNA2015), as
  1EdTech's Open Badges 3.0 conformance requires of Data Integrity proofs;
- ``eddsa-jcs-2022`` for the European Digital Credential, whose ELM context redefines the protected VC term
  ``description`` and so cannot be canonicalised as RDF: the JSON itself is signed in its RFC 8785 canonical form,
  and the proof carries the document's ``@context`` (§3.3.1 step 2).

Credentials issued before 2026-12 carry an ``eddsa-jcs-2022`` proof without its ``@context`` (the signed bytes were
the same); they still verify, and the check says they were made in that earlier format.

The verification method is a URL ``<issuer profile>#<public key multibase>``; the issuer profile (public) lists
the key as a ``Multikey`` (W3C Controlled Identifiers v1.0), so a verifier finds it from the credential alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import base58
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

from digcomp.credentials import contexts
from digcomp.credentials.keyfiles import create_once, write_private
from digcomp.errors import Phrase

ED25519_MULTICODEC = b"\xed\x01"  # the multicodec prefix of an Ed25519 public key in a Multikey
DEV_CREDENTIAL_KEY_FILE = "dev-credential-ed25519.pem"


@dataclass(frozen=True)
class CredentialKey:
    """The school's Ed25519 key for credential proofs: a PEM (PKCS#8) file, maybe passphrase-protected."""

    pem: Path
    passphrase: bytes = b""
    development: bool = False

    def private_key(self) -> Ed25519PrivateKey:
        return _load(self)

    def multikey(self) -> str:
        return public_multikey(self.private_key().public_key())


@cache
def _load(key: CredentialKey) -> Ed25519PrivateKey:
    try:
        private = serialization.load_pem_private_key(key.pem.read_bytes(), password=key.passphrase or None)
    except (OSError, ValueError, TypeError) as exc:
        raise ValueError(f"cannot read the credential key {key.pem}: {exc}") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError(f"the credential key {key.pem} is not an Ed25519 key")
    return private


def development_key(folder: Path) -> CredentialKey:
    """A development key in ``folder``, created on first use (never in the repository)."""
    path = folder / DEV_CREDENTIAL_KEY_FILE

    def create() -> None:
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        write_private(path, pem)

    create_once(folder, path, create)
    return CredentialKey(path, development=True)


def public_multikey(public_key: Ed25519PublicKey) -> str:
    """The key as a Multikey's ``publicKeyMultibase``: base58btc of the multicodec prefix and the raw key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58.b58encode(ED25519_MULTICODEC + raw).decode("ascii")


def key_from_multikey(multikey: str) -> Ed25519PublicKey:
    """The public key of a ``publicKeyMultibase``; ValueError if it is not an Ed25519 Multikey."""
    if not multikey.startswith("z"):
        raise ValueError("a publicKeyMultibase is base58btc: it starts with 'z'")
    decoded = base58.b58decode(multikey[1:])
    if len(decoded) != 34 or not decoded.startswith(ED25519_MULTICODEC):
        raise ValueError("not an Ed25519 public key")
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


def verification_method(profile_url: str, key: CredentialKey) -> dict[str, Any]:
    """The key as the issuer profile lists it."""
    multikey = key.multikey()
    return {
        "id": f"{profile_url}#{multikey}",
        "type": "Multikey",
        "controller": profile_url,
        "publicKeyMultibase": multikey,
    }


RDFC = "eddsa-rdfc-2022"
JCS = "eddsa-jcs-2022"


def _canonical(document: dict[str, Any], cryptosuite: str) -> bytes:
    if cryptosuite == JCS:
        return rfc8785.dumps(document)
    named = document.get("@context", [])
    for url in named if isinstance(named, list) else [named]:
        if isinstance(url, str):
            contexts.context(url)  # UnknownContext, before pyld wraps it in its own error
    try:
        nquads = jsonld.normalize(
            document,
            {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": contexts.load_document},
        )
    except jsonld.JsonLdError as exc:
        raise ValueError(f"the document cannot be read as linked data: {exc.type}") from None
    return str(nquads).encode("utf-8")


def _hash_data(document: dict[str, Any], proof: dict[str, Any]) -> bytes:
    """What is signed (vc-di-eddsa §3.2.3 and §3.3.3): SHA-256 of the canonical proof configuration — the proof
    without its value, in the document's ``@context`` — followed by SHA-256 of the canonical document without its
    proof."""
    cryptosuite = str(proof.get("cryptosuite"))
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    if "@context" in document:
        config["@context"] = document["@context"]
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    return (
        hashlib.sha256(_canonical(config, cryptosuite)).digest()
        + hashlib.sha256(_canonical(unsecured, cryptosuite)).digest()
    )


def add_proof(
    document: dict[str, Any],
    key: CredentialKey,
    method: str,
    created: dt.datetime,
    cryptosuite: str = RDFC,
    purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """The document with a ``DataIntegrityProof`` made by ``key``, announced as verification method ``method``."""
    proof: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": cryptosuite,
        "created": created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verificationMethod": method,
        "proofPurpose": purpose,
    }
    if cryptosuite == JCS and "@context" in document:
        proof = {"@context": document["@context"], **proof}
    signature = key.private_key().sign(_hash_data(document, proof))
    proof["proofValue"] = "z" + base58.b58encode(signature).decode("ascii")
    return {**document, "proof": [*_proofs(document), proof]}  # a proof set, as Open Badges 3.0's schema has it


@dataclass(frozen=True)
class ProofCheck:
    """The outcome of checking a document's proof: ``valid``, or the problem in ``problem``; ``earlier_format``:
    an ``eddsa-jcs-2022`` proof from before its ``@context`` was carried in the proof."""

    valid: bool
    problem: Phrase | None = None
    method: str = ""
    earlier_format: bool = False


def _proofs(document: dict[str, Any]) -> list[Any]:
    proof = document.get("proof", [])
    return proof if isinstance(proof, list) else [proof]


def check_proof(document: dict[str, Any], resolve: Callable[[str], Ed25519PublicKey | None]) -> ProofCheck:
    """Check each of the document's proofs with the key that ``resolve`` finds for its verification method (None:
    not a key of the issuer); valid when there is at least one and all hold."""
    proofs = _proofs(document)
    if not proofs:
        return ProofCheck(False, Phrase("the credential carries no proof"))
    checks = [_check(document, proof, resolve) for proof in proofs]
    return next((check for check in checks if not check.valid), checks[0])


def _check(document: dict[str, Any], proof: Any, resolve: Callable[[str], Ed25519PublicKey | None]) -> ProofCheck:
    if not isinstance(proof, dict):
        return ProofCheck(False, Phrase("the credential carries no proof"))
    method = str(proof.get("verificationMethod", ""))
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") not in (RDFC, JCS):
        return ProofCheck(
            False,
            Phrase("the proof is not a DataIntegrityProof of cryptosuite {suite}", suite=f"{RDFC} or {JCS}"),
            method,
        )
    if proof.get("proofPurpose") != "assertionMethod":
        return ProofCheck(False, Phrase("the proof was not made to assert the credential"), method)
    if "@context" in proof and proof["@context"] != document.get("@context"):
        return ProofCheck(False, Phrase("the proof was made for other contexts than the credential's"), method)
    public_key = resolve(method)
    if public_key is None:
        return ProofCheck(False, Phrase("the key that made the proof is not the issuer's"), method)
    value = str(proof.get("proofValue", ""))
    try:
        signature = base58.b58decode(value[1:]) if value.startswith("z") else b""
        public_key.verify(signature, _hash_data(document, proof))
    except contexts.UnknownContext as exc:
        return ProofCheck(False, Phrase("the credential names a context this service does not know: {url}", url=exc))
    except (InvalidSignature, ValueError):
        return ProofCheck(
            False, Phrase("the proof does not match the credential: it was changed after signing"), method
        )
    earlier = proof.get("cryptosuite") == JCS and "@context" not in proof and "@context" in document
    return ProofCheck(True, method=method, earlier_format=earlier)
