"""Mentor links as the coordinator sees them: the URL, a QR code to scan, and an e-mail ready to send."""

from __future__ import annotations

from urllib.parse import quote

import qrcode
import qrcode.image.svg

from digcomp.access.service import MentorLinkOut


def qr_svg(url: str) -> str:
    """An inline SVG QR code (one path, scales without blur)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=6, border=2)
    return str(image.to_string(encoding="unicode"))


def mailto(email: str | None, subject: str, body: str) -> str:
    return f"mailto:{quote(email or '')}?subject={quote(subject)}&body={quote(body)}"


def link_card(link: MentorLinkOut, email: str | None, subject: str, body: str) -> dict[str, object]:
    return {"link": link, "qr": qr_svg(link.url) if link.active else "", "mailto": mailto(email, subject, body)}
