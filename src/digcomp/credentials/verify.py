"""Verify a signed statement: is the signature intact, does it cover the whole file, which key signed it, and
what the issuer's register says (known, revoked). Works offline from the file alone for everything but the
register, which the caller supplies."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from digcomp.credentials import envelope
from digcomp.credentials.proof import CredentialKey, ProofCheck, check_proof
from digcomp.credentials.signing import certificate_fingerprint
from digcomp.errors import Phrase
from digcomp.framework import Framework

ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by people
DOCUMENT_ID = re.compile(r"^[A-Z0-9-]{1,32}$")  # the shape of every id this service gives out
CREDENTIAL_FILE = "credential.json"
EDC_FILE = "edc.jwt"  # the sealed European Digital Credential, beside the Open Badges one
AGREEMENT_FILE = "agreement.json"
DOCUMENT_FILES = {CREDENTIAL_FILE: "statement", AGREEMENT_FILE: "agreement"}  # embedded file -> kind of document


def new_document_id(prefix: str, year: int) -> str:
    """A document's id in the register: ``DC-2026-…`` for a statement, ``LA-2026-…`` for a learning agreement."""
    return f"{prefix}{year}-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(10))


class Verdict(StrEnum):
    valid = "valid"
    revoked = "revoked"
    tampered = "tampered"
    unknown = "unknown"


class UnusableInput(ValueError):
    """Not something that can be verified at all (not a PDF, empty, unreadable)."""


@dataclass
class Inspection:
    """What the file itself proves, before the register is asked."""

    intact: bool
    sha256: str = ""
    problems: list[Phrase] = field(default_factory=list)
    certificate_id: str | None = None
    signer_fingerprint: str | None = None
    signer_subject: str | None = None
    signed_at: dt.datetime | None = None
    timestamp_authority: str | None = None  # a PAdES B-T/B-LT signature: who attested ``signed_at``
    long_term: bool = False  # the validation data (certificates, revocation data) is embedded: PAdES B-LT
    # SHA-256 of the file as it stood at the end of the signed revision and of each later one: the file as issued
    # is one of them when later revisions only extended it (validation data, document timestamps)
    revision_sha256: list[str] = field(default_factory=list)
    credential: dict[str, Any] | None = None  # the embedded machine-readable copy
    document: str = "statement"  # statement | agreement
    # pdf | credential (a credential on its own, checked by its proof or seal) | edc-copy (an EDC's JSON, unsealed)
    format: str = "pdf"
    earlier_proof_format: bool = False  # a credential's proof made before it carried its @context (still valid)


@dataclass(frozen=True)
class RegisterEntry:
    certificate_id: str
    signer_fingerprint: str
    holder: str
    issuer: str
    issued_at: dt.datetime
    pdf_sha256: str
    revoked_at: dt.datetime | None
    supersedes: str | None = None  # the revoked certificate this one replaced
    superseded_by: str | None = None  # the certificate issued to replace this one
    competences: list[dict[str, Any]] = field(default_factory=list)  # what the statement certifies, at a glance
    placement: dict[str, str] = field(default_factory=dict)  # host organisation, its country, the dates
    document: str = "statement"  # statement | agreement (a learning agreement: never revoked, maybe replaced)
    replaced_by_version: int | None = None  # an agreement: a later agreed plan version replaces it
    holder_erased: bool = False  # the holder's personal data was erased at their request


def stated_competence(
    framework: Framework, competence_id: str, status: str, achieved_level: int | None, target_level: int
) -> dict[str, Any]:
    """One competence as a verification answer shows it: titles and level names in every language the framework
    has. A learning agreement states planned competences (status ``planned``, the level name is the target's)."""
    competence = framework.competence_by_id.get(competence_id)
    level = framework.level_by_number.get(achieved_level or (target_level if status == "planned" else 0))
    return {
        "framework": f"{framework.name} {framework.version}",
        "competence": competence_id,
        "title": dict(competence.title) if competence else {},
        "status": status,
        "achieved_level": achieved_level,
        "level_name": dict(level.name) if level else {},
        "target_level": target_level,
    }


class VerificationResult(dict[str, Any]):
    """A JSON-ready answer: verdict, reasons, and what was found."""


def _looks_like_pdf(data: bytes) -> bool:
    return b"%PDF" in data[:1024] or b"/ByteRange" in data or b"%%EOF" in data[-2048:]


def _padding_is_clean(contents: bytes) -> bool:
    """The signature value is DER, zero-padded to its reserved size. Bytes after the DER must all be zero,
    otherwise a change in the padding would go unnoticed (CMS parsers ignore trailing bytes)."""
    if len(contents) < 2 or contents[0] != 0x30:
        return False
    first = contents[1]
    if first < 0x80:
        length, header = first, 2
    else:
        count = first & 0x7F
        length, header = int.from_bytes(contents[2 : 2 + count], "big"), 2 + count
    return not any(contents[header + length :])


def looks_like_credential(data: bytes) -> bool:
    """A JSON credential or a sealed one (a compact JWS), rather than a PDF."""
    start = data.lstrip()[:2]
    return start[:1] == b"{" or start == b"ey"


PROFILE_PATH = re.compile(r"/api/v1/organisations/[0-9]+/profile$")


def school_key(credential: dict[str, Any], key: CredentialKey) -> Callable[[str], Ed25519PublicKey | None]:
    """Resolves a proof's verification method to the school's credential key, when the method names that key in
    the profile of the credential's own issuer (this service's schools share the installation's key)."""
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer

    def resolve(method: str) -> Ed25519PublicKey | None:
        profile_url, _, multikey = method.partition("#")
        if profile_url != issuer_id or not PROFILE_PATH.search(profile_url) or multikey != key.multikey():
            return None
        return key.private_key().public_key()

    return resolve


def _is_edc(credential: dict[str, Any]) -> bool:
    types = credential.get("type", [])
    return isinstance(types, list) and "EuropeanDigitalCredential" in types


def inspect_credential(data: bytes, key: CredentialKey) -> Inspection:
    """A credential on its own, as a learner's wallet holds it: the Open Badges credential (its embedded proof), the
    sealed European Digital Credential (the JWS around it), or the EDC's JSON alone (compared with the sealed copy
    in the register by the caller). Is it intact, and made with the key of the school that issued it?"""
    text = data.decode("utf-8", errors="replace")
    check: ProofCheck | None
    if envelope.is_sealed(text):
        claimed, check = envelope.check_seal(text, lambda method: None)
        if claimed is None:
            raise UnusableInput(check.problem or Phrase("this is not a JSON credential"))
        credential, check = envelope.check_seal(text, school_key(claimed, key))
        credential = credential or claimed
    else:
        try:
            credential = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            raise UnusableInput(Phrase("this is not a JSON credential")) from None
        if not isinstance(credential, dict):
            raise UnusableInput(Phrase("this is not a JSON credential"))
        check = (
            check_proof(credential, school_key(credential, key))
            if "proof" in credential or not _is_edc(credential)
            else None
        )
    inspection = Inspection(
        intact=False, sha256=hashlib.sha256(data).hexdigest(), credential=credential, format="credential"
    )
    inspection.certificate_id = _document_id(credential)
    if check is None:  # the EDC's JSON without its seal: the register's sealed copy decides
        inspection.format = "edc-copy"
        inspection.intact = True
        return inspection
    if check.problem is not None:
        inspection.problems.append(check.problem)
        return inspection
    inspection.intact = True
    inspection.signer_subject = f"Ed25519 {check.method.rpartition('#')[2]}"
    inspection.earlier_proof_format = check.earlier_format
    return inspection


def same_credential(copy: dict[str, Any], sealed: str) -> bool:
    """Whether a credential's JSON says exactly what the sealed credential says (layout aside)."""
    try:
        original = json.loads(envelope.payload(sealed) if envelope.is_sealed(sealed) else sealed)
    except (ValueError, UnicodeError):
        return False
    return bool(rfc8785.dumps(copy) == rfc8785.dumps(original))


def inspect_pdf(data: bytes) -> Inspection:
    if not data:
        raise UnusableInput(Phrase("the file is empty"))
    if not _looks_like_pdf(data):
        raise UnusableInput(Phrase("this is not a PDF file"))
    digest = hashlib.sha256(data).hexdigest()
    validation_log = logging.getLogger("pyhanko")
    level = validation_log.level
    validation_log.setLevel(logging.CRITICAL)  # broken signatures are expected here and reported as reasons
    try:
        inspection = _inspect(data)
    except Exception as exc:
        return Inspection(
            intact=False,
            sha256=digest,
            problems=[Phrase("the file is damaged or was changed ({error})", error=type(exc).__name__)],
        )
    finally:
        validation_log.setLevel(level)
    inspection.sha256 = digest
    return inspection


def _inspect(data: bytes) -> Inspection:
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    signatures = reader.embedded_signatures
    if not signatures:
        return Inspection(intact=False, problems=[Phrase("the PDF carries no digital signature (or it was removed)")])
    signature = signatures[-1]
    cert = signature.signer_cert
    inspection = Inspection(
        intact=True,
        signer_fingerprint=certificate_fingerprint(cert),
        signer_subject=cert.subject.human_friendly,
        signed_at=signature.self_reported_timestamp,
    )
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[cert], allow_fetching=False))
    if not status.intact or not status.valid:
        inspection.problems.append(Phrase("the signature does not match the document: it was changed after signing"))
    timestamp = status.timestamp_validity
    if timestamp is not None:
        if not timestamp.intact:
            inspection.problems.append(Phrase("the signature's timestamp does not match the signature"))
        inspection.signed_at = timestamp.timestamp
        authority = timestamp.signing_cert.subject
        inspection.timestamp_authority = authority.native.get("common_name") or authority.human_friendly
    # PAdES lets later revisions add validation data (/DSS, /VRI) and document timestamps without touching the
    # signed revision: those keep the signature valid. Anything else added after signing is a change.
    extended = status.coverage is not SignatureCoverageLevel.ENTIRE_FILE
    lta_only = status.modification_level is ModificationLevel.LTA_UPDATES and _same_description(reader, signature)
    if extended and not lta_only:
        inspection.problems.append(
            Phrase("the file has content that the signature does not cover (added after signing)")
        )
    inspection.long_term = extended and "/DSS" in reader.root
    _, _, second_start, second_length = (int(n) for n in signature.byte_range)
    signed_end = second_start + second_length
    inspection.revision_sha256 = [
        hashlib.sha256(data[:end]).hexdigest() for end in _revision_ends(data) if end >= signed_end
    ]
    if len(signatures) != 1:
        inspection.problems.append(Phrase("the file carries more than one signature"))
    contents = signature.sig_object.get("/Contents")
    if contents is None or not _padding_is_clean(bytes(contents)):
        inspection.problems.append(Phrase("the signature value was altered"))
    embedded = _embedded_document(reader)
    if embedded is None:
        inspection.problems.append(Phrase("the embedded credential is missing or unreadable"))
    else:
        inspection.document, inspection.credential = embedded
        inspection.certificate_id = _document_id(inspection.credential)
    inspection.intact = not inspection.problems
    return inspection


# What a writer of validation data or timestamps may change in the document's description: its modification date,
# the tool that wrote last. pyHanko accepts any /Info or XMP change as such an update; a new title is not.
TOUCHED_BY_EXTENSIONS = {"/ModDate", "/Producer"}
XMP_TOUCHED = re.compile(
    rb'\s(?:xmp:ModifyDate|xmp:MetadataDate|pdf:Producer)="[^"]*"|<xmp:MetadataDate>[^<]*</xmp:MetadataDate>'
)


def _description(resolver: Any) -> tuple[dict[str, str], bytes]:
    """The /Info entries and the XMP packet as they read in one revision (objects looked up in that revision)."""

    def look_up(value: Any) -> Any:
        return resolver.get_object(value.reference) if isinstance(value, generic.IndirectObject) else value

    trailer = resolver.trailer_view
    info = look_up(trailer.raw_get("/Info")) if "/Info" in trailer else generic.DictionaryObject()  # type: ignore[no-untyped-call]
    described = {str(key): str(look_up(info.raw_get(key))) for key in info if key not in TOUCHED_BY_EXTENSIONS}
    root = resolver.get_object(resolver.root_ref)
    metadata = look_up(root.raw_get("/Metadata")) if "/Metadata" in root else None
    xmp = XMP_TOUCHED.sub(b"", metadata.data) if metadata is not None else b""
    return described, b" ".join(xmp.split())


def _same_description(reader: PdfFileReader, signature: Any) -> bool:
    """The document's title, author, keywords and the rest read as they did in the signed revision."""
    newest = reader.get_historical_resolver(reader.xrefs.total_revisions - 1)
    return _description(reader.get_historical_resolver(signature.signed_revision)) == _description(newest)


REVISION_END = re.compile(rb"%%EOF(?:\r\n|\r|\n)?")


def _revision_ends(data: bytes) -> list[int]:
    """Where each revision of the file ends (after its %%EOF marker and line end): the file as it was then."""
    return [match.end() for match in REVISION_END.finditer(data)]


def _resolve(value: Any) -> Any:
    return value.get_object() if hasattr(value, "get_object") else value


def _embedded_document(reader: PdfFileReader) -> tuple[str, dict[str, Any]] | None:
    """The kind and content of the machine-readable copy embedded in the PDF (a credential or an agreement)."""
    names = _resolve(reader.root.get("/Names"))
    if names is None or "/EmbeddedFiles" not in names:
        return None
    entries = _resolve(_resolve(names["/EmbeddedFiles"]).get("/Names", []))
    for index in range(0, len(entries) - 1, 2):
        kind = DOCUMENT_FILES.get(str(_resolve(entries[index])))
        if kind is not None:
            spec = _resolve(entries[index + 1])
            stream = _resolve(_resolve(spec["/EF"])["/F"])
            try:
                document = json.loads(stream.data.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                return None
            return (kind, document) if isinstance(document, dict) else None
    return None


def _document_id(document: dict[str, Any]) -> str | None:
    ident = str(document.get("id", ""))
    for marker in ("/certificates/", "/agreements/"):
        if marker in ident:
            return ident.split(marker, 1)[1].split("/", 1)[0] or None
    return None


def decide(
    inspection: Inspection | None, entry: RegisterEntry | None, certificate_id: str | None = None
) -> VerificationResult:
    """The verdict from what the file proves and what the register says. Without a file (a QR link), only
    the register speaks."""
    reasons: list[Phrase] = []
    result = VerificationResult(certificate_id=certificate_id or (inspection.certificate_id if inspection else None))
    result.update(document=entry.document if entry else (inspection.document if inspection else "statement"))
    if inspection is not None:
        result.update(signer_subject=inspection.signer_subject, signer_fingerprint=inspection.signer_fingerprint)
        if not inspection.intact:
            result.update(verdict=Verdict.tampered.value, reasons=inspection.problems)
            return result
        if inspection.format == "edc-copy":
            reasons.append(Phrase("identical to the European Digital Credential the school issued and sealed"))
        elif inspection.format == "credential":
            reasons.append(Phrase("the credential's proof is intact and was made with the issuing school's key"))
            if inspection.earlier_proof_format:
                reasons.append(Phrase("signed with the earlier proof format (eddsa-jcs-2022 without its @context)"))
        else:
            reasons.append(Phrase("the signature is intact and covers the whole document"))
        if inspection.timestamp_authority and inspection.signed_at:
            reasons.append(
                Phrase(
                    "timestamped on {date} by {authority}",
                    date=inspection.signed_at.date(),
                    authority=inspection.timestamp_authority,
                )
            )
        if inspection.long_term:
            reasons.append(
                Phrase(
                    "the data to check the signature after its certificate expires "
                    "(certificates, revocation data) is embedded"
                )
            )
    if entry is None:
        reasons.append(Phrase("no certificate with this id was issued by this service"))
        result.update(verdict=Verdict.unknown.value, reasons=reasons)
        return result
    if entry.holder_erased:
        reasons.append(
            Phrase(
                "the statement exists, but its holder's personal data was erased at their request: the holder's copy "
                "still verifies by upload"
            )
        )
    result.update(
        holder=None if entry.holder_erased else entry.holder,
        issuer=entry.issuer,
        issued_at=entry.issued_at.isoformat(),
        placement=entry.placement,
        competences=entry.competences,
    )
    pdf = inspection if inspection is not None and inspection.format == "pdf" else None
    if pdf and pdf.signer_fingerprint != entry.signer_fingerprint:
        result.update(
            verdict=Verdict.tampered.value,
            reasons=[Phrase("the document was signed with a key that is not the issuing school's key")],
        )
        return result
    if pdf and entry.pdf_sha256 not in (pdf.sha256, *pdf.revision_sha256):
        result.update(
            verdict=Verdict.tampered.value,
            reasons=[Phrase("the file is not byte for byte the statement that was issued (its SHA-256 differs)")],
        )
        return result
    if pdf:
        reasons.append(Phrase("signed with the issuing school's key"))
        if pdf.sha256 == entry.pdf_sha256:
            reasons.append(Phrase("identical to the issued file (SHA-256)"))
        else:
            reasons.append(
                Phrase(
                    "the issued file (SHA-256 identical), extended after issuing with validation data or timestamps "
                    "only, as PAdES allows"
                )
            )
            result.update(extended=True)
    if entry.supersedes:
        reasons.append(Phrase("issued after a correction: it replaces certificate {ident}", ident=entry.supersedes))
        result.update(supersedes=entry.supersedes)
    if entry.replaced_by_version is not None:
        reasons.append(
            Phrase(
                "the plan was changed since: the agreement of plan version {number} replaces this one",
                number=entry.replaced_by_version,
            )
        )
        result.update(replaced_by_version=entry.replaced_by_version)
    if entry.superseded_by:
        reasons.append(Phrase("replaced by certificate {ident}, issued after a correction", ident=entry.superseded_by))
        result.update(superseded_by=entry.superseded_by)
    if entry.revoked_at is not None:
        # Why is the school's business (it may concern the learner): the public answer says only when.
        reasons.append(Phrase("revoked on {date}", date=entry.revoked_at.date()))
        result.update(verdict=Verdict.revoked.value, reasons=reasons, revoked_at=entry.revoked_at.isoformat())
        return result
    if entry.document == "agreement":
        if entry.replaced_by_version is None:
            reasons.append(Phrase("the plan version it records is the one in force"))
    else:
        reasons.append(Phrase("not revoked"))
    result.update(verdict=Verdict.valid.value, reasons=reasons)
    return result
