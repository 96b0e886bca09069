"""People's names as they are stored and printed on signed documents: one Unicode form (NFC), and nothing a reader
cannot see or tell apart — no bidirectional overrides, zero-width or other invisible characters, and no word that
mixes look-alike letters of different scripts ("Bérziņš" written with a Cyrillic "е")."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

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


PersonName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), AfterValidator(clean_name)
]
