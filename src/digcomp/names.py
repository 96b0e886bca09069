"""People's names as they are stored and printed on signed documents: one Unicode form (NFC), and nothing a reader
cannot see or tell apart — no bidirectional overrides, zero-width or other invisible characters, and no word that
mixes look-alike letters of different scripts ("Bérziņš" written with a Cyrillic "е")."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from digcomp.errors import InvalidValue

SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "GEORGIAN")  # alphabets with letters that look alike


def _script(character: str) -> str | None:
    name = unicodedata.name(character, "")
    return next((script for script in SCRIPTS if name.startswith(script)), None)


def clean_name(value: str) -> str:
    """``value`` in NFC; ``InvalidValue`` for an invisible or control character or a word of mixed look-alike
    scripts."""
    text = unicodedata.normalize("NFC", value)
    for character in text:
        category = unicodedata.category(character)
        if category in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp") or (category == "Zs" and character != " "):
            raise InvalidValue(
                "a name may not contain invisible or control characters (U+{code:04X})", code=ord(character)
            )
    for word in text.split():
        scripts = {script for character in word if (script := _script(character)) is not None}
        if len(scripts) > 1:
            raise InvalidValue("'{word}' mixes letters of different alphabets that look alike", word=word)
    return text


# What the published contract says of a name (the look-alike rule, across characters, is the server's alone):
# printable text without control, format or other invisible characters.
VISIBLE_TEXT = (
    r"^[^\u0000-\u001f\u007f-\u009f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f\u2028-\u202e"
    r"\u2060-\u206f\ufeff\ufff9-\ufffb\ue000-\uf8ff]*$"
)
PersonName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(clean_name),
    Field(json_schema_extra={"pattern": VISIBLE_TEXT}),
]
