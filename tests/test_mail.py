"""E-mail that arrives: a real SMTP server (aiosmtpd) started by the test receives what digcomp sends — the mentor's
invitation with the link in the mentor's language, "plan waiting for your confirmation", "your certificate is
ready", the reminder before the placement ends while ratings are missing. With the server down nothing is lost:
the outbox keeps the e-mail and it goes out, once, when the server is back."""

from __future__ import annotations

import datetime as dt
import email
import socket
from collections.abc import Iterator
from email.message import Message
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from digcomp.i18n import format_day
from digcomp.mail import reminders, sender
from digcomp.settings import Settings
from digcomp.store.db import Database
from digcomp.store.models import OutgoingMail
from tests.journey import API, START, agreed_plan, create_mobility, ok, validated_mobility

aiosmtpd = pytest.importorskip("aiosmtpd.controller")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.inbox = Inbox()
        self.controller = aiosmtpd.Controller(self.inbox, hostname="127.0.0.1", port=port)

    def __enter__(self) -> Inbox:
        self.controller.start()
        return self.inbox

    def __exit__(self, *_: object) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_port() -> int:
    return _free_port()


@pytest.fixture
def mail_settings(settings: Settings, smtp_port: int) -> Settings:
    """The sender's settings; the app under test has none, so only the test sends (no background round)."""
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_security": "none",
            "mail_from": "Skola <skola@example.lv>",
        }
    )


@pytest.fixture
def smtp(smtp_port: int) -> Iterator[Inbox]:
    with SmtpServer(smtp_port) as inbox:
        yield inbox


def _body(message: Message) -> str:
    return message.get_body().get_content()  # type: ignore[union-attr, attr-defined]


def test_the_mentor_is_invited_in_her_language_and_the_link_works(
    client: TestClient, database: Database, mail_settings: Settings, smtp: Inbox
) -> None:
    m = create_mobility(client, database)
    ok(client.patch(f"{API}/people/{m.mentor}", headers=m.as_["coordinator"], json={"language": "it"}))
    mentor = ok(client.get(f"{API}/people/{m.mentor}", headers=m.as_["coordinator"]))
    link = ok(client.post(f"{API}/mobilities/{m.id}/mentor-links", headers=m.as_["coordinator"], json={}), 201)
    assert link["emailed"] is True
    silent = ok(
        client.post(
            f"{API}/mobilities/{m.id}/mentor-links", headers=m.as_["coordinator"], json={"email_to_mentor": False}
        ),
        201,
    )
    assert silent["emailed"] is False

    delivery = sender.deliver_due(database, mail_settings)
    assert (delivery.sent, delivery.failed, delivery.waiting) == (1, 0, 0)
    [invitation] = smtp.to(mentor["email"])
    assert invitation["Subject"] == "Valutazione del tirocinio di Jānis Bērziņš presso Hotel Aurora"
    assert invitation["Content-Language"] == "it"
    body = _body(invitation)
    assert body.startswith("Buongiorno Lucía,")
    assert link["url"] in body
    assert format_day(START, "it") in body  # dates the recipient's way: "2 mar 2026"
    opened = client.get(link["url"].removeprefix("http://testserver"), follow_redirects=False)
    assert opened.status_code in (302, 303)
    with database.session() as session:
        stored = session.scalars(select(OutgoingMail)).one()
        assert stored.sent_at is not None
        assert stored.body == ""  # the login link is not kept once delivered
    assert sender.deliver_due(database, mail_settings).sent == 0  # sent once


def test_plan_confirmation_and_certificate_mails_reach_the_right_people_once(
    client: TestClient, database: Database, mail_settings: Settings, smtp: Inbox
) -> None:
    m = validated_mobility(client, database)
    people = {
        role: ok(client.get(f"{API}/people/{ident}", headers=m.as_["coordinator"]))["email"]
        for role, ident in (("learner", m.learner), ("mentor", m.mentor))
    }
    ok(client.post(f"{API}/mobilities/{m.id}/certificate", headers=m.as_["coordinator"], json={"languages": "en"}), 201)
    sender.deliver_due(database, mail_settings)

    learner_mail = smtp.to(people["learner"])
    subjects = sorted(message["Subject"] for message in learner_mail)
    assert subjects == [
        "Jūsu apliecinājums no Rīgas Tehniskā koledža ir gatavs",
        "Lūdzu, apstipriniet izglītojamā Jānis Bērziņš mācību plānu",
    ]  # the learner reads Latvian (the school's language): once per plan version, once per certificate
    certificate = next(msg for msg in learner_mail if "apliecinājums" in msg["Subject"])
    certificate_id = ok(client.get(f"{API}/mobilities/{m.id}/certificate", headers=m.as_["learner"]))["id"]
    assert f"/verify/{certificate_id}" in _body(certificate)
    mentor_mail = smtp.to(people["mentor"])
    # the mentor reads Spanish: her e-mail is Spanish
    assert [msg["Subject"] for msg in mentor_mail] == ["Confirme el plan de aprendizaje de Jānis Bērziņš"]


def test_nothing_is_lost_while_the_mail_server_is_down(
    client: TestClient, database: Database, mail_settings: Settings, smtp_port: int
) -> None:
    m = create_mobility(client, database)
    ok(client.post(f"{API}/mobilities/{m.id}/mentor-links", headers=m.as_["coordinator"], json={}), 201)
    now = dt.datetime.now(dt.UTC)
    down = sender.deliver_due(database, mail_settings, now)
    assert (down.sent, down.failed, down.waiting) == (0, 1, 1)
    with database.session() as session:
        waiting = session.scalars(select(OutgoingMail)).one()
        assert waiting.attempts == 1
        assert "cannot reach the mail server" in waiting.last_error
        retry_at = waiting.next_attempt_at
    assert retry_at - now == sender.backoff(1)
    with SmtpServer(smtp_port) as inbox:
        assert sender.deliver_due(database, mail_settings, now + dt.timedelta(seconds=30)).sent == 0  # not yet due
        assert sender.deliver_due(database, mail_settings, now + dt.timedelta(minutes=2)).sent == 1
        assert len(inbox.messages) == 1


def test_the_mentor_is_reminded_once_before_the_end_while_ratings_are_missing(
    client: TestClient, database: Database, mail_settings: Settings, smtp: Inbox
) -> None:
    m = create_mobility(client, database)
    today = dt.date.today()
    end = today + dt.timedelta(days=5)
    dates = {"start_date": (today - dt.timedelta(days=60)).isoformat(), "end_date": end.isoformat()}
    ok(client.patch(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"], json=dates))
    agreed_plan(client, m)
    mentor = ok(client.get(f"{API}/people/{m.mentor}", headers=m.as_["coordinator"]))["email"]

    def remind(day: dt.date) -> int:
        return database.run(lambda s: reminders.queue_reminders(s, mail_settings, day))

    assert remind(today - dt.timedelta(days=10)) == 0  # too early
    assert remind(today) == 1
    assert remind(today + dt.timedelta(days=1)) == 0  # once per end date
    sender.deliver_due(database, mail_settings)
    [reminder] = [msg for msg in smtp.to(mentor) if "terminan el" in msg["Subject"]]  # she reads Spanish
    written = format_day(end, "es")  # "12 dic 2026": the date written her way
    subject = " ".join(str(reminder["Subject"]).split())  # unfolded: a long non-ASCII subject is folded on the wire
    assert subject == f"Las prácticas de Jānis Bērziņš terminan el {written}: faltan 3 valoraciones"
    link = next(line for line in _body(reminder).splitlines() if "/m/" in line).strip()
    opened = client.get(link.removeprefix("http://testserver"), follow_redirects=False)
    assert opened.status_code in (302, 303)
