"""What a hostile client tried (issue: security and robustness), each answered with a clear 4xx and never a 500,
a stack trace, or a leak. On SQLite and on PostgreSQL where a database is involved."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from digcomp import demo
from digcomp.access import service as access
from digcomp.access.throttle import LoginThrottle
from digcomp.api.app import REDACT_LINKS, create_app
from digcomp.cli import main
from digcomp.errors import TooManyRequests, Unauthenticated
from digcomp.framework import catalog
from digcomp.settings import Settings, get_settings
from digcomp.store.db import Database
from digcomp.store.models import TokenKind
from digcomp.store.rate_limits import DatabaseStorage
from tests.journey import API, PASSWORD, create_mobility, ok, web_login


def test_a_wrong_password_flood_is_throttled_before_any_hashing(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    email = ok(client.get(f"{API}/people/{m.mentor}", headers=m.as_["coordinator"]))["email"]
    statuses = [
        client.post(f"{API}/auth/token", json={"email": email, "password": "wrong password 1"}).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]  # the account's limit: 10 wrong passwords in 15 minutes
    refused = client.post(f"{API}/auth/token", json={"email": email, "password": PASSWORD})
    assert refused.status_code == 429  # locked for now, even with the right password
    assert int(refused.headers["retry-after"]) > 0
    assert "try again in" in refused.json()["detail"]
    # another account from the same address is not locked out by the first one's lockout …
    other = ok(client.get(f"{API}/people/{m.learner}", headers=m.as_["coordinator"]))["email"]
    assert client.post(f"{API}/auth/token", json={"email": other, "password": PASSWORD}).status_code == 200
    # … until the address itself has sent too many wrong passwords (20 a minute)
    for _ in range(10):
        client.post(f"{API}/auth/token", json={"email": other, "password": "wrong password 2"})
    assert client.post(f"{API}/auth/token", json={"email": other, "password": PASSWORD}).status_code == 429


def _asgi(app: Any, method: str, path: str, headers: dict[str, str], chunks: list[bytes]) -> tuple[int, bytes, int]:
    """Call the app as a server would; count how much of the body the app asked for."""
    sent: list[dict[str, Any]] = []
    read = 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        if read < len(chunks):
            read += 1
            return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, read


def test_oversized_requests_are_refused_before_the_body_is_read(client: TestClient) -> None:
    app = client.app
    status, body, read = _asgi(
        app,
        "POST",
        f"{API}/mobilities/1/assessment/outcomes/1/evidence",
        {"content-length": str(30 * 1024 * 1024), "content-type": "multipart/form-data; boundary=x"},
        [b"x" * 1024],
    )
    assert (status, read) == (413, 0)  # unauthenticated, 30 MB announced: refused, nothing read
    assert b"10 MB" in body
    status, _, read = _asgi(
        app,
        "POST",
        f"{API}/auth/token",
        {"content-length": str(200 * 1024 * 1024), "content-type": "application/json"},
        [b"{"],
    )
    assert (status, read) == (413, 0)
    # no length announced: counted while it streams, refused once past the limit
    status, body, read = _asgi(
        app, "POST", f"{API}/auth/token", {"content-type": "application/json"}, [b" " * 400_000] * 5
    )
    assert status == 413
    assert read == 3  # stopped at the chunk that went past 1 MB
    assert json.loads(body)["request_id"]


def test_hostile_values_get_4xx_never_500(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    as_coordinator = m.as_["coordinator"]
    answers = {
        "huge id": client.get(f"{API}/mobilities/9223372036854775808", headers=as_coordinator),
        "huge offset": client.get(f"{API}/mobilities?offset=99999999999999999999", headers=as_coordinator),
        "NUL in text": client.patch(
            f"{API}/mobilities/{m.id}", headers=as_coordinator, json={"group_name": "A\u0000B"}
        ),
        "start date removed": client.patch(
            f"{API}/mobilities/{m.id}", headers=as_coordinator, json={"start_date": None}
        ),
    }
    for what, answer in answers.items():
        assert 400 <= answer.status_code < 500, f"{what}: {answer.status_code} {answer.text}"
        assert answer.json()["request_id"], what
        assert "Traceback" not in answer.text
    assert client.get("/verify/DC%00", headers={"accept-language": "en"}).status_code == 200

    school = ok(client.get(f"{API}/organisations/{m.school}", headers=as_coordinator))
    header = (
        "learner_given_name,learner_family_name,sending_organisation,sending_country,host_organisation,host_country,"
        "start_date,end_date,project_reference,tasks\n"
    )
    rows = {
        "CR inside an unquoted field": f"Anna,Li\repa,{school['name']},LV,Hotel,ES,01.03.2027,28.05.2027,,\n",
        "project reference over 100": f"Anna,Liepa,{school['name']},LV,Hotel,ES,01.03.2027,28.05.2027,{'X' * 101},\n",
        "tasks over 10,000": f"Anna,Liepa,{school['name']},LV,Hotel,ES,01.03.2027,28.05.2027,,{'t' * 10_001}\n",
        "the host is the school": f"Anna,Liepa,{school['name']},LV,{school['name']},LV,01.03.2027,28.05.2027,,\n",
    }
    for what, row in rows.items():
        answer = client.post(
            f"{API}/mobilities/import",
            headers=as_coordinator,
            files={"file": ("group.csv", (header + row).encode(), "text/csv")},
        )
        assert answer.status_code == 422, f"{what}: {answer.status_code} {answer.text}"


def test_web_forms_with_hostile_values_get_4xx(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    email = ok(client.get(f"{API}/people/{m.validator}", headers=m.as_["coordinator"]))["email"]
    client.post("/login", data={"email": email, "password": PASSWORD})
    decision = client.post(f"/mobilities/{m.id}/assessment/validate", data={"decision-abc": "1"})
    assert 400 <= decision.status_code < 500
    coordinator = ok(client.get(f"{API}/people/{m.coordinator}", headers=m.as_["coordinator"]))["email"]
    client.post("/login", data={"email": coordinator, "password": PASSWORD})
    host = client.post(
        "/mobilities/new", data={"learner_given_name": "A", "learner_family_name": "B", "host_id": "abc"}
    )
    assert host.status_code == 422


def test_sessions_and_links_are_tight(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    api_token = m.as_["learner"]["Authorization"].removeprefix("Bearer ")
    opened = client.get(f"/m/{api_token}", follow_redirects=False)
    assert opened.status_code == 404  # not a mentor link: no login as the token's owner (login CSRF)
    assert "digcomp_session" not in opened.headers.get("set-cookie", "")

    email = ok(client.get(f"{API}/people/{m.coordinator}", headers=m.as_["coordinator"]))["email"]
    client.post("/login", data={"email": email, "password": PASSWORD})
    for origin in ({"origin": "null"}, {"origin": ""}, {"origin": "https://evil.example"}):
        changed = client.patch(f"{API}/mobilities/{m.id}", headers=origin, json={"group_name": "X"})
        assert changed.status_code == 403, origin
    assert client.patch(f"{API}/mobilities/{m.id}", json={"group_name": "X"}).status_code == 200  # own origin

    page = client.get("/login")
    for header in ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy"):
        assert header in page.headers, header
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_session_cookies_are_secure_behind_https(database: Database, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", public_url=None)
    with TestClient(
        create_app(settings=settings, database=database),
        base_url="https://school.example",
        headers={"origin": "https://school.example"},
    ) as client:
        m = create_mobility(client, database)
        email = ok(client.get(f"{API}/people/{m.coordinator}", headers=m.as_["coordinator"]))["email"]
        answer = client.post("/login", data={"email": email, "password": PASSWORD}, follow_redirects=False)
        assert "secure" in answer.headers["set-cookie"].lower()
        assert "strict-transport-security" in answer.headers


def test_mentor_link_tokens_stay_out_of_the_access_log() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4", "GET", "/m/dcl_abc.def", "1.1", 303),
        None,
    )
    REDACT_LINKS.filter(record)
    assert record.getMessage() == '1.2.3.4 - "GET /m/… HTTP/1.1" 303'
    search = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4", "GET", "/api/v1/overview?q=B%C4%93rzi%C5%86%C5%A1&group=V-23", "1.1", 200),
        None,
    )
    REDACT_LINKS.filter(search)
    assert search.getMessage() == '1.2.3.4 - "GET /api/v1/overview?… HTTP/1.1" 200'  # no learner's name in the log


def test_small_leaks_are_closed(client: TestClient, database: Database) -> None:
    first = create_mobility(client, database, "Skola Viens")
    second = create_mobility(client, database, "Skola Divi")
    report = ok(client.get(f"{API}/audit/verify", headers=first.as_["admin"]))
    everything = database.read(lambda s: __import__("digcomp.audit.log", fromlist=["x"]).verify_log(s))
    assert report["entries"] < everything.entries  # only the school's own chains
    # an e-mail with a login at another school: the same neutral answer as any unusable address
    other_email = ok(client.get(f"{API}/people/{second.learner}", headers=second.as_["coordinator"]))["email"]
    person = ok(
        client.post(
            f"{API}/people",
            headers=first.as_["coordinator"],
            json={"organisation_id": first.school, "given_name": "A", "family_name": "B", "role": "learner"},
        ),
        201,
    )
    taken = client.post(
        f"{API}/people/{person['id']}/account",
        headers=first.as_["coordinator"],
        json={"email": other_email, "password": "long enough 123"},
    )
    assert taken.status_code == 409
    assert "cannot be used for a login" in taken.json()["detail"]
    assert "exists" not in taken.json()["detail"]
    email = ok(client.get(f"{API}/people/{first.coordinator}", headers=first.as_["coordinator"]))["email"]
    client.post("/login", data={"email": email, "password": PASSWORD})
    assert client.get(f"/mobilities/{second.id}/assessment").status_code == 404  # as if it did not exist


def _upload(client: TestClient, headers: dict[str, str], url: str, name: str, data: bytes) -> Any:
    return client.post(url, headers=headers, files={"file": (name, data, "application/octet-stream")})


def test_evidence_files_are_what_they_claim(client: TestClient, database: Database) -> None:
    from tests.journey import agreed_plan

    m = create_mobility(client, database)
    agreed_plan(client, m)
    base = f"{API}/mobilities/{m.id}/assessment"
    outcome = ok(client.get(base, headers=m.as_["learner"]))["outcomes"][0]["outcome_id"]
    ok(client.put(f"{base}/outcomes/{outcome}/identification", headers=m.as_["learner"], json={"worked_on": True}))
    url = f"{base}/outcomes/{outcome}/evidence"

    def archive(parts: dict[str, bytes], level: int = zipfile.ZIP_DEFLATED) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", level) as package:
            for name, content in parts.items():
                package.writestr(name, content)
        return buffer.getvalue()

    fake_docx = archive({"word/document.xml": b"<w/>", "evil.exe": b"MZ"})  # no [Content_Types].xml
    bomb = archive({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (60 * 1024 * 1024)})
    real_docx = archive({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(picture, format="PNG")
    polyglot = picture.getvalue() + archive({"payload.js": b"alert(1)"})
    huge = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(huge, format="PNG")  # 400 megapixels, a few kB
    refused = {
        "a zip passed off as a DOCX": fake_docx,
        "a decompression bomb": bomb,
        "an image with an archive appended": polyglot,
        "400 megapixels": huge.getvalue(),
    }
    for what, data in refused.items():
        answer = _upload(client, m.as_["learner"], url, "file.docx", data)
        assert answer.status_code == 415, f"{what}: {answer.status_code} {answer.text}"
    assert _upload(client, m.as_["learner"], url, "report.docx", real_docx).status_code == 201
    assert _upload(client, m.as_["learner"], url, "photo.png", picture.getvalue()).status_code == 201


def test_the_database_file_is_private(tmp_path: Path) -> None:
    path = tmp_path / "private" / "digcomp.sqlite3"
    database = Database(f"sqlite:///{path}")
    database.migrate()
    database.dispose()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_issuing_for_an_unknown_mobility_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DIGCOMP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DIGCOMP_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    database = Database(get_settings().effective_database_url)
    database.migrate()
    with database.session() as session:
        demo.seed(session, catalog())
    database.dispose()
    try:
        code = main(["issue", "--by", "peteris.ozols@example.lv", "--mobility", "99999"])
    except SystemExit as exited:
        code = int(exited.code or 0)
    finally:
        get_settings.cache_clear()
    assert code == 2
    printed = capsys.readouterr()
    assert "no validated mobility 99999" in printed.err
    assert "Traceback" not in printed.err


PARENT = """
import multiprocessing, sys, time
from digcomp.credentials.bulk import _die_with_parent

def child():
    _die_with_parent()  # what every bulk-issuing worker does first (the pool's initializer)
    open(sys.argv[1], "w").close()  # set up: the parent may be killed now
    time.sleep(600)

if __name__ == "__main__":
    multiprocessing.set_start_method("fork")
    worker = multiprocessing.Process(target=child)
    worker.start()
    print(worker.pid, flush=True)
    time.sleep(600)
"""


@pytest.mark.skipif(not Path("/proc").exists(), reason="Linux only")
def test_issuing_workers_end_with_their_parent_even_after_sigkill(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    ready = tmp_path / "ready"
    parent = subprocess.Popen([sys.executable, str(script), str(ready)], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    deadline = time.monotonic() + 120  # waited for, not guessed: a loaded machine starts the child slowly
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert Path(f"/proc/{child}").exists()
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = Path(f"/proc/{child}/stat")
        if not state.exists() or state.read_text().split()[2] == "Z":  # gone, or a zombie awaiting reaping
            break
        time.sleep(0.1)
    else:
        pytest.fail("the worker outlived its killed parent")


def test_a_page_on_another_site_can_neither_log_a_browser_in_nor_out(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    email = ok(client.get(f"{API}/people/{m.coordinator}", headers=m.as_["coordinator"]))["email"]
    form = {"email": email, "password": PASSWORD}
    for hostile in (
        {"origin": "https://attacker.example"},
        {"origin": "null"},
        {"origin": "", "referer": "https://attacker.example/x"},
    ):
        client.cookies.clear()
        refused = client.post("/login", data=form, headers=hostile, follow_redirects=False)
        assert refused.status_code == 403
        assert "digcomp_session" not in refused.cookies  # the attacker's account is not logged in here
    logged_in = client.post("/login", data=form, follow_redirects=False)  # from our own page
    assert logged_in.status_code == 303
    assert client.get("/mobilities", follow_redirects=False).status_code == 200
    out = client.post("/logout", headers={"origin": "https://attacker.example"}, follow_redirects=False)
    assert out.status_code == 403
    assert "digcomp_session" not in out.headers.get("set-cookie", "")  # the cookie stays
    assert client.get("/mobilities", follow_redirects=False).status_code == 200  # still logged in


def test_nothing_personal_is_kept_in_a_cache(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    for personal in (
        client.get(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"]),
        client.get(f"{API}/people/{m.learner}", headers=m.as_["coordinator"]),
        client.get(f"{API}/mobilities/999999", headers=m.as_["coordinator"]),  # refusals too
    ):
        assert personal.headers["cache-control"] == "no-store"
    web_login(client, ok(client.get(f"{API}/people/{m.coordinator}", headers=m.as_["coordinator"]))["email"])
    assert client.get(f"/mobilities/{m.id}").headers["cache-control"] == "no-store"
    assert client.get("/verify/DC-2026-NOSUCHONE").headers["cache-control"] == "public, max-age=60"
    assert client.get("/static/style.css").headers.get("cache-control") != "no-store"


def test_a_flood_of_fields_gets_a_short_answer(client: TestClient, database: Database) -> None:
    m = create_mobility(client, database)
    url = f"{API}/mobilities/{m.id}/assessment/outcomes/1/notes"
    flood = "{" + ",".join(f'"k{i}": 1' for i in range(60_000)) + "}"
    answer = client.post(url, headers={**m.as_["mentor"], "content-type": "application/json"}, content=flood)
    assert answer.status_code == 422
    assert len(answer.content) < 64 * 1024
    assert "60000 fields" in answer.json()["detail"]
    deep = "[" * 200 + "]" * 200
    nested = client.post(url, headers={**m.as_["mentor"], "content-type": "application/json"}, content=deep)
    assert (nested.status_code, "200 levels deep" in nested.json()["detail"]) == (422, True)
    many = {f"unknown{i}": i for i in range(1500)}  # under the field limit: every unknown field is a problem
    listed = client.post(f"{API}/organisations", headers=m.as_["admin"], json={"name": "X", **many})
    assert listed.status_code == 422
    assert len(listed.json()["errors"]) == 20
    assert "problems; the first 20 are listed" in listed.json()["detail"]
    assert len(listed.content) < 64 * 1024


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("Anna\u202e", "invisible or control characters (U+202E)"),  # right-to-left override
        ("An\u200bna", "invisible or control characters (U+200B)"),  # zero-width space
        ("B\u0435rziņš", "mixes letters of different alphabets"),  # a Cyrillic "е" among Latin letters
    ],
)
def test_names_that_hide_or_fake_letters_are_refused(
    client: TestClient, database: Database, given: str, problem: str
) -> None:
    m = create_mobility(client, database)
    body = {"organisation_id": m.school, "given_name": given, "family_name": "Ozola", "role": "learner"}
    answer = client.post(f"{API}/people", headers=m.as_["coordinator"], json=body)
    assert answer.status_code == 422
    assert problem in answer.text


def test_names_are_stored_in_one_unicode_form_and_e_mails_are_one_persons_in_any_case(
    client: TestClient, database: Database
) -> None:
    m = create_mobility(client, database)
    decomposed = "Be\u0304rzin\u0327s\u030c"  # "Bērziņš" typed with combining marks
    body = {"organisation_id": m.school, "given_name": "Līga", "family_name": decomposed, "role": "learner"}
    created = ok(client.post(f"{API}/people", headers=m.as_["coordinator"], json={**body, "email": "liga@ex.lv"}), 201)
    assert created["family_name"] == "Bērziņš"
    twin = client.post(f"{API}/people", headers=m.as_["coordinator"], json={**body, "email": "LIGA@ex.lv"})
    assert twin.status_code == 409
    assert "already exists" in twin.json()["detail"]


def test_upload_limits_follow_the_settings(database: Database, tmp_path: Path) -> None:
    """DIGCOMP_MAX_IMPORT_BYTES and DIGCOMP_MAX_VERIFY_BYTES are what the handlers check, not fixed numbers."""
    settings = Settings(data_dir=tmp_path / "data", max_import_bytes=2000, max_verify_bytes=3000)
    with TestClient(create_app(settings=settings, database=database), headers={"origin": "http://testserver"}) as c:
        m = create_mobility(c, database)
        big = b"learner_given_name,learner_family_name\n" + b"Anna,Ozola\n" * 300  # 3.3 kB
        refused = c.post(f"{API}/mobilities/import", headers=m.as_["coordinator"], files={"file": ("g.csv", big)})
        assert refused.status_code in (413, 422)
        assert "2 KB" in refused.json()["detail"] or "larger than" in refused.json()["detail"]
        pdf = b"%PDF-1.7\n" + b"0" * 4000
        verify = c.post(f"{API}/verifications", files={"file": ("s.pdf", pdf, "application/pdf")})
        assert verify.status_code in (413, 422)
        assert "larger than" in verify.json()["detail"]
        assert (
            c.post(f"{API}/verifications", files={"file": ("s.pdf", pdf[:2500], "application/pdf")}).status_code == 200
        )


def test_a_revocation_by_another_school_reads_as_an_unknown_certificate(client: TestClient, database: Database) -> None:
    from tests.journey import validated_mobility

    mine = validated_mobility(client, database, "Skola Viens")
    issued = ok(client.post(f"{API}/mobilities/{mine.id}/certificate", headers=mine.as_["coordinator"], json={}), 201)
    other = create_mobility(client, database, "Skola Divi")
    reason = {"reason": "Not ours but let us try"}
    theirs = client.post(f"{API}/certificates/{issued['id']}/revocation", headers=other.as_["admin"], json=reason)
    unknown = client.post(f"{API}/certificates/DC-2026-NOSUCHONE/revocation", headers=other.as_["admin"], json=reason)
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json()["detail"] == f"certificate {issued['id']} not found"
    assert str(mine.id) not in theirs.json()["detail"]


def _login_from(database: Database, guard: LoginThrottle, email: str, password: str, address: str) -> int:
    try:
        access.login(database, email, password, TokenKind.api, throttle=guard, address=address)
    except TooManyRequests:
        return 429
    except Unauthenticated:
        return 401
    return 200


def test_nobody_can_lock_the_owner_out_and_spraying_addresses_is_refused(
    client: TestClient, database: Database
) -> None:
    m = create_mobility(client, database)
    email = ok(client.get(f"{API}/people/{m.mentor}", headers=m.as_["coordinator"]))["email"]
    guard = LoginThrottle(DatabaseStorage(database))
    assert _login_from(database, guard, email, PASSWORD, "10.9.9.9") == 200  # her own phone, last week
    # an attacker's wrong passwords from 40 rotating addresses: more than the account-wide limit
    assert {_login_from(database, guard, email, "guess-guess-1", f"203.0.113.{i}") for i in range(40)} >= {401}
    assert _login_from(database, guard, email, "guess-guess-2", "203.0.113.250") == 429  # a new address: refused
    assert _login_from(database, guard, email, PASSWORD, "10.9.9.9") == 200  # her own address: never locked out
    # spraying many addresses from one address
    sprayed = [_login_from(database, guard, f"nobody{i}@x.example", "password-1", "198.51.100.7") for i in range(30)]
    assert sprayed[:20] == [401] * 20
    assert set(sprayed[20:]) == {429}
