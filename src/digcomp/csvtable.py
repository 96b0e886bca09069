"""Spreadsheets saved as CSV: decoded, their delimiter sniffed, every row checked before anything is used.

All or nothing: if any row is wrong, ``Invalid`` lists each problem with its row number (the header is row 1)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO, TypeVar

from pydantic import ValidationError

from digcomp.errors import Invalid, InvalidValue

MAX_ROWS = 2000
MAX_BYTES = 2 * 1024 * 1024
T = TypeVar("T")


def read_upload(stream: BinaryIO, max_bytes: int = MAX_BYTES) -> bytes:
    """An uploaded file's bytes, refused with a clear message when it is larger than a spreadsheet should be."""
    content = stream.read(max_bytes + 1)
    return within_limit(content, max_bytes)


def within_limit(content: bytes, max_bytes: int = MAX_BYTES) -> bytes:
    if len(content) > max_bytes:
        raise Invalid("the file is larger than {size} MB", size=max(1, max_bytes // (1024 * 1024)))
    return content


def read_rows(content: bytes, required: Sequence[str], build: Callable[[dict[str, Any]], T]) -> list[T]:
    """Each non-blank row of the file, built into ``T`` by ``build`` (a pydantic validation)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8 text: in the spreadsheet, save it as 'CSV UTF-8'") from None
    if not text.strip():
        raise Invalid("the file is empty")
    try:
        dialect: Any = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return _rows(text, dialect, required, build)
    except csv.Error as exc:
        raise Invalid("the file is not valid CSV: {problem}", problem=str(exc)) from None


def _rows(text: str, dialect: Any, required: Sequence[str], build: Callable[[dict[str, Any]], T]) -> list[T]:
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    header = [(name or "").strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [c for c in required if c not in header]
    if missing:
        raise Invalid(
            "missing column(s): {columns}",
            [
                {"row": 1, "field": c, "msg": "required column is missing", "template": "required column is missing"}
                for c in missing
            ],
            columns=", ".join(missing),
        )
    rows: list[T] = []
    errors: list[dict[str, Any]] = []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_ROWS:
            raise Invalid("the file has more than {count} rows; split it", count=MAX_ROWS)
        if not any((value or "").strip() for value in raw.values() if isinstance(value, str)):
            continue  # blank line
        try:
            rows.append(build(raw))
        except InvalidValue as exc:
            errors.append(
                {"row": number, "field": "header", "msg": str(exc), "template": exc.template, "params": exc.params}
            )
        except ValidationError as exc:
            for e in exc.errors():
                field = ".".join(str(p) for p in e["loc"]) or "row"
                errors.append({"row": number, "field": field, "msg": str(e["msg"]).removeprefix("Value error, ")})
    if errors:
        raise Invalid(
            "{count} row(s) have problems; nothing was imported", errors, count=len({e["row"] for e in errors})
        )
    if not rows:
        raise Invalid("the file has a header but no rows")
    return rows
