"""Evidence files on disk, content-addressed by SHA-256. The client's file name and type are never trusted:
the type is judged from the bytes, the name is kept only as a title."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import puremagic

from digcomp.errors import TooLarge, UnsupportedType

CHUNK = 1024 * 1024
ACCEPTED = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
    "video/mp4": ".mp4",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
}


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    media_type: str

    @property
    def extension(self) -> str:
        return ACCEPTED.get(self.media_type, "")


def detect_type(head: bytes) -> str | None:
    try:
        candidates = puremagic.magic_string(head)
    except puremagic.PureError:
        return None
    for candidate in candidates:
        mime = str(candidate.mime_type)
        if mime in ACCEPTED:
            return mime
        if candidate.extension in (".heic", ".heif"):
            return "image/heic"
    return None


class EvidenceStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "tmp").mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256

    def save(self, stream: BinaryIO, max_bytes: int) -> StoredFile:
        """Stream to a temporary file while hashing; refuse oversize or unaccepted content; then move into place."""
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, temporary = tempfile.mkstemp(dir=self.root / "tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(
                            "the file is larger than the limit of {size} MB", size=max_bytes // (1024 * 1024)
                        )
                    if len(head) < 8192:
                        head += chunk[: 8192 - len(head)]
                    digest.update(chunk)
                    out.write(chunk)
            if size == 0:
                raise UnsupportedType("the file is empty")
            media_type = detect_type(head)
            if media_type is None:
                accepted = ", ".join(sorted({ext.lstrip(".").upper() for ext in ACCEPTED.values()}))
                raise UnsupportedType(
                    "this kind of file is not accepted as evidence (accepted: {accepted})", accepted=accepted
                )
            stored = StoredFile(digest.hexdigest(), size, media_type)
            target = self.path(stored.sha256)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temporary, target)  # the same content always lands at the same path: idempotent
            os.chmod(target, 0o640)
            return stored
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
