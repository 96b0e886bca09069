"""With a timestamp authority configured, the school's PDF signatures are PAdES B-LT: timestamped, and carrying the
certificates and revocation data that validate them — checked here with the school's CA and TSA really served on
localhost, and again after those services have gone offline (as they are, for a verifier, years later)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from asn1crypto import x509
from fastapi.testclient import TestClient
from pydantic import SecretStr
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext

from digcomp.settings import Settings
from digcomp.store.db import Database
from tests.journey import API, ok, validated_mobility
from tests.pki import SchoolPki, school_pki


@pytest.fixture
def pki(tmp_path: Path) -> Iterator[SchoolPki]:
    with school_pki(tmp_path / "pki") as served:
        yield served


@pytest.fixture
def settings(tmp_path: Path, pki: SchoolPki) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        public_url="http://testserver",
        signing_p12=pki.signing_p12,
        signing_passphrase=SecretStr(pki.passphrase),
        tsa_url=pki.tsa_url,
        trust_roots=[pki.root_pem],
    )


def offline_check(pdf: bytes, root: x509.Certificate) -> tuple[bool, bool]:
    """pyHanko's own validator, given nothing but the school's root certificate and what the PDF carries: no
    fetching, and revocation data required for every certificate on the way. (signature valid, timestamp valid)"""
    reader = PdfFileReader(io.BytesIO(pdf))
    context = DocumentSecurityStore.read_dss(reader).as_validation_context(
        {"trust_roots": [root], "allow_fetching": False, "revocation_mode": "hard-fail"}
    )
    status = validate_pdf_signature(reader.embedded_signatures[0], context, ts_validation_context=context)
    assert status.timestamp_validity is not None
    return status.bottom_line, status.timestamp_validity.valid and status.timestamp_validity.trusted


def test_statement_and_agreement_are_long_term_and_check_offline(
    client: TestClient, database: Database, pki: SchoolPki
) -> None:
    m = validated_mobility(client, database)
    url = f"{API}/mobilities/{m.id}/certificate"
    issued = ok(client.post(url, headers=m.as_["coordinator"], json={}), 201)
    assert issued["signer_subject"].startswith("Common Name: Rīgas Tehniskā koledža")
    statement = client.get(f"{url}.pdf", headers=m.as_["learner"]).content
    agreement = client.get(f"{API}/mobilities/{m.id}/plan/versions/1/agreement.pdf", headers=m.as_["mentor"])
    assert agreement.status_code == 200

    dss = PdfFileReader(io.BytesIO(statement)).root["/DSS"]
    assert len(dss["/OCSPs"]) >= 1  # the signing certificate's status, from the issuing CA's OCSP responder
    assert len(dss["/CRLs"]) >= 1  # the issuing CA's and the TSA's, from the root's CRL
    pki.stop()

    root = load_cert_from_pemder(str(pki.root_pem))
    assert offline_check(statement, root) == (True, True)
    assert offline_check(agreement.content, root) == (True, True)
    # Without the embedded data the same offline check cannot succeed: the DSS is what makes it long-term.
    bare = validate_pdf_signature(
        PdfFileReader(io.BytesIO(statement)).embedded_signatures[0],
        ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="hard-fail", crls=[], ocsps=[]),
    )
    assert not bare.bottom_line

    for pdf in (statement, agreement.content):
        verdict = ok(client.post(f"{API}/verifications", files={"file": ("s.pdf", pdf, "application/pdf")}))
        assert verdict["verdict"] == "valid", verdict["reasons"]
        assert any(
            r.startswith("timestamped on ") and r.endswith(" by Test Time-Stamping Authority")
            for r in verdict["reasons"]
        )
        assert any("revocation data) is embedded" in r for r in verdict["reasons"])


def test_content_added_after_the_validation_data_is_still_tampering(
    client: TestClient, database: Database, pki: SchoolPki
) -> None:
    m = validated_mobility(client, database)
    url = f"{API}/mobilities/{m.id}/certificate"
    ok(client.post(url, headers=m.as_["coordinator"], json={}), 201)
    statement = client.get(f"{url}.pdf", headers=m.as_["learner"]).content
    writer = IncrementalPdfFileWriter(io.BytesIO(statement))
    overlay = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (Level 8) Tj ET")  # type: ignore[no-untyped-call]
    writer.add_stream_to_page(0, writer.add_object(overlay))  # type: ignore[no-untyped-call]
    changed = io.BytesIO()
    writer.write(changed)  # type: ignore[no-untyped-call]
    verdict = ok(client.post(f"{API}/verifications", files={"file": ("s.pdf", changed.getvalue(), "application/pdf")}))
    assert verdict["verdict"] == "tampered"
    assert verdict["reasons"] == ["the file has content that the signature does not cover (added after signing)"]


def test_an_unreachable_timestamp_authority_issues_nothing_and_says_so(
    client: TestClient, database: Database, pki: SchoolPki
) -> None:
    m = validated_mobility(client, database)
    url = f"{API}/mobilities/{m.id}/certificate"
    pki.refuse("tsa")
    refused = client.post(url, headers=m.as_["coordinator"], json={})
    assert refused.status_code == 503
    assert refused.json()["detail"] == "the timestamp authority did not answer; nothing was signed, try again later"
    assert client.get(url, headers=m.as_["coordinator"]).status_code == 404

    coordinator = ok(client.get(f"{API}/people/{m.coordinator}", headers=m.as_["coordinator"]))["email"]
    client.cookies.set("digcomp_lang", "lv")
    client.post("/login", data={"email": coordinator, "password": "test-password-123"})
    page = client.post(f"/mobilities/{m.id}/certificate", data={"languages": "lv+en"})
    assert page.status_code == 503
    assert "laika zīmoga pakalpojums neatbildēja; nekas netika parakstīts, mēģiniet vēlreiz vēlāk" in page.text


def test_unobtainable_revocation_data_issues_nothing_and_says_so(
    client: TestClient, database: Database, pki: SchoolPki
) -> None:
    m = validated_mobility(client, database)
    url = f"{API}/mobilities/{m.id}/certificate"
    pki.refuse("ocsp")  # the timestamp authority answers; the issuing CA answers neither by OCSP nor by CRL
    pki.refuse("crls")
    refused = client.post(url, headers=m.as_["coordinator"], json={})
    assert refused.status_code == 503
    assert refused.json()["detail"].startswith("the signature's validation data could not be collected (")
    assert client.get(url, headers=m.as_["coordinator"]).status_code == 404
