"""E-mails, written to the outbox in the transaction of the event they tell about (so an e-mail exists exactly when
its event does, and nothing is lost while the mail server is down), in the recipient's language from the label
files (``mail/labels/<language>.yaml``; a language without a file, or a key missing from one, reads English)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from digcomp.i18n import format_day, language_name, with_corrections
from digcomp.plans import diff
from digcomp.resources import read_yaml
from digcomp.store.models import ChangeRequestKind, Mobility, Organisation, OutgoingMail, Person

LABELS = Path(__file__).with_name("labels")
FALLBACK = "en"
SECRET_KINDS = frozenset(
    {"account_invitation", "mentor_invitation", "password_reset", "staff_invitation"}
)  # the body holds a link that logs in: not kept


@cache
def labels(language: str) -> dict[str, Any]:
    path = LABELS / f"{language}.yaml"
    shipped = dict(read_yaml(path)) if path.exists() else {}
    return with_corrections("mail", language, shipped) if shipped else {}


def _label(language: str, key: str) -> Any:
    return labels(language).get(key) or labels(FALLBACK)[key]


def language_of(person: Person) -> str:
    """The language the person reads (their own setting, else their organisation's) if there are e-mails in it,
    else English — text and dates alike."""
    language = person.language or person.organisation.language or FALLBACK
    return language if labels(language) else FALLBACK


def compose(language: str, kind: str, name: str, school: Organisation, values: dict[str, Any]) -> tuple[str, str]:
    """Subject and body; dates in ``values`` are written the recipient's way."""
    shown = {k: format_day(v, language) if isinstance(v, dt.date) else v for k, v in values.items()}
    if "changes" in values:
        shown["changes"] = _changes_text(language, values["changes"])
    shown.setdefault("school", school.name)
    template = _label(language, kind)
    contact = school.contact_email
    signature = (
        _label(language, "signature").format(school=school.name, contact=contact)
        if contact
        else _label(language, "signature_no_contact").format(school=school.name)
    )
    body = "\n\n".join(
        [_label(language, "greeting").format(name=name), template["body"].format(**shown).strip(), signature]
    )
    return template["subject"].format(**shown), body + "\n"


def enqueue(
    session: Session,
    recipient: Person,
    kind: str,
    school: Organisation,
    values: dict[str, Any],
    *,
    mobility: Mobility | None = None,
    dedupe_key: str | None = None,
    to_address: str | None = None,
) -> OutgoingMail | None:
    """Queue one e-mail to a person (at ``to_address``, else their e-mail); None when they have no address (or the
    same ``dedupe_key`` was queued)."""
    address = to_address or recipient.email
    if not address or recipient.erased_at is not None:
        return None
    if dedupe_key and queued(session, dedupe_key):
        return None
    language = language_of(recipient)
    subject, body = compose(language, kind, recipient.given_name, school, values)
    mail = OutgoingMail(
        recipient_id=recipient.id,
        mobility_id=mobility.id if mobility else None,
        to_address=address,
        language=language,
        kind=kind,
        subject=subject,
        body=body,
        dedupe_key=dedupe_key,
    )
    session.add(mail)
    return mail


# --- the events -------------------------------------------------------------------------------------------------


def _placement(mobility: Mobility) -> dict[str, Any]:
    learner = mobility.learner
    return {
        "learner": f"{learner.given_name} {learner.family_name}",
        "host": mobility.host_organisation.name,
        "start": mobility.start_date,
        "end": mobility.end_date,
    }


def mentor_invitation_text(mobility: Mobility, link: str, expires: dt.datetime) -> tuple[str, str]:
    """(subject, body) of the invitation with a mentor link, in the mentor's language: for the coordinator's own
    e-mail program (a ``mailto:``) when the school sends it by hand."""
    mentor = mobility.mentor
    values = {**_placement(mobility), "link": link, "expires": expires.date()}
    name = mentor.given_name if mentor else ""
    return compose(
        language_of(mentor) if mentor else FALLBACK, "mentor_invitation", name, mobility.sending_organisation, values
    )


def mentor_invitation(session: Session, mobility: Mobility, link: str, expires: dt.datetime) -> bool:
    if mobility.mentor is None:
        return False
    values = {**_placement(mobility), "link": link, "expires": expires.date()}
    return (
        enqueue(session, mobility.mentor, "mentor_invitation", mobility.sending_organisation, values, mobility=mobility)
        is not None
    )


def plan_waiting(
    session: Session,
    mobility: Mobility,
    version_id: int,
    number: int,
    people: list[Person],
    changes: Sequence[diff.Change] = (),
) -> None:
    """Ask the parties who have not confirmed a plan version yet; each is asked once per version. A revised version
    says what changed from the one before."""
    values: dict[str, Any] = {
        **_placement(mobility),
        "version": number,
        "link": f"{base_url()}/mobilities/{mobility.id}",
    }
    kind = "plan_waiting"
    if number > 1:
        kind, values["changes"] = "plan_revised", list(changes)
    for person in people:
        key = f"plan_waiting:{version_id}:{person.id}"
        enqueue(session, person, kind, mobility.sending_organisation, values, mobility=mobility, dedupe_key=key)


def plan_change_requested(
    session: Session, mobility: Mobility, number: int, kind: ChangeRequestKind, writer: str, comment: str
) -> None:
    """Tell the coordinator that the host mentor or the learner declined a plan version or asked for a change."""
    values = {
        **_placement(mobility),
        "version": number,
        "writer": writer,
        "comment": comment,
        "link": f"{base_url()}/mobilities/{mobility.id}#plan",
    }
    assert mobility.coordinator is not None
    enqueue(
        session,
        mobility.coordinator,
        f"plan_{kind.value}_requested",
        mobility.sending_organisation,
        values,
        mobility=mobility,
    )


def _changes_text(language: str, changes: Sequence[diff.Change]) -> str:
    """The changes of a plan version, one line per outcome, in the recipient's language."""
    lines = []
    for change in changes:
        text = change.text.get(language) or change.text.get("en") or next(iter(change.text.values()), "")
        parts = ", ".join(
            dict.fromkeys(
                _label(language, f"change_part_{part.name}").format(language=language_name(part.language, language))
                for part in change.fields
            )
        )
        lines.append(
            _label(language, f"change_{change.kind.value}").format(number=change.number, text=text, parts=parts)
        )
    return "\n".join(lines) or "—"


def certificate_issued(session: Session, mobility: Mobility, certificate_id: str) -> None:
    base = base_url()
    values = {
        **_placement(mobility),
        "link": f"{base}/mobilities/{mobility.id}",
        "verify": f"{base}/verify/{certificate_id}",
    }
    key = f"certificate_issued:{certificate_id}"
    school = mobility.sending_organisation
    enqueue(session, mobility.learner, "certificate_issued", school, values, mobility=mobility, dedupe_key=key)


def reminder_key(mobility: Mobility) -> str:
    return f"rating_reminder:{mobility.id}:{mobility.end_date.isoformat()}"  # once per end date, even if it moves


def queued(session: Session, dedupe_key: str) -> bool:
    return bool(session.scalar(select(exists().where(OutgoingMail.dedupe_key == dedupe_key))))


def rating_reminder(session: Session, mobility: Mobility, missing: int, link: str) -> bool:
    if mobility.mentor is None:
        return False
    values = {**_placement(mobility), "missing": missing, "link": link}
    school = mobility.sending_organisation
    key = reminder_key(mobility)
    mail = enqueue(session, mobility.mentor, "rating_reminder", school, values, mobility=mobility, dedupe_key=key)
    return mail is not None


# The address the service is reached at, for the request being answered (``api.middleware.PublicAddress``): e-mails
# link to it, as mentor links do. Outside a request (command line, worker), DIGCOMP_PUBLIC_URL or the local address.
SERVED_AT: ContextVar[str | None] = ContextVar("digcomp_served_at", default=None)


def base_url() -> str:
    from digcomp.settings import get_settings

    return SERVED_AT.get() or get_settings().offline_base_url


def pending(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).select_from(OutgoingMail).where(OutgoingMail.sent_at.is_(None))) or 0
    )
