"""The issuing school's signing key, and PAdES signing with pyHanko (the machine-readable credential is
attached first, as an associated file, so the signature covers it). With a timestamp authority configured the
signature is PAdES B-LT: timestamped, with the certificates and revocation data that validate it embedded, so it can
still be checked once the signing certificate has expired."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from PIL import ImageCms
from PIL.ImageCms import ImageCmsProfile
from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils import embed, generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR, ExpandedName, XmpArray, XmpStructure, XmpValue
from pyhanko.pdf_utils.metadata.xmp_xml import MetadataStream
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError, PathValidationError
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from digcomp.credentials.keyfiles import create_once, write_private
from digcomp.credentials.proof import CredentialKey, development_key
from digcomp.errors import Unavailable
from digcomp.settings import Settings

DEV_KEY_FILE = "dev-signing.p12"
DEV_PASSPHRASE_FILE = "dev-signing.passphrase"


class LoadedKeySigner(signers.SimpleSigner):
    """pyHanko's in-memory signer, with the private key parsed once. ``SimpleSigner`` parses (and, for RSA, checks)
    the key on every signature — about 90 ms for an RSA-3072 key — where the signing itself takes about 2 ms."""

    def __init__(self, signer: signers.SimpleSigner) -> None:
        super().__init__(
            signing_cert=signer.signing_cert,
            signing_key=signer.signing_key,
            cert_registry=signer.cert_registry,
            signature_mechanism=signer.signature_mechanism,
        )
        self._private = serialization.load_der_private_key(signer.signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._private, rsa.RSAPrivateKey):
            return self._private.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if mechanism == "ecdsa" and isinstance(self._private, ec.EllipticCurvePrivateKey):
            return self._private.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        return super().sign_raw(data, digest_algorithm)  # other mechanisms: pyHanko's own path

    def reserve(self, timestamped: bool) -> int:
        """Bytes to reserve for the signature (no dry run): the certificates it carries, the signature value and
        the CMS structure, and room for a timestamp token."""
        certificates = sum(len(c.dump()) for c in self.cert_registry)
        if self.signing_cert is not None:
            certificates += len(self.signing_cert.dump())
        return 4096 + 2 * certificates + (12288 if timestamped else 0)


@dataclass(frozen=True)
class Timestamping:
    """An RFC 3161 timestamp authority, and the CA certificates that anchor the signing and the timestamping
    certificates' chains (besides the self-signed ones in the PKCS#12 file)."""

    url: str
    trust_roots: tuple[Path, ...] = ()


@dataclass(frozen=True)
class SigningKey:
    """The school's keys: a PKCS#12 file for the PDF signature, an Ed25519 key for the JSON credentials' proofs;
    and, when configured, the timestamp authority that makes the PDF signatures long-term (PAdES B-LT)."""

    p12: Path
    passphrase: bytes
    development: bool
    credential: CredentialKey
    timestamping: Timestamping | None = None

    def signer(self) -> LoadedKeySigner:
        signer = signers.SimpleSigner.load_pkcs12(str(self.p12), passphrase=self.passphrase)  # type: ignore[no-untyped-call]
        if not isinstance(signer, signers.SimpleSigner):
            raise ValueError(f"cannot read the signing key {self.p12}: wrong passphrase or not a PKCS#12 file")
        return LoadedKeySigner(signer)

    def fingerprint(self) -> str:
        return certificate_fingerprint(self.signer().signing_cert)


@cache
def loaded_signer(key: SigningKey) -> LoadedKeySigner:
    """The key's signer, read once per process."""
    return key.signer()


def _certificate(key: SigningKey) -> asn1_x509.Certificate:
    certificate = loaded_signer(key).signing_cert
    if certificate is None:
        raise ValueError(f"the signing key {key.p12} carries no certificate")
    return certificate


@cache
def key_fingerprint(key: SigningKey) -> str:
    return certificate_fingerprint(_certificate(key))


def key_subject(key: SigningKey) -> str:
    """The signer as people read it (the certificate's subject)."""
    return str(_certificate(key).subject.human_friendly)


def certificate_fingerprint(cert: asn1_x509.Certificate) -> str:
    return hashlib.sha256(cert.dump()).hexdigest()


def signing_key(settings: Settings) -> SigningKey:
    """The configured school key (DIGCOMP_SIGNING_P12 + DIGCOMP_SIGNING_PASSPHRASE), or a development key
    generated on first use in the data directory — never in the repository."""
    folder = Path(settings.data_dir) / "signing"
    credential = credential_key(settings)
    timestamping = Timestamping(settings.tsa_url, tuple(settings.trust_roots)) if settings.tsa_url else None
    if settings.signing_p12 is not None:
        passphrase = settings.signing_passphrase.get_secret_value().encode() if settings.signing_passphrase else b""
        return SigningKey(Path(settings.signing_p12), passphrase, False, credential, timestamping)
    key_file, passphrase_file = folder / DEV_KEY_FILE, folder / DEV_PASSPHRASE_FILE
    create_once(folder, key_file, lambda: _create_development_key(folder, key_file, passphrase_file))
    return SigningKey(key_file, passphrase_file.read_bytes().strip(), True, credential, timestamping)


def credential_key(settings: Settings) -> CredentialKey:
    """The school's Ed25519 key for its JSON credentials' proofs (DIGCOMP_CREDENTIAL_KEY + passphrase), or a
    development key generated on first use in the data directory."""
    if settings.credential_key is None:
        return development_key(Path(settings.data_dir) / "signing")
    secret = settings.credential_key_passphrase
    return CredentialKey(Path(settings.credential_key), secret.get_secret_value().encode() if secret else b"")


def _create_development_key(folder: Path, key_file: Path, passphrase_file: Path) -> None:
    os.chmod(folder, 0o700)  # ``create_once`` made it; an older one may be wider
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "digcomp development signing key (not for real certificates)"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "digcomp"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * 10))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    passphrase = secrets.token_urlsafe(24).encode()
    blob = pkcs12.serialize_key_and_certificates(
        b"digcomp-dev", key, cert, None, serialization.BestAvailableEncryption(passphrase)
    )
    write_private(passphrase_file, passphrase)
    write_private(key_file, blob)  # last: its presence means the pair is complete


@dataclass(frozen=True)
class Attachment:
    """A machine-readable file carried inside the PDF (an associated file: the PDF's content as data)."""

    name: str
    data: bytes
    media_type: str
    description: str


PDFA_ID = "http://www.aiim.org/pdfa/ns/id/"
PDF_NS = "http://ns.adobe.com/pdf/1.3/"
DC_NS = "http://purl.org/dc/elements/1.1/"


@cache
def _srgb_profile() -> bytes:
    """An sRGB ICC profile (made by LittleCMS through Pillow): the output intent of a PDF/A document in RGB."""
    return ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _declare_pdfa3b(writer: IncrementalPdfFileWriter, languages: Sequence[str]) -> None:
    """What PDF/A-3b asks beyond embedded fonts (reportlab embeds them): an sRGB output intent, XMP metadata that
    repeats the document information and names the PDF/A part and conformance, and the document's language
    (reportlab sets it). The signature's incremental update writes the XMP, so it matches the final /Info."""
    profile = generic.StreamObject({generic.NameObject("/N"): generic.NumberObject(3)}, stream_data=_srgb_profile())  # type: ignore[no-untyped-call]
    profile.compress()  # type: ignore[no-untyped-call]
    intent = generic.DictionaryObject(  # type: ignore[no-untyped-call]
        {
            generic.NameObject("/Type"): generic.NameObject("/OutputIntent"),
            generic.NameObject("/S"): generic.NameObject("/GTS_PDFA1"),
            generic.NameObject("/OutputConditionIdentifier"): generic.TextStringObject("sRGB IEC61966-2.1"),
            generic.NameObject("/Info"): generic.TextStringObject("sRGB IEC61966-2.1"),
            generic.NameObject("/DestOutputProfile"): writer.add_object(profile),
        }
    )
    writer.root[generic.NameObject("/OutputIntents")] = generic.ArrayObject([writer.add_object(intent)])
    writer.update_root()  # type: ignore[no-untyped-call]
    view, meta = writer.document_meta_view, writer.document_meta
    meta.title, meta.author, meta.subject = view.title, view.author, view.subject
    meta.creator, meta.created = view.creator, view.created
    # PDF/A wants every /Info entry that has an XMP twin to agree with it (veraPDF compares them). pyHanko writes
    # itself as XMP pdf:Producer but appends itself to the /Info one, and writes keywords as pdf:keywords, a name
    # outside the pdf schema (pyHanko 0.38). So /Info /Producer is set to what XMP will say; keywords (kept in
    # /Info as reportlab wrote them) and /Trapped reach XMP under their schema names, not through pyHanko.
    info = writer.trailer["/Info"].get_object()
    info[generic.NameObject("/Producer")] = generic.TextStringObject(VENDOR)
    writer.update_container(info)
    schema = [(ExpandedName(PDFA_ID, "part"), XmpValue("3")), (ExpandedName(PDFA_ID, "conformance"), XmpValue("B"))]
    if view.keywords:
        schema.append((ExpandedName(PDF_NS, "Keywords"), XmpValue(",".join(view.keywords))))
    if languages:
        schema.append(
            (ExpandedName(DC_NS, "language"), XmpValue(XmpArray.unordered(XmpValue(code) for code in languages)))
        )
    trapped = info.get("/Trapped")
    if trapped is not None:
        schema.append((ExpandedName(PDF_NS, "Trapped"), XmpValue(str(trapped).lstrip("/"))))
    # A metadata stream holding these from the start: pyHanko merges its own fields into it (extra structures
    # would be written again on each of its writes).
    stream = MetadataStream.from_xmp([XmpStructure.of(*schema)])
    writer.root[generic.NameObject("/Metadata")] = writer.add_object(stream)
    writer.update_root()  # type: ignore[no-untyped-call]


@cache
def _trust_roots(key: SigningKey) -> list[asn1_x509.Certificate]:
    configured = key.timestamping.trust_roots if key.timestamping else ()
    signer = loaded_signer(key)
    own = [c for c in [signer.signing_cert, *signer.cert_registry] if c is not None and c.self_signed != "no"]
    return [*own, *(cert for path in configured for cert in load_certs_from_pemder([str(path)]))]  # type: ignore[no-untyped-call]


def _validation_context(key: SigningKey) -> ValidationContext:
    """Where the signature's validation data comes from: a fresh context per signature, so the revocation data
    embedded is fetched now (OCSP or CRL, from the URLs in the certificates) and never a cached older answer."""
    return ValidationContext(
        trust_roots=_trust_roots(key),
        other_certs=list(loaded_signer(key).cert_registry),
        allow_fetching=True,
        revocation_mode="hard-fail",  # a certificate that names a revocation service must have its answer embedded
    )


def sign_pdf(
    pdf: bytes,
    key: SigningKey,
    *,
    attachments: list[Attachment],
    reason: str,
    location: str,
    languages: Sequence[str] = (),
) -> bytes:
    """Attach the machine-readable files (as associated files of the document), declare the document PDF/A-3b and
    sign with a PAdES signature: B-B, or B-LT when the key has a timestamp authority. ``languages``: every language
    the document is written in (XMP dc:language; the catalog's /Lang names the first)."""
    signer = loaded_signer(key)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    _declare_pdfa3b(writer, languages)
    for attachment in attachments:
        embedded = embed.EmbeddedFileObject.from_file_data(
            writer,
            data=attachment.data,
            mime_type=attachment.media_type,
            params=embed.EmbeddedFileParams(
                embed_size=True, embed_checksum=True, modification_date=dt.datetime.now(dt.UTC)
            ),
        )
        spec = embed.FileSpec(
            file_spec_string=attachment.name,
            file_name=attachment.name,
            embedded_data=embedded,
            description=attachment.description,
            af_relationship=generic.NameObject("/Data"),
        )
        embed.embed_file(writer, spec)
    long_term = key.timestamping is not None
    meta = signers.PdfSignatureMetadata(
        field_name="SchoolSignature",
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        embed_validation_info=long_term,
        validation_context=_validation_context(key) if long_term else None,
    )
    timestamper = timestamps.HTTPTimeStamper(key.timestamping.url) if key.timestamping else None
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper)
    try:
        out = pdf_signer.sign_pdf(writer, bytes_reserved=signer.reserve(timestamped=long_term))
    except TimestampRequestError:
        raise Unavailable("the timestamp authority did not answer; nothing was signed, try again later") from None
    except (SigningError, PathBuildingError, PathValidationError) as exc:
        if not long_term:
            raise
        raise Unavailable(
            "the signature's validation data could not be collected ({error}); nothing was signed",
            error=str(exc),
        ) from None
    return out.getvalue()  # type: ignore[no-any-return]


@dataclass(frozen=True)
class KeyStatus:
    development: bool
    subject: str
    fingerprint: str
    not_valid_after: dt.datetime
    days_left: int
    long_term: bool  # signatures are timestamped (PAdES B-LT)


def key_status(key: SigningKey, now: dt.datetime) -> KeyStatus:
    """What a school admin needs to know about the key its statements are signed with."""
    certificate = _certificate(key)
    expires = certificate.not_valid_after
    return KeyStatus(
        development=key.development,
        subject=key_subject(key),
        fingerprint=key_fingerprint(key),
        not_valid_after=expires,
        days_left=(expires - now).days,
        long_term=key.timestamping is not None,
    )
