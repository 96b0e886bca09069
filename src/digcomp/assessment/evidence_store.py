"""Evidence files on disk, content-addressed by SHA-256. The client's file name and type are never trusted:
the type is judged from the bytes, the name is kept only as a title."""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import puremagic
from PIL import Image

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


OOXML_MAIN_PART = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "word/document.xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xl/workbook.xml",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "ppt/presentation.xml",
}
PILLOW_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 100  # a part packed more than 100 : 1 is a decompression bomb, not a document
ZIP_END = b"PK\x05\x06"


def check_content(path: Path, media_type: str, max_pixels: int) -> None:
    """What the first bytes promise, the whole file must keep: an office document must be a real OOXML package of
    its kind and not a bomb, an image must decode and not be absurdly large, and nothing may hide an archive."""
    if media_type in OOXML_MAIN_PART:
        _check_ooxml(path, OOXML_MAIN_PART[media_type])
        return
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - 65_536))
        if ZIP_END in handle.read():
            raise UnsupportedType("the file hides an archive inside; send the file on its own")
    if media_type in PILLOW_TYPES:
        _check_image(path, max_pixels)
    if media_type == "application/pdf":
        _check_pdf(path)


ACTIVE_PDF_KEYS = frozenset({"/JS", "/AA", "/OpenAction", "/EmbeddedFiles", "/Launch", "/RichMedia"})
ACTIVE_PDF_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/RichMediaExecute"})


def _check_pdf(path: Path) -> None:
    """Evidence is read, not run: a PDF with JavaScript, actions that start when it opens, launch actions or
    embedded files is refused (read with pikepdf, every object and what it holds directly)."""
    import pikepdf

    def active(item: object) -> bool:
        if isinstance(item, pikepdf.Stream):
            item = item.stream_dict
        if isinstance(item, pikepdf.Array):
            return any(active(element) for element in item if not getattr(element, "is_indirect", False))
        if not isinstance(item, pikepdf.Dictionary):
            return False
        keys = set(item.keys())
        if keys & ACTIVE_PDF_KEYS or str(item.get("/Type", "")) == "/EmbeddedFile":
            return True
        if "/S" in keys and str(item.get("/S")) in ACTIVE_PDF_ACTIONS:
            return True
        return any(active(item[key]) for key in keys if not getattr(item[key], "is_indirect", False))

    try:
        with pikepdf.open(path) as document:
            if any(active(item) for item in document.objects):
                raise UnsupportedType(
                    "the PDF holds JavaScript, actions or embedded files; print it to a plain PDF and send that"
                )
    except pikepdf.PdfError:
        raise UnsupportedType("the PDF cannot be read; it may be damaged") from None


def _check_ooxml(path: Path, main_part: str) -> None:
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            if "[Content_Types].xml" not in names or main_part not in names:
                raise UnsupportedType("the file is not a real office document of its kind (DOCX, XLSX or PPTX)")
            unpacked = 0
            for member in package.infolist():
                unpacked += member.file_size
                if unpacked > MAX_UNPACKED or member.file_size > MAX_RATIO * max(member.compress_size, 1024):
                    raise UnsupportedType("the office document unpacks to far more than it weighs; it is refused")
    except (zipfile.BadZipFile, OSError):
        raise UnsupportedType("the file is not a real office document of its kind (DOCX, XLSX or PPTX)") from None


def _check_image(path: Path, max_pixels: int) -> None:
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise UnsupportedType(
                    "the image is {width} × {height} pixels, more than this service takes; send a smaller one",
                    width=width,
                    height=height,
                )
            image.verify()
    except (OSError, SyntaxError, Image.DecompressionBombError):
        raise UnsupportedType("the image cannot be read; it may be damaged") from None


class EvidenceStore:
    def __init__(self, root: Path, max_pixels: int = 40_000_000) -> None:
        self.root = root
        self.max_pixels = max_pixels

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256

    def save(self, stream: BinaryIO, max_bytes: int) -> StoredFile:
        """Stream to a temporary file while hashing; refuse oversize or unaccepted content; then move into place."""
        digest = hashlib.sha256()
        size = 0
        head = b""
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
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
            check_content(Path(temporary), media_type, self.max_pixels)
            stored = StoredFile(digest.hexdigest(), size, media_type)
            target = self.path(stored.sha256)
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.root, 0o700)  # photos of learners, often minors: the owner only
            os.replace(temporary, target)  # the same content always lands at the same path: idempotent
            os.chmod(target, 0o600)
            return stored
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
