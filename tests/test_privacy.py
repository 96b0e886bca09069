"""A learner's data under GDPR: everything exported as a zip; erasure by the school's admin leaves no trace of the
name in the database files, while the audit trail still verifies and the statement the learner kept still verifies
by upload. Consents are stored with their date and the privacy notice's version; revocation reasons stay private."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from digcomp import demo
from digcomp.api.app import create_app
from digcomp.api.routes_assessment import evidence_store
from digcomp.cli import main
from digcomp.privacy.erasure import years_after
from digcomp.settings import Settings
from digcomp.store.db import Database
from digcomp.store.models import Certificate, Evidence, Person, Role
from tests.demo_site import issued_demo
from tests.journey import API, END, agreed_plan, create_mobility, ok, validated_mobility, web_login
from tests.test_api_assessment import png


@dataclass
class Demo:
    client: TestClient
    database: Database
    folder: Path
    settings: Settings
    learner_id: int
    certificate_id: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("privacy")
    issued = issued_demo(folder)
    settings, database = issued.settings, issued.database
    ids = (issued.learner_id, issued.certificate_id)
    with TestClient(
        create_app(settings=settings, database=database), headers={"origin": "http://testserver"}
    ) as client:
        yield Demo(client, database, folder, settings, *ids)
    database.dispose()


def _login(client: TestClient, role: Role) -> dict[str, str]:
    answer = client.post(f"{API}/auth/token", json={"email": demo.DEMO_LOGINS[role], "password": demo.DEMO_PASSWORD})
    return {"Authorization": f"Bearer {ok(answer)['access_token']}"}


NAME_FORMS = [
    "Bērziņš".encode(),
    json.dumps("Bērziņš").strip('"').encode(),  # as JSON columns escape it
    b"berzins",  # in the e-mail address
    b"Berzins",
]


def _traces(folder: Path) -> dict[str, list[bytes]]:
    found = {}
    for path in folder.glob("digcomp.sqlite3*"):
        content = path.read_bytes()
        hits = [form for form in NAME_FORMS if form in content]
        if hits:
            found[path.name] = hits
    return found


def test_a_learners_data_is_exported_then_erased_without_a_trace(
    site: Demo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client, learner = site.client, site.learner_id
    admin = _login(client, Role.admin)
    statement = client.get(f"{API}/certificates/{site.certificate_id}/verification")
    assert ok(statement)["verdict"] == "valid"

    # The learner exports their own data; so may the school's staff.
    for who in (Role.learner, Role.coordinator):
        exported = client.get(f"{API}/people/{learner}/export", headers=_login(client, who))
        assert exported.status_code == 200
        assert exported.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(exported.content))
    names = archive.namelist()
    person = json.loads(archive.read("person.json"))
    assert person["person"]["family_name"] == "Bērziņš"
    assert "password_hash" not in json.dumps(person)
    assert any(re.fullmatch(r"mobilities/\d+\.json", n) for n in names)
    kept_pdf = archive.read(f"certificates/{site.certificate_id}.pdf")
    assert kept_pdf.startswith(b"%PDF")
    assert any(n.startswith("evidence/") and n.endswith(".png") for n in names)  # the demo's photo
    mobility_files = [json.loads(archive.read(n)) for n in names if n.startswith("mobilities/")]
    mobility_file = next(f for f in mobility_files if f["certificates"])
    assert mobility_file["ratings"]
    assert mobility_file["evidence"]
    assert any(e["entity"] == f"person:{learner}" for e in json.loads(archive.read("audit.json")))
    with site.database.session() as session:
        photos = [e.sha256 for e in session.scalars(select(Evidence).where(Evidence.sha256.is_not(None)))]
    evidence_files = [site.settings.data_dir / "evidence" / p[:2] / p for p in photos if p]

    # Another learner may not; a mentor may not erase; the admin erases.
    assert client.get(f"{API}/people/{learner}/export", headers=_login(client, Role.mentor)).status_code == 404
    refused = client.post(f"{API}/people/{learner}/erasure", headers=_login(client, Role.coordinator))
    assert refused.status_code == 403
    assert "admin" in refused.json()["detail"]
    assert _traces(site.folder)  # the name is there before
    report = ok(client.post(f"{API}/people/{learner}/erasure", headers=admin))
    assert report["mobilities"] == 2
    assert report["audit_entries"] > 10
    assert report["audit_entries_kept"] == 0
    assert report["documents"] >= 1

    assert _traces(site.folder) == {}
    assert not any(path.exists() for path in evidence_files)
    again = client.post(f"{API}/people/{learner}/erasure", headers=admin)
    assert again.status_code == 409
    assert "already erased" in again.json()["detail"]
    assert (
        client.post(
            "/api/v1/auth/token", json={"email": demo.DEMO_LOGINS[Role.learner], "password": demo.DEMO_PASSWORD}
        ).status_code
        == 401
    )

    # The trail still verifies, from the command line too; the statement the learner kept still verifies by upload.
    assert ok(client.get(f"{API}/audit/verify", headers=admin))["valid"] is True
    monkeypatch.setenv("DIGCOMP_DATABASE_URL", site.database.url)
    from digcomp.settings import get_settings

    get_settings.cache_clear()
    try:
        assert main(["audit-verify"]) == 0
    finally:
        get_settings.cache_clear()
    assert "audit chain valid" in capsys.readouterr().out
    upload = client.post(f"{API}/verifications", files={"file": ("statement.pdf", kept_pdf, "application/pdf")})
    verdict = ok(upload)
    assert verdict["verdict"] == "valid"
    assert "identical to the issued file (SHA-256)" in verdict["reasons"]
    assert "Bērziņš" not in json.dumps(verdict, ensure_ascii=False)  # the register keeps hashes, not names
    # The school still has the levels it stood by, without the name.
    after = zipfile.ZipFile(io.BytesIO(client.get(f"{API}/people/{learner}/export", headers=admin).content))
    assert "Bērziņš" not in after.read("person.json").decode()
    assert not [n for n in after.namelist() if n.startswith(("evidence/", "certificates/"))]
    rated = [json.loads(after.read(n))["ratings"] for n in after.namelist() if n.startswith("mobilities/")]
    assert any(r and r[0]["level"] and r[0]["justification"] == "" for r in rated)


def test_the_database_refuses_any_other_change_to_the_audit_trail(client: TestClient, database: Database) -> None:
    m = validated_mobility(client, database)
    with pytest.raises(Exception, match="append-only"), database.engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET action = 'nothing' WHERE mobility_id = :m"), {"m": m.id})
    with pytest.raises(Exception, match="append-only"), database.engine.begin() as connection:
        # blanking the label but keeping the salt would let a changed text pass as erased
        connection.execute(text("UPDATE audit_log SET actor_label = '' WHERE mobility_id = :m"), {"m": m.id})
    with pytest.raises(Exception, match="append-only"), database.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_log WHERE mobility_id = :m"), {"m": m.id})
    report = ok(client.post(f"{API}/people/{m.learner}/erasure", headers=m.as_["admin"]))
    assert report["audit_entries"] > 0
    assert ok(client.get(f"{API}/audit/verify", headers=m.as_["admin"]))["valid"] is True
    with database.session() as session:
        learner = session.get_one(Person, m.learner)
        assert (learner.given_name, learner.email) == ("—", None)
        certificate = session.scalars(select(Certificate).where(Certificate.mobility_id == m.id)).first()
        assert certificate is None or certificate.pdf == b""


def test_consents_are_recorded_with_date_and_notice_version(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    assert ok(client.get(f"{API}/privacy-notice", headers=m.as_["learner"])) is None
    published = {"text": {"lv": "Skola apstrādā jūsu datus …", "en": "The school processes your data …"}}
    assert client.post(f"{API}/privacy-notice", headers=m.as_["coordinator"], json=published).status_code == 403
    assert ok(client.post(f"{API}/privacy-notice", headers=m.as_["admin"], json=published), 201)["version"] == 1
    assert ok(client.post(f"{API}/privacy-notice", headers=m.as_["admin"], json=published), 201)["version"] == 2
    assert ok(client.get(f"{API}/privacy-notice", headers=m.as_["learner"]))["text"]["en"].startswith("The school")

    consents = f"{API}/people/{m.learner}/consents"
    on_behalf = client.post(consents, headers=m.as_["coordinator"], json={"kind": "photos", "granted": True})
    assert on_behalf.status_code == 403
    given = ok(client.post(consents, headers=m.as_["learner"], json={"kind": "photos", "granted": True}), 201)
    assert (given["granted"], given["notice_version"]) == (True, 2)
    ok(client.post(consents, headers=m.as_["learner"], json={"kind": "date_of_birth", "granted": True}), 201)
    ok(client.post(consents, headers=m.as_["learner"], json={"kind": "photos", "granted": False}), 201)
    held = {c["kind"]: c["granted"] for c in ok(client.get(consents, headers=m.as_["coordinator"]))}
    assert held == {"photos": False, "date_of_birth": True}
    assert ok(client.get(f"{API}/people/{m.learner}", headers=m.as_["coordinator"]))["date_of_birth_shown"] is True
    bad = client.post(consents, headers=m.as_["learner"], json={"kind": "tattoos", "granted": True})
    assert bad.status_code == 422


def test_database_and_key_files_are_readable_by_the_owner_only(site: Demo) -> None:
    evidence = site.settings.data_dir / "evidence"
    files = [*site.folder.glob("digcomp.sqlite3*"), *(site.settings.data_dir / "signing").glob("*"), evidence]
    for path in files:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.name} is {oct(mode)}"


def test_the_retention_command_erases_learners_kept_longer_than_the_school_allows(
    client: TestClient, database: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    m = create_mobility(client, database)
    kept_until = years_after(END, 2)  # retention counts from the placement's end
    school = f"{API}/organisations/{m.school}"
    assert client.patch(school, headers=m.as_["coordinator"], json={"retention_years": 2}).status_code == 403
    assert ok(client.patch(school, headers=m.as_["admin"], json={"retention_years": 2}))["retention_years"] == 2
    monkeypatch.setenv("DIGCOMP_DATABASE_URL", database.url)
    from digcomp.settings import get_settings

    get_settings.cache_clear()
    try:
        assert main(["retention", "--today", kept_until.isoformat()]) == 0
        assert "0 learner(s)" in capsys.readouterr().out
        day_after = (kept_until + dt.timedelta(days=1)).isoformat()
        assert main(["retention", "--today", day_after, "--dry-run"]) == 0
        assert f"person {m.learner} " in capsys.readouterr().out
        assert ok(client.get(f"{API}/people/{m.learner}", headers=m.as_["admin"]))["family_name"] == "Bērziņš"
        assert main(["retention", "--today", day_after]) == 0
        assert "erased the personal data of 1 learner(s)" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()
    assert ok(client.get(f"{API}/people/{m.learner}", headers=m.as_["admin"]))["family_name"] == f"#{m.learner}"
    assert ok(client.get(f"{API}/audit/verify", headers=m.as_["admin"]))["valid"] is True


def test_a_photo_that_shows_the_learner_needs_their_consent(
    client: TestClient, database: Database, settings: Settings
) -> None:
    """A mentor may always add a photo of the work; one that shows the learner is kept only while the learner agrees
    to photos of themself, and the mentor is told why, in the page's language. Withdrawing consent takes such photos
    out, files included."""
    m = create_mobility(client, database)
    agreed_plan(client, m)
    base = f"{API}/mobilities/{m.id}/assessment"
    outcome = ok(client.get(base, headers=m.as_["coordinator"]))["outcomes"][0]["outcome_id"]
    ok(client.put(f"{base}/outcomes/{outcome}/identification", headers=m.as_["learner"], json={"worked_on": True}))
    upload = f"{base}/outcomes/{outcome}/evidence"

    def add(shows_learner: bool, colour: str) -> Any:
        photo = {"file": ("IMG_1.png", png(colour), "image/png")}
        return client.post(upload, headers=m.as_["mentor"], files=photo, data={"shows_learner": str(shows_learner)})

    of_the_work = ok(add(False, "red"), 201)
    assert of_the_work["shows_learner"] is False
    refused = add(True, "blue")
    assert refused.status_code == 409
    assert "has not agreed to photos of themself" in refused.json()["detail"]
    consents = f"{API}/people/{m.learner}/consents"
    ok(client.post(consents, headers=m.as_["learner"], json={"kind": "photos", "granted": True}), 201)
    of_the_learner = ok(add(True, "green"), 201)
    assert of_the_learner["shows_learner"] is True
    store = evidence_store(settings)
    assert store.path(of_the_learner["sha256"]).exists()
    ok(client.post(consents, headers=m.as_["learner"], json={"kind": "photos", "granted": False}), 201)
    assert add(True, "white").status_code == 409
    kept = ok(client.get(base, headers=m.as_["coordinator"]))["outcomes"][0]["evidence"]
    assert [e["id"] for e in kept] == [of_the_work["id"]]  # the photo of the learner is out of the assessment
    assert not store.path(of_the_learner["sha256"]).exists()  # and its file is gone
    assert store.path(of_the_work["sha256"]).exists()
    gone = client.get(f"{base}/evidence/{of_the_learner['id']}/file", headers=m.as_["coordinator"])
    assert gone.status_code == 404
    trail = ok(client.get(f"{API}/mobilities/{m.id}/audit", headers=m.as_["coordinator"]))
    assert trail[-1]["after"]["reason"] == "the learner withdrew their consent to photos of themself"
    assert ok(client.get(f"{API}/audit/verify", headers=m.as_["admin"]))["valid"] is True
    note = client.post(
        f"{base}/outcomes/{outcome}/notes",
        headers=m.as_["mentor"],
        json={"title": "Seen", "text": "Greeted guests", "shows_learner": True},
    )
    assert note.status_code == 422  # a note has no picture: the field is not part of a note, and is refused

    # on the web, in Latvian, the form says so before and after
    email = ok(client.get(f"{API}/people/{m.mentor}", headers=m.as_["coordinator"]))["email"]
    web_login(client, email, "lv")
    page = client.get(f"/mobilities/{m.id}/assessment")
    assert "Fotoattēlā vai video redzams izglītojamais" in page.text
    answer = client.post(
        f"/mobilities/{m.id}/assessment/outcomes/{outcome}/evidence",
        files={"file": ("IMG_2.png", png("black"), "image/png")},
        data={"shows_learner": "true", "title": "Pie reģistratūras"},
    )
    assert "izglītojamais nav piekritis, ka viņa fotogrāfijas glabā" in answer.text
