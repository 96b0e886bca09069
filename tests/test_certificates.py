"""Signed recognition statements: issue, download, verify, revoke — and tampering is always caught."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import random
import re
import subprocess
import tempfile
from pathlib import Path

import jsonschema
import pikepdf
import pytest
from fastapi.testclient import TestClient
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from digcomp.cli import main
from digcomp.credentials.openbadge import validate_credential
from digcomp.i18n import format_day
from digcomp.settings import get_settings
from digcomp.store.db import Database
from tests.journey import API, END, START, create_mobility, ok, validated_mobility
from tests.test_edc import schema_errors

DATA = Path(__file__).with_name("data")


def text_of(pdf: bytes) -> str:
    """The PDF's text with line breaks folded, as a reader sees the phrases."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def headings_left_at_a_page_foot(pdf: bytes) -> list[str]:
    """Section headings ("3. Partner organisations", in any of the documents' languages) that end a page."""
    import yaml

    from digcomp.resources import shipped

    headings = {
        text
        for language in ("lv", "en")
        for key, text in yaml.safe_load(
            (shipped("certificates") / "labels" / f"{language}.yaml").read_text(encoding="utf-8")
        ).items()
        if "section" in key and isinstance(text, str)
    }
    alone = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        # a heading, its second-language line and a table's heading row are no content yet
        alone += [line for line in lines[-6:] if line in headings]
    return alone


def embedded_credential(pdf: bytes) -> dict:  # type: ignore[type-arg]
    attachments = PdfReader(io.BytesIO(pdf)).attachments
    [content] = attachments["credential.json"]
    return json.loads(content)  # type: ignore[no-any-return]


def pdfa_problems(pdf: bytes) -> list[str]:
    """What keeps the file from being PDF/A-3b, as far as a reader can tell without veraPDF: a font that is not
    embedded (a base-14 font such as Helvetica included), no sRGB output intent, XMP not declaring PDF/A-3b, no
    document language, attachments not declared as associated files."""
    reader = PdfReader(io.BytesIO(pdf))
    problems = []
    for number, page in enumerate(reader.pages, 1):
        for name, ref in page["/Resources"].get("/Font", {}).items():
            font = ref.get_object()
            described = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = described.get("/FontDescriptor")
            if descriptor is None or not {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor.get_object()):
                problems.append(f"page {number}: font {name} {font['/BaseFont']} is not embedded")
    root = reader.trailer["/Root"]
    intents = [i.get_object() for i in root.get("/OutputIntents", [])]
    if not any(i["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in i for i in intents):
        problems.append("no PDF/A output intent with an ICC profile")
    xmp = root["/Metadata"].get_object().get_data().decode() if "/Metadata" in root else ""
    if 'pdfaid:part="3"' not in xmp or 'pdfaid:conformance="B"' not in xmp:
        problems.append("XMP does not declare PDF/A-3b")
    if not str(root.get("/Lang", "")):
        problems.append("no document language")
    associated = [f.get_object() for f in root.get("/AF", [])]
    if not associated or any("/AFRelationship" not in f for f in associated):
        problems.append("attachments are not associated files")
    return problems + metadata_disagreements(pdf) + fonts_not_embedded(pdf)


# The document information entries and the XMP properties PDF/A requires to agree (ISO 19005-3, 6.6.2.3.1).
INFO_IN_XMP = {
    "/Title": "dc:title",
    "/Author": "dc:creator",
    "/Subject": "dc:description",
    "/Keywords": "pdf:Keywords",
    "/Creator": "xmp:CreatorTool",
    "/Producer": "pdf:Producer",
    "/CreationDate": "xmp:CreateDate",
    "/ModDate": "xmp:ModifyDate",
    "/Trapped": "pdf:Trapped",
}


def metadata_disagreements(pdf: bytes) -> list[str]:
    """Entries of the /Info dictionary whose XMP twin is missing or says something else, read with pikepdf."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        info = {str(k): str(v) for k, v in document.docinfo.items()}
        xmp = document.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
        problems = [f"XMP has {name}, not in the pdf schema" for name in xmp if name.endswith("}keywords")]
        for entry, prop in INFO_IN_XMP.items():
            if entry not in info:
                continue
            value = xmp.get(prop)
            expected: object = info[entry]
            if entry.endswith("Date"):
                expected = pikepdf.models.metadata.decode_pdf_date(info[entry])
                value = dt.datetime.fromisoformat(value) if value else None
            elif entry == "/Author":
                value = ", ".join(value) if value else None
            elif entry == "/Trapped":
                expected = info[entry].lstrip("/")
            if value != expected:
                problems.append(f"/Info {entry} is {info[entry]!r} but XMP {prop} is {value!r}")
        return problems


def fonts_not_embedded(pdf: bytes) -> list[str]:
    """Fonts poppler's pdffonts lists as not embedded."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        listing = subprocess.run(["pdffonts", file.name], capture_output=True, text=True, check=True).stdout
    rows = listing.splitlines()[2:]
    assert rows, "pdffonts lists no font"
    return [f"pdffonts: {row.split()[0]} is not embedded" for row in rows if row.split()[-5] != "yes"]


def with_validation_data(pdf: bytes) -> bytes:
    """The PDF with one more revision holding a /DSS with the signer's certificate, as pyHanko adds it."""
    [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    out = io.BytesIO(pdf)
    DocumentSecurityStore.add_dss(out, signature.pkcs7_content, certs=[signature.signer_cert], force_write=True)
    return out.getvalue()


def with_changed_title(pdf: bytes) -> bytes:
    """The PDF with one more revision that only changes the document's title (pyHanko counts it an LTA update)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    info = writer.trailer["/Info"].get_object()
    info[generic.NameObject("/Title")] = generic.TextStringObject("Level 8 in every competence")
    writer.update_container(info)  # type: ignore[no-untyped-call]
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def pyhanko_modification(pdf: bytes) -> str:
    [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[signature.signer_cert]))
    assert (status.intact, status.valid) == (True, True)
    return str(status.modification_level.name)


@pytest.fixture
def cli_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DIGCOMP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DIGCOMP_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    try:
        code = main(list(argv))
    except SystemExit as exited:
        code = int(exited.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_demo_writes_a_signed_bilingual_statement_that_verifies(
    cli_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = cli_data / "out"
    code, printed = run(capsys, "demo", "--out", str(out))
    assert code == 0, printed
    [pdf_path] = out.glob("DC-*.pdf")
    pdf = pdf_path.read_bytes()

    # pyHanko: one PAdES signature, intact, covering the whole file
    reader = PdfFileReader(io.BytesIO(pdf))
    [signature] = reader.embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[signature.signer_cert]))
    assert (status.intact, status.valid, status.coverage.name) == (True, True, "ENTIRE_FILE")
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"

    assert pdfa_problems(pdf) == []
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/Lang"] == "lv"
    [agreement_path] = out.glob("learning-agreement-*.pdf")
    assert pdfa_problems(agreement_path.read_bytes()) == []
    for document in (pdf, agreement_path.read_bytes()):
        assert headings_left_at_a_page_foot(document) == []

    # the text gives back names and DigComp titles exactly, in both languages
    text = text_of(pdf)
    for expected in (
        "Jānis Bērziņš",
        "Digitālā satura attīstīšana",
        "Developing digital content",
        "Personas datu un privātuma aizsardzība",
        "Mijiedarbošanās, izmantojot digitālās tehnoloģijas",
        "Mobilitātes apliecinājums",
        "Mobility statement",
        "not an official Europass document",
        "VPS-07 Viesnīcas pakalpojumu prezentēšana",  # recognised in the school's programme, with its grade
        "Nosūtītājas iestādes atzīšana",
        "Assessed at the host organisation by Lucía García, Front office manager; last assessment on",  # attestation
        "lucia.garcia@example.es",  # the host's contact line
        "learning agreement, plan version 1",  # the plan the results were assessed against
        pdf_path.stem,
    ):
        assert expected in text, expected
    assert "Europass Mobility number:" not in text
    for document in (text, text_of(agreement_path.read_bytes())):
        assert "novērošana / observation" in document  # the assessment method in both languages, as text
        assert "onDraw" not in document  # no layout markup shown as text

    # the embedded Open Badges 3.0 credential validates and is the one written beside the PDF
    credential = embedded_credential(pdf)
    assert validate_credential(credential) == []
    assert credential == json.loads((out / f"{pdf_path.stem}.credential.json").read_text(encoding="utf-8"))
    # … and so does the European Digital Credential, valid against EBSI's Europass EDC schema
    [sealed] = PdfReader(io.BytesIO(pdf)).attachments["edc.jwt"]
    assert sealed.decode() == (out / f"{pdf_path.stem}.edc.jwt").read_text(encoding="utf-8")
    edc_path = out / f"{pdf_path.stem}.edc.json"
    edc = json.loads(edc_path.read_text(encoding="utf-8"))
    assert json.loads(base64.urlsafe_b64decode(sealed.split(b".")[1] + b"==")) == edc  # the JSON the seal signs
    assert schema_errors(edc) == []
    # both verify: the sealed one by its seal, the JSON by the register's sealed copy; a changed name does not
    for path in (edc_path, out / f"{pdf_path.stem}.edc.jwt"):
        code, printed = run(capsys, "verify", str(path))
        assert (code, printed.splitlines()[0]) == (0, f"{path}: VALID"), printed
    edc["credentialSubject"]["fullName"]["lv"] = ["Jānis Bērziņš-Ozols"]
    (cli_data / "changed.edc.json").write_text(json.dumps(edc), encoding="utf-8")
    code, printed = run(capsys, "verify", str(cli_data / "changed.edc.json"))
    assert (code, "TAMPERED" in printed) == (1, True), printed
    alignment = credential["credentialSubject"]["achievement"]["alignment"]
    assert {(a["targetFramework"], a["targetCode"]) for a in alignment} == {
        ("DigComp 2.2", c)
        for c in ("3.1", "4.2", "2.1", "5.2")  # 5.2: acquired beyond the plan
    }
    results = credential["credentialSubject"]["result"]
    assert {r["achievedLevel"].rsplit("-", 1)[1] for r in results if "achievedLevel" in r} == {"3", "4"}
    assert {r["value"] for r in results if "value" in r} == {"9"}  # the grades the school recognised

    # digcomp verify: valid; one changed byte: tampered; revoked: revoked; not a PDF: exit 2
    code, printed = run(capsys, "verify", str(pdf_path), "--format", "json")
    assert (code, json.loads(printed)["verdict"]) == (0, "valid")
    changed = bytearray(pdf)
    changed[len(pdf) // 3] ^= 0x20
    tampered = cli_data / "tampered.pdf"
    tampered.write_bytes(bytes(changed))
    code, printed = run(capsys, "verify", str(tampered))
    assert code == 1
    assert "TAMPERED" in printed

    # PAdES: a later revision adding only validation data (what long-term validation adds) keeps it valid, and
    # pyHanko agrees; any other later change is a change after signing
    extended = cli_data / "extended.pdf"
    extended.write_bytes(with_validation_data(pdf))
    assert pyhanko_modification(extended.read_bytes()) == "LTA_UPDATES"
    code, printed = run(capsys, "verify", str(extended), "--format", "json")
    answer = json.loads(printed)
    assert (code, answer["verdict"], answer["extended"]) == (0, "valid", True), answer
    assert any("extended after issuing with validation data" in reason for reason in answer["reasons"])
    retitled = cli_data / "retitled.pdf"
    retitled.write_bytes(with_changed_title(pdf))
    assert pyhanko_modification(retitled.read_bytes()) == "LTA_UPDATES"
    code, printed = run(capsys, "verify", str(retitled), "--format", "json")
    assert (code, json.loads(printed)["reasons"]) == (
        1,
        ["the file has content that the signature does not cover (added after signing)"],
    )

    # the credential written beside the PDF verifies on its own, by its proof; a changed value does not
    credential_path = out / f"{pdf_path.stem}.credential.json"
    code, printed = run(capsys, "verify", str(credential_path))
    assert (code, printed.splitlines()[0]) == (0, f"{credential_path}: VALID")
    credential["credentialSubject"]["result"][0]["achievedLevel"] += "0"
    (cli_data / "changed.json").write_text(json.dumps(credential), encoding="utf-8")
    code, printed = run(capsys, "verify", str(cli_data / "changed.json"))
    assert (code, "TAMPERED" in printed, "changed after signing" in printed) == (1, True, True)

    from digcomp.credentials import issuing
    from digcomp.demo import actor_for
    from digcomp.store.models import Certificate, Mobility, Role

    database = Database(get_settings().effective_database_url)
    with database.session() as session:
        certificate = session.get_one(Certificate, pdf_path.stem)
        issuing.revoke(
            session,
            actor_for(session, Role.validator),
            certificate,
            session.get_one(Mobility, certificate.mobility_id),
            "Issued for the wrong group",
        )
    code, printed = run(capsys, "verify", str(pdf_path), "--format", "json")
    answer = json.loads(printed)
    assert (code, answer["verdict"]) == (1, "revoked")
    assert "Issued for the wrong group" not in printed  # why is the school's business, not the public's
    assert "REVOKED" in run(capsys, "verify", str(pdf_path))[1]

    not_pdf = cli_data / "notes.txt"
    not_pdf.write_text("hello", encoding="utf-8")
    code, printed = run(capsys, "verify", str(not_pdf))
    assert (code, printed.count("\n")) == (2, 1)
    assert "not a PDF" in printed
    assert run(capsys, "verify", str(cli_data / "missing.pdf"))[0] == 2


def test_any_single_changed_byte_is_tampered(cli_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "demo", "--out", str(cli_data / "out"))[0] == 0
    [pdf_path] = (cli_data / "out").glob("DC-*.pdf")
    pdf = pdf_path.read_bytes()
    byte_range = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", pdf)
    assert byte_range is not None
    _, contents_start, contents_end, _ = map(int, byte_range.groups())
    rng = random.Random(20261121)
    # the header, the signature value and its padding, the signature dictionary, the trailer, and random bytes
    positions = {
        *range(0, 16),
        *range(contents_start, contents_start + 120),
        *range(contents_end - 40, contents_end + 60),
        *range(len(pdf) - 200, len(pdf)),
        *(rng.randrange(len(pdf)) for _ in range(150)),
    }
    from digcomp.credentials import register

    database = Database(get_settings().effective_database_url)
    with database.session() as session:
        assert register.verify_file(session, pdf)["verdict"] == "valid"
        for position in sorted(positions):
            changed = bytearray(pdf)
            changed[position] ^= 0x01
            assert register.verify_file(session, bytes(changed))["verdict"] == "tampered", position


def test_issue_download_verify_and_revoke_through_the_api(client: TestClient, database: Database) -> None:
    m = validated_mobility(client, database)
    url = f"{API}/mobilities/{m.id}/certificate"
    issued = ok(client.post(url, headers=m.as_["coordinator"], json={"languages": "en"}), 201)
    again = ok(client.post(url, headers=m.as_["validator"], json={"languages": "lv+en"}))
    assert again["id"] == issued["id"]  # idempotent: one certificate per validated result
    assert issued["verification_url"] == f"http://testserver/verify/{issued['id']}"

    pdf = client.get(f"{url}.pdf", headers=m.as_["learner"])
    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    assert "Jānis Bērziņš" in text_of(pdf.content)
    assert "Digitālā satura attīstīšana" not in text_of(pdf.content)  # the English version was chosen
    credential = ok(client.get(f"{url}/credential.json", headers=m.as_["learner"]))
    assert validate_credential(credential) == []
    assert credential == embedded_credential(pdf.content)

    for role in ("mentor",):
        assert client.get(f"{url}.pdf", headers=m.as_[role]).status_code == 403
    other = create_mobility(client, database, "Cēsu tehnikums")
    assert client.get(f"{url}.pdf", headers=other.as_["learner"]).status_code == 404
    assert client.get(f"{url}.pdf").status_code == 401

    public = ok(client.get(f"{API}/certificates/{issued['id']}/verification"))
    assert (public["verdict"], public["holder"]) == ("valid", "Jānis Bērziņš")
    uploaded = ok(client.post(f"{API}/verifications", files={"file": ("s.pdf", pdf.content, "application/pdf")}))
    assert uploaded["verdict"] == "valid"
    assert "identical to the issued file (SHA-256)" in uploaded["reasons"]

    revoke = f"{API}/certificates/{issued['id']}/revocation"
    assert client.post(revoke, headers=m.as_["coordinator"], json={"reason": "Wrong dates"}).status_code == 403
    assert client.post(revoke, headers=other.as_["validator"], json={"reason": "Wrong dates"}).status_code == 404
    revoked = ok(client.post(revoke, headers=m.as_["validator"], json={"reason": "Wrong mobility dates"}))
    assert revoked["revocation_reason"] == "Wrong mobility dates"
    assert client.post(revoke, headers=m.as_["validator"], json={"reason": "again!"}).status_code == 409
    after = ok(client.post(f"{API}/verifications", files={"file": ("s.pdf", pdf.content, "application/pdf")}))
    assert after["verdict"] == "revoked"
    assert "revocation_reason" not in after
    assert not any("Wrong mobility dates" in reason for reason in after["reasons"])
    assert ok(client.get(f"{API}/certificates/{issued['id']}/verification"))["verdict"] == "revoked"
    assert ok(client.get(f"{API}/certificates/DC-2026-NOSUCHCERT/verification"))["verdict"] == "unknown"
    bad = client.post(f"{API}/verifications", files={"file": ("x.pdf", b"hello", "application/pdf")})
    assert (bad.status_code, bad.json()["detail"]) == (422, "this is not a PDF file")
    actions = [e["action"] for e in ok(client.get(f"{API}/mobilities/{m.id}/audit", headers=m.as_["admin"]))]
    assert actions[-2:] == ["certificate.issued", "certificate.revoked"]


def test_no_certificate_before_validation(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    response = client.post(f"{API}/mobilities/{m.id}/certificate", headers=m.as_["coordinator"], json={})
    assert response.status_code == 409
    assert "not validated yet" in response.json()["detail"]
    unknown = client.post(
        f"{API}/mobilities/{m.id}/certificate", headers=m.as_["coordinator"], json={"languages": "fi"}
    )
    assert unknown.status_code == 422
    assert "lv, en, it, es, de, fr, pt, pl" in unknown.json()["detail"]


def test_the_credential_check_catches_terms_outside_the_published_contexts(
    client: TestClient, database: Database
) -> None:
    m = validated_mobility(client, database)
    ok(client.post(f"{API}/mobilities/{m.id}/certificate", headers=m.as_["coordinator"], json={}), 201)
    credential = ok(client.get(f"{API}/mobilities/{m.id}/certificate/credential.json", headers=m.as_["learner"]))
    credential["credentialSubject"]["achievement"]["alignment"][0]["targetLevel"] = "4"
    credential["credentialSubject"]["grade"] = "A"
    del credential["credentialSubject"]["achievement"]["alignment"][1]["targetUrl"]
    problems = validate_credential(credential)
    outside = "is not a term of the Open Badges 3.0.3 or VC 2.0 contexts"
    assert f"'credentialSubject.achievement.alignment[0].targetLevel' {outside}" in problems
    assert f"'credentialSubject.grade' {outside}" in problems
    assert "achievement.alignment[1].targetUrl is missing" in problems


def test_an_english_demo_statement_has_no_latvian_words_but_proper_names(
    cli_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`digcomp demo --languages en`: an employer abroad reads every word of it, the credential included."""
    import yaml

    from digcomp import demo
    from digcomp.resources import shipped

    out = cli_data / "out"
    code, printed = run(capsys, "demo", "--out", str(out), "--languages", "en")
    assert code == 0, printed
    [pdf_path] = out.glob("DC-*.pdf")
    [agreement_path] = out.glob("learning-agreement-*.pdf")
    credential = (out / f"{pdf_path.stem}.credential.json").read_text(encoding="utf-8")
    edc = (out / f"{pdf_path.stem}.edc.json").read_text(encoding="utf-8")
    proper_names = [
        demo.SCHOOL,
        "Krišjāņa Valdemāra iela 1, Rīga, LV-1010",
        "Jānis Bērziņš",
        "Jānis",
        "Bērziņš",
        "Ilze Kalniņa",
        "Pēteris Ozols",
        "Lucía García",
    ]
    latvian_labels = yaml.safe_load((shipped("certificates") / "labels" / "lv.yaml").read_text(encoding="utf-8"))
    for document in (text_of(pdf_path.read_bytes()), text_of(agreement_path.read_bytes()), credential, edc):
        for name in proper_names:
            document = document.replace(name, "")
        assert not set("āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽ") & set(document), document
        for outcome, *_ in demo.DEMO_OUTCOMES:
            assert outcome["lv"][:30] not in document
        assert demo.QUALIFICATION["lv"] not in document
        assert latvian_labels["title"] not in document
    assert demo.QUALIFICATION["en"] in text_of(pdf_path.read_bytes())


def test_names_in_any_script_reach_the_statement(client: TestClient, database: Database) -> None:
    """A Chinese learner's name is set in the embedded fallback font, not dropped."""
    m = validated_mobility(client, database)
    ok(client.patch(f"{API}/people/{m.learner}", headers=m.as_["coordinator"], json={"given_name": "王小明"}))
    ok(client.post(f"{API}/mobilities/{m.id}/certificate", headers=m.as_["validator"], json={"languages": "en"}), 201)
    pdf = client.get(f"{API}/mobilities/{m.id}/certificate.pdf", headers=m.as_["learner"]).content
    assert "王小明" in text_of(pdf)
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in PdfReader(io.BytesIO(pdf)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("Fallback" in name for name in fonts), fonts


def test_an_employer_reads_the_competences_at_a_glance(client: TestClient, database: Database) -> None:
    """Page 1 of the statement and the public verification page both list each competence with its levels."""
    m = validated_mobility(client, database)
    issued = ok(
        client.post(f"{API}/mobilities/{m.id}/certificate", headers=m.as_["validator"], json={"languages": "en"}), 201
    )
    pdf = client.get(f"{API}/mobilities/{m.id}/certificate.pdf", headers=m.as_["learner"]).content
    first_page = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "Digital competences at a glance" in first_page
    for title in ("Developing digital content", "Protecting personal data and privacy"):
        assert title in first_page  # before the detail pages
    assert "(13 weeks)" in text_of(pdf)  # Monday to Friday twelve weeks later
    verification = ok(client.get(f"{API}/certificates/{issued['id']}/verification"))
    stated = {c["competence"]: (c["achieved_level"], c["level_name"]["en"]) for c in verification["competences"]}
    assert stated["3.1"] == (4, "Intermediate")
    page = client.get(f"/verify/{issued['id']}", headers={"accept-language": "en"}).text
    assert "Digital competences stated" in page
    assert "Developing digital content" in page
    assert "Hotel Aurora (Spain)" in page  # where and when, as on the statement
    assert f"{format_day(START, 'en')} – {format_day(END, 'en')}" in page  # "2 Mar 2026 – 29 May 2026"
    page_lv = client.get(f"/verify/{issued['id']}", headers={"accept-language": "lv"}).text
    assert "Hotel Aurora (Spānija)" in page_lv
    assert verification["placement"] == {
        "host": "Hotel Aurora",
        "host_country": "ES",
        "start_date": START.isoformat(),
        "end_date": END.isoformat(),
    }


def test_the_date_of_birth_is_on_the_statement_only_with_the_learners_consent(
    client: TestClient, database: Database
) -> None:
    m = validated_mobility(client, database)
    person = f"{API}/people/{m.learner}"
    ok(client.patch(person, headers=m.as_["coordinator"], json={"date_of_birth": "2007-04-12"}))
    refused = client.patch(person, headers=m.as_["coordinator"], json={"date_of_birth_shown": True})
    assert refused.status_code == 403  # nobody consents for the learner
    base = f"{API}/mobilities/{m.id}"
    ok(client.post(f"{base}/certificate", headers=m.as_["coordinator"], json={"languages": "en"}), 201)
    without = text_of(client.get(f"{base}/certificate.pdf", headers=m.as_["learner"]).content)
    assert "Date of birth" not in without
    assert "12.04.2007" not in without

    assert ok(client.patch(person, headers=m.as_["learner"], json={"date_of_birth_shown": True}))["date_of_birth_shown"]
    revoked = {"reason": "Reissued with the learner's date of birth"}
    certificate = ok(client.get(f"{base}/certificate", headers=m.as_["coordinator"]))["id"]
    ok(client.post(f"{API}/certificates/{certificate}/revocation", headers=m.as_["validator"], json=revoked))
    ok(client.post(f"{base}/certificate", headers=m.as_["coordinator"], json={"languages": "en"}), 201)
    shown = text_of(client.get(f"{base}/certificate.pdf", headers=m.as_["learner"]).content)
    assert "Date of birth 12.04.2007" in shown


def test_the_credential_passes_1edtechs_schema_with_formats_enforced(client: TestClient, database: Database) -> None:
    """1EdTech's AchievementCredential JSON Schema (tests/data/credentials/SOURCES.md), with every ``format``
    checked: dates must be date-times, ids URIs — as a wallet's or a registry's validator checks them."""
    schema = json.loads((DATA / "credentials" / "ob_v3p0_achievementcredential_schema.json").read_text("utf-8"))
    m = validated_mobility(client, database)
    url = f"{API}/mobilities/{m.id}/certificate"
    ok(client.post(url, headers=m.as_["coordinator"], json={"languages": "lv+en"}), 201)
    credential = ok(client.get(f"{url}/credential.json", headers=m.as_["learner"]))

    checker = jsonschema.Draft201909Validator.FORMAT_CHECKER
    assert {"date-time", "uri"} <= checker.checkers.keys()  # the format validators are installed, not skipped
    errors = [
        f"{list(e.path)}: {e.message}"
        for e in jsonschema.Draft201909Validator(schema, format_checker=checker).iter_errors(credential)
    ]
    assert errors == []
    subject = credential["credentialSubject"]
    assert (subject["activityStartDate"], subject["activityEndDate"]) == (
        f"{START.isoformat()}T00:00:00Z",
        f"{END.isoformat()}T23:59:59Z",
    )
