"""A file to save: the answer that makes a browser download it under a given name."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import Response


def download(content: bytes, media_type: str, filename: str) -> Response:
    """``filename`` may hold any letters (a group called "Rīga-2026"): an ASCII fallback name plus its UTF-8 form
    (RFC 6266 / RFC 5987), as every current browser reads."""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", filename)
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})
