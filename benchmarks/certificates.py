"""Certificate cost: the floor — the best use of the libraries for the same work: 3 A4 pages of comparable text in the
same embedded font with a QR code, signed PAdES by pyHanko with the RSA-3072 key parsed once and the signature's size
reserved (no dry run); the Open Badges credential's eddsa-rdfc-2022 signature (pyld's RDFC-1.0, Ed25519) and the EDC's
compact Ed25519 JWS (joserfc); and, as the
European Digital Credential's wallet pictures, the same text drawn by Pillow on two greyscale A4-proportioned JPEG
images — against digcomp's issuing path (statement rendered from the template, Open Badges credential with its proof
and European Digital Credential built and attached, signed), in the same run; and bulk throughput with 1 worker and
one per core.
Usage: python benchmarks/certificates.py [--bulk 1000] [--repeat 20]"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import resource
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import qrcode
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from joserfc import jws
from joserfc.jwk import OKPKey
from PIL import Image, ImageDraw, ImageFont
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyld import jsonld
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from digcomp.credentials import contexts
from digcomp.credentials.edc import build_edc
from digcomp.credentials.issuing import render_and_sign
from digcomp.credentials.openbadge import build_credential
from digcomp.credentials.signing import SigningKey, signing_key
from digcomp.credentials.statement import CompetenceLine, Party, Person, Statement
from digcomp.credentials.template import REGULAR, load_template
from digcomp.framework import catalog
from digcomp.settings import Settings


def sample_statement(number: int = 0) -> Statement:
    fw = catalog([]).get("digcomp-2.2")
    lines = []
    for competence_id, level in (("3.1", 4), ("4.2", 4), ("2.1", 3)):
        competence = fw.competence_by_id[competence_id]
        area = fw.area_by_id[competence.area]
        statements = " ".join(s.text["en"] for s in fw.statements_at(competence_id, level))
        lines.append(
            CompetenceLine(
                framework=fw.id,
                framework_name=fw.name,
                framework_version=fw.version,
                framework_url=fw.url,
                area_id=area.id,
                area_title=dict(area.title),
                competence_id=competence_id,
                competence_title=dict(competence.title),
                status="achieved",
                achieved_level=level,
                achieved_level_name=dict(fw.level_by_number[level].name),
                level_descriptor={"en": statements},
                target_level=level,
                target_level_name=dict(fw.level_by_number[level].name),
                methods=["observation", "product"],
                outcome_text={
                    "lv": "Izglītojamais patstāvīgi sagatavo prezentāciju viesiem",
                    "en": "Independently prepares a presentation for guests",
                },
                levels=[(lvl.number, dict(lvl.name)) for lvl in fw.levels],
            )
        )
    party = Party(
        url="https://school.example/o/1",
        name="Rīgas Digitālo prasmju tehnikums",
        country_code="LV",
        country={"lv": "Latvija", "en": "Latvia"},
        address="Krišjāņa Valdemāra iela 1, Rīga",
        reference_person="Ilze Kalniņa",
    )
    host = party.model_copy(
        update={"name": "Hotel Aurora Valencia", "country_code": "ES", "country": {"lv": "Spānija", "en": "Spain"}}
    )
    return Statement(
        certificate_id=f"DC-2026-BENCH{number:05d}",
        issued_at=dt.datetime.now(dt.UTC),
        languages=["lv", "en"],
        verification_url=f"http://127.0.0.1:8000/verify/DC-2026-BENCH{number:05d}",
        holder=Person(given_name="Jānis", family_name="Bērziņš"),
        holder_date_of_birth=None,
        holder_identity_hash="sha256$" + "0" * 64,
        issuer=party,
        host=host,
        mentor=Person(given_name="Lucía", family_name="García", title="Front office manager"),
        validator=Person(given_name="Pēteris", family_name="Ozols"),
        assessors=[Person(given_name="Lucía", family_name="García")],
        programme="Erasmus+ KA121-VET",
        project_reference="2026-1-LV01-KA121-VET-000000001",
        qualification={"lv": "Viesmīlības pakalpojumu speciālists", "en": "Hospitality services specialist"},
        objective={"en": "Work-based learning at a hotel front office."},
        tasks={"en": "Reception and check-in; answering guests by e-mail and chat; presentations; social media posts."},
        working_language="en",
        working_language_name={"lv": "angļu", "en": "English"},
        start_date=dt.date(2026, 3, 2),
        end_date=dt.date(2026, 5, 29),
        competences=lines,
        attribution=list(fw.source.attribution),
    )


class PreloadedKeySigner(signers.SimpleSigner):
    """The best use of pyHanko with a key in memory: the private key parsed once, not on every signature."""

    def __init__(self, p12: Path, passphrase: bytes) -> None:
        loaded = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=passphrase)  # type: ignore[no-untyped-call]
        super().__init__(loaded.signing_cert, loaded.signing_key, loaded.cert_registry)
        self.key = serialization.load_der_private_key(loaded.signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        return self.key.sign(data, PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr, call-arg, arg-type]


def floor_document(statement: Statement, signer: PreloadedKeySigner) -> bytes:
    """3 A4 pages of the statement's words in the same embedded font, a QR code, a PAdES signature."""
    load_template()
    words = [statement.holder.full_name, statement.issuer.name, statement.host.name, *statement.tasks.values()]
    for line in statement.competences:
        words += [
            *line.competence_title.values(),
            *line.area_title.values(),
            *line.level_descriptor.values(),
            *line.outcome_text.values(),
        ]
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    code = qrcode.QRCode(box_size=4, border=2)
    code.add_data(statement.verification_url)
    canvas.drawImage(ImageReader(code.make_image().get_image()), 480, 740, 85, 85)
    lines = [sentence[start : start + 100] for sentence in words for start in range(0, len(sentence), 100)]
    for _page in range(3):
        text = canvas.beginText(40, 720)
        text.setFont(REGULAR, 9)
        for line in (lines * 4)[:70]:
            text.textLine(line)
        canvas.drawText(text)
        canvas.showPage()
    canvas.save()
    writer = IncrementalPdfFileWriter(io.BytesIO(buffer.getvalue()))
    meta = signers.PdfSignatureMetadata(
        field_name="Signature", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )
    out = signers.PdfSigner(meta, signer=signer).sign_pdf(writer, bytes_reserved=8192)
    return out.getvalue() + floor_json_and_pictures(statement, lines)  # type: ignore[no-any-return]


_ed25519 = Ed25519PrivateKey.generate()
_okp = OKPKey.import_key(
    _ed25519.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
)
_jws = jws.JWSRegistry(algorithms=["Ed25519"])
_jws.max_payload_length = 64 * 1024 * 1024
_NQUADS = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": contexts.load_document}


def floor_json_and_pictures(statement: Statement, lines: list[str]) -> bytes:
    """The credentials' signatures — eddsa-rdfc-2022 over the Open Badges credential (pyld's RDFC-1.0 of the proof
    options and of the credential, Ed25519) and a compact Ed25519 JWS over the EDC's JSON (joserfc) — and two
    wallet pictures. The documents themselves are built outside the floor's timing."""
    credential, edc_payload = _floor_documents(statement)
    options = {"@context": credential["@context"], "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022"}
    signed = hashlib.sha256(str(jsonld.normalize(options, _NQUADS)).encode()).digest()
    signed += hashlib.sha256(str(jsonld.normalize(credential, _NQUADS)).encode()).digest()
    proof = _ed25519.sign(signed)
    proof += jws.serialize_compact({"alg": "Ed25519"}, edc_payload, _okp, registry=_jws).encode()
    font = ImageFont.truetype(str(load_template().folder / "fonts" / "DejaVuSans.ttf"), 24)
    pictures = b""
    for _language in statement.languages:
        image = Image.new("L", (1000, 1414), 255)
        draw = ImageDraw.Draw(image)
        for row, line in enumerate((lines * 2)[:24]):
            draw.text((70, 70 + 32 * row), line[:70], font=font, fill=32)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=80)
        pictures += out.getvalue()
    return proof + pictures


_documents: dict[str, tuple[dict[str, Any], bytes]] = {}


def _floor_documents(statement: Statement) -> tuple[dict[str, Any], bytes]:
    """The statement's credential and EDC, built once (building them is not the signing work measured)."""
    if statement.certificate_id not in _documents:
        credential = build_credential(statement, "http://127.0.0.1:8000")
        edc = build_edc(statement, load_template(), "http://127.0.0.1:8000")
        _documents[statement.certificate_id] = (credential, json.dumps(edc, ensure_ascii=False, indent=2).encode())
    return _documents[statement.certificate_id]


def _median_ms(work: object, repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()  # type: ignore[operator]
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


_key: SigningKey | None = None


def _init(key: SigningKey) -> None:
    global _key
    _key = key
    load_template()


def _one(number: int) -> int:
    assert _key is not None
    return len(render_and_sign(sample_statement(number), _key, "http://127.0.0.1:8000").pdf)


def bulk(count: int, workers: int, key: SigningKey) -> tuple[float, float]:
    start = time.perf_counter()
    if workers == 1:
        _init(key)
        for number in range(count):
            _one(number)
    else:
        with ProcessPoolExecutor(workers, initializer=_init, initargs=(key,)) as pool:
            list(pool.map(_one, range(count), chunksize=8))
    elapsed = time.perf_counter() - start
    return count / elapsed, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bulk", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        key = signing_key(Settings(data_dir=Path(data)))
        statement = sample_statement()
        render_and_sign(statement, key, "http://127.0.0.1:8000")  # warm: fonts, key, template
        signer = PreloadedKeySigner(key.p12, key.passphrase)
        floor_document(statement, signer)
        floor = _median_ms(lambda: floor_document(statement, signer), args.repeat)
        full = _median_ms(lambda: render_and_sign(statement, key, "http://127.0.0.1:8000"), args.repeat)
        pages = len(PdfReader(io.BytesIO(render_and_sign(statement, key, "http://127.0.0.1:8000").pdf)).pages)
        print(
            f"certificate: floor (3 pages, QR, PAdES, key parsed once, size reserved; rdfc proof, JWS; 2 pictures) "
            f"{floor:.0f} ms, "
            f"digcomp's issuing path ({pages} pages, credential with proof, EDC with 2 pictures, attachments, PAdES) "
            f"{full:.0f} ms, "
            f"ratio {full / floor:.2f} (target <= 2)"
        )
        cores = os.cpu_count() or 1
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        one, one_s = bulk(args.bulk, 1, key)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        many, many_s = bulk(args.bulk, cores, key)
        print(
            f"bulk {args.bulk} certificates: 1 worker {one:.1f}/s ({one_s:.0f} s), {cores} workers {many:.1f}/s "
            f"({many_s:.0f} s), speed-up {many / one:.2f}x on {cores} cores; peak RSS of the issuing process "
            f"{rss_before / 1024:.0f} MB before, {rss_after / 1024:.0f} MB after {args.bulk} certificates"
        )


if __name__ == "__main__":
    main()
