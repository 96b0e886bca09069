"""Delivering the outbox over SMTP. A failed attempt is retried after a growing pause (1, 2, 4 … minutes, at most
six hours) up to ``MAX_ATTEMPTS``; an e-mail is marked sent only after the server accepted it. Several senders may
run at once (worker processes on PostgreSQL): each claims its e-mails by pushing their next attempt forward in the
claiming transaction (rows locked with SKIP LOCKED), so no e-mail goes out twice in normal operation."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from digcomp.access.staff import RESET_REQUEST, resolve_resets
from digcomp.mail.outbox import SECRET_KINDS, pending
from digcomp.settings import Settings
from digcomp.store.db import Database
from digcomp.store.models import OutgoingMail, utcnow

log = logging.getLogger("digcomp.mail")
MAX_ATTEMPTS = 12
BATCH = 50
CLAIM = dt.timedelta(minutes=5)  # a sender that died holding e-mails releases them after this


@dataclass(frozen=True)
class Delivery:
    sent: int = 0
    failed: int = 0
    waiting: int = 0  # not due yet, or no mail server configured


def backoff(attempts: int) -> dt.timedelta:
    return min(dt.timedelta(minutes=2 ** (attempts - 1)), dt.timedelta(hours=6))


def _message(settings: Settings, mail: OutgoingMail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2].strip("> ") or "localhost")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body)
    message["Content-Language"] = mail.language  # after the content: setting it clears Content-* headers
    return message


def _connect(settings: Settings) -> smtplib.SMTP:
    host = settings.smtp_host or "localhost"
    context = ssl.create_default_context()
    if settings.smtp_security == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(host, settings.smtp_port, timeout=30, context=context)
    else:
        server = smtplib.SMTP(host, settings.smtp_port, timeout=30)
        if settings.smtp_security == "starttls":
            server.starttls(context=context)
    if settings.smtp_username and settings.smtp_password:
        server.login(settings.smtp_username, settings.smtp_password.get_secret_value())
    return server


def _claim(session: Session, now: dt.datetime) -> list[int]:
    due = list(
        session.scalars(
            select(OutgoingMail)
            .where(
                OutgoingMail.sent_at.is_(None),
                OutgoingMail.kind != RESET_REQUEST,  # a request, not a message: resolved first
                OutgoingMail.next_attempt_at <= now,
                OutgoingMail.attempts < MAX_ATTEMPTS,
            )
            .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    for mail in due:
        mail.next_attempt_at = now + CLAIM
    return [mail.id for mail in due]


def deliver_due(database: Database, settings: Settings, now: dt.datetime | None = None) -> Delivery:
    """Send every e-mail that is due; None of this runs without ``smtp_host``."""
    if not settings.smtp_host:
        return Delivery(waiting=database.read(pending))
    database.run(resolve_resets)
    now = now or utcnow()
    claimed = database.run(lambda s: _claim(s, now))
    if not claimed:
        return Delivery(waiting=database.read(pending))
    messages = database.read(
        lambda s: {
            m.id: _message(settings, m) for m in s.scalars(select(OutgoingMail).where(OutgoingMail.id.in_(claimed)))
        }
    )
    outcomes: dict[int, str | None] = {}
    try:
        server = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        outcomes = dict.fromkeys(claimed, f"cannot reach the mail server: {exc}")
    else:
        with server:
            for ident in claimed:
                try:
                    server.send_message(messages[ident])
                    outcomes[ident] = None
                except (OSError, smtplib.SMTPException) as exc:
                    outcomes[ident] = str(exc)
    database.run(lambda s: _record(s, outcomes, now))
    failed = sum(1 for error in outcomes.values() if error)
    if failed:
        log.warning("%d e-mail(s) not delivered; they are retried later", failed)
    return Delivery(sent=len(outcomes) - failed, failed=failed, waiting=database.read(pending))


def _record(session: Session, outcomes: dict[int, str | None], now: dt.datetime) -> None:
    for mail in session.scalars(select(OutgoingMail).where(OutgoingMail.id.in_(list(outcomes)))):
        error = outcomes[mail.id]
        mail.attempts += 1
        if error is None:
            mail.sent_at, mail.last_error = utcnow(), ""
            if mail.kind in SECRET_KINDS:
                mail.body = ""  # the login link it carried is not kept once delivered
        else:
            mail.last_error = error[:2000]
            mail.next_attempt_at = now + backoff(mail.attempts)
