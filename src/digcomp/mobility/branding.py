"""A school's branding on its pages: its logo and its main colour."""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError
from sqlalchemy.orm import Session

from digcomp.access.actor import Actor
from digcomp.access.staff import require_admin
from digcomp.audit import log as audit
from digcomp.errors import Invalid
from digcomp.store.models import Organisation

MAX_LOGO_BYTES = 300 * 1024
MAX_LOGO_SIDE = 2000
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


def _school_admin(session: Session, actor: Actor) -> Organisation:
    require_admin(actor)
    return session.get_one(Organisation, actor.organisation_id)


def set_logo(session: Session, actor: Actor, content: bytes) -> Organisation:
    """Store the school's logo: a PNG or JPEG picture, checked to be one, of a sensible size."""
    school = _school_admin(session, actor)
    if len(content) > MAX_LOGO_BYTES:
        raise Invalid("the logo is larger than {size} KB; save it smaller", size=MAX_LOGO_BYTES // 1024)
    try:
        with Image.open(io.BytesIO(content)) as picture:
            picture.verify()
            kind, (width, height) = picture.format or "", picture.size
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise Invalid("the logo must be a PNG or JPEG picture") from None
    if kind not in LOGO_FORMATS:
        raise Invalid("the logo must be a PNG or JPEG picture")
    if max(width, height) > MAX_LOGO_SIDE:
        raise Invalid(
            "the logo is {width}×{height} pixels; at most {side} on a side",
            width=width,
            height=height,
            side=MAX_LOGO_SIDE,
        )
    school.logo, school.logo_media_type = content, LOGO_FORMATS[kind]
    audit.record(session, actor, "organisation.logo_set", f"organisation:{school.id}", after={"bytes": len(content)})
    return school


def remove_logo(session: Session, actor: Actor) -> None:
    school = _school_admin(session, actor)
    school.logo, school.logo_media_type = None, ""
    audit.record(session, actor, "organisation.logo_removed", f"organisation:{school.id}")
