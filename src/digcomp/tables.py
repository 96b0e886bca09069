"""Spreadsheets a school uploads — CSV (comma, semicolon or tab) or Excel XLSX — read into rows without ever corrupting
a value: the CSV dialect is decided from the whole file (or named by the user), quoted values keep their quotes and
commas, a row whose cell count differs from the header is refused by its number, and headers may be written in words
(Latvian or English) as well as by their column names.

All or nothing: if any row is wrong, ``Invalid`` lists each problem with its row number (the header is row 1)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from typing import Any, BinaryIO, TypeVar

from pydantic import ValidationError

from digcomp.errors import Invalid, InvalidValue

MAX_ROWS = 2000
MAX_BYTES = 2 * 1024 * 1024
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t"}
XLSX_MAGIC = b"PK\x03\x04"
T = TypeVar("T")


def read_upload(stream: BinaryIO, max_bytes: int = MAX_BYTES) -> bytes:
    """An uploaded file's bytes, refused with a clear message when it is larger than a spreadsheet should be."""
    content = stream.read(max_bytes + 1)
    return within_limit(content, max_bytes)


def within_limit(content: bytes, max_bytes: int = MAX_BYTES) -> bytes:
    if len(content) > max_bytes:
        raise Invalid("the file is larger than {size}, the most accepted here", size=readable_size(max_bytes))
    return content


def readable_size(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} KB"


def header_key(text: str) -> str:
    """A header as it is matched: lower case, no accents, words joined by ``_`` ("Vārds (LV)" → "vards_lv")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")


def read_rows(
    content: bytes,
    required: Sequence[str],
    build: Callable[[dict[str, Any]], T],
    *,
    aliases: Mapping[str, str] | None = None,
    delimiter: str | None = None,
) -> list[T]:
    """Each non-blank row of the file, built into ``T`` by ``build`` (a pydantic validation). ``aliases`` maps
    header keys (``header_key``) to column names; ``delimiter`` (comma, semicolon, tab) overrides the detection."""
    header, rows = _table(content, delimiter)
    names = [_column(cell, aliases or {}) for cell in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise Invalid(
            "missing column(s): {columns}",
            [
                {"row": 1, "field": c, "msg": "required column is missing", "template": "required column is missing"}
                for c in missing
            ],
            columns=", ".join(missing),
        )
    twice = sorted({n for n in names if n and names.count(n) > 1})
    if twice:
        raise Invalid("column(s) given twice in the header: {columns}", columns=", ".join(twice))
    built: list[T] = []
    errors: list[dict[str, Any]] = []
    for number, cells in rows:
        if number - 1 > MAX_ROWS:
            raise Invalid("the file has more than {count} rows; split it", count=MAX_ROWS)
        if not any(cell.strip() for cell in cells):
            continue  # blank line
        if (len(cells) != len(names) and any(cell.strip() for cell in cells[len(names) :])) or len(cells) < len(names):
            errors.append(_shape_problem(number, cells, names))
            continue
        raw = dict(zip(names, cells, strict=False))
        try:
            built.append(build(raw))
        except InvalidValue as exc:
            errors.append(
                {"row": number, "field": "row", "msg": str(exc), "template": exc.template, "params": exc.params}
            )
        except ValidationError as exc:
            for e in exc.errors():
                field = ".".join(str(p) for p in e["loc"]) or "row"
                errors.append({"row": number, "field": field, "msg": str(e["msg"]).removeprefix("Value error, ")})
    if errors:
        raise Invalid(
            "{count} row(s) have problems; nothing was imported", errors, count=len({e["row"] for e in errors})
        )
    if not built:
        raise Invalid("the file has a header but no rows")
    return built


def _column(cell: str, aliases: Mapping[str, str]) -> str:
    key = header_key(cell)
    return aliases.get(key, key)


def _shape_problem(number: int, cells: list[str], names: list[str]) -> dict[str, Any]:
    """A row with more or fewer cells than the header: its texts would land in the wrong columns."""
    if len(cells) > len(names):
        template = "the row has {cells} cells but the header has {columns} columns: extra cell(s) after '{last}'"
        params: dict[str, Any] = {"cells": len(cells), "columns": len(names), "last": names[-1]}
    else:
        template = "the row has {cells} cells but the header has {columns} columns: nothing for {missing}"
        params = {"cells": len(cells), "columns": len(names), "missing": ", ".join(names[len(cells) :])}
    return {"row": number, "field": "row", "msg": template.format(**params), "template": template, "params": params}


def _table(content: bytes, delimiter: str | None) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header's cells and each further row's number and cells, every cell a string."""
    if content.startswith(XLSX_MAGIC):
        return _xlsx(content)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8 text: in the spreadsheet, save it as 'CSV UTF-8' or as XLSX") from None
    if not text.strip():
        raise Invalid("the file is empty")
    if delimiter is not None and delimiter not in DELIMITERS:
        raise Invalid("the delimiter must be one of {choices}", choices=", ".join(DELIMITERS))
    separator = DELIMITERS[delimiter] if delimiter else _delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar='"', doublequote=True))
    except csv.Error as exc:
        raise Invalid("the file is not valid CSV: {problem}", problem=str(exc)) from None
    if not rows:
        raise Invalid("the file is empty")
    return [cell.strip() for cell in rows[0]], list(enumerate(rows[1:], start=2))


def _delimiter(text: str) -> str:
    """The delimiter that reads the whole file as a table: the header has more than one column and the most rows
    have as many cells as it. Quotes are read the standard way (a doubled quote inside quotes is one quote), so a
    value such as ``SIA "Kurzemes Viesnīca"`` comes back byte for byte."""
    best, best_score = ",", (-1, -1)
    for separator in (",", ";", "\t"):
        try:
            rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=separator) if any(row)]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(1 for row in rows if len(row) == width), width)
        if score > best_score:
            best, best_score = separator, score
    return best


def _xlsx(content: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise Invalid("the file is neither CSV nor a readable Excel workbook (XLSX)") from None
    try:
        sheet = book.worksheets[0]
        table = [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    while table and not any(table[-1]):
        table.pop()
    if not table:
        raise Invalid("the file is empty")
    header = table[0]
    while header and not header[-1]:
        header.pop()
    return header, list(enumerate(table[1:], start=2))


def _cell_text(value: Any) -> str:
    """A cell as the CSV would have it: dates in ISO form, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
