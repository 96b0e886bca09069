"""Every message the domain can raise reaches a Latvian reader in Latvian, with the same placeholders."""

from __future__ import annotations

import ast
import datetime as dt
import string
from pathlib import Path

import yaml

from digcomp.errors import Conflict, LanguageName, Phrase, Term
from digcomp.i18n import HERE, Localizer

SOURCE = Path(__file__).resolve().parents[1] / "src" / "digcomp"
# Constructors whose first string argument (second for require/problem) is a message template.
MESSAGE_CALLS = {
    "Conflict": 0,
    "Invalid": 0,
    "Forbidden": 0,
    "Unauthenticated": 0,
    "TooLarge": 0,
    "UnsupportedType": 0,
    "InvalidValue": 0,
    "Phrase": 0,
    "Term": 0,
    "NotFound": 0,
    "require": 1,
    "problem": 1,
}


def _templates() -> tuple[set[str], list[str]]:
    found, formatted = set(), []
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            index = MESSAGE_CALLS.get(str(name))
            if index is None or len(node.args) <= index:
                continue
            argument = node.args[index]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.add(argument.value)
            elif isinstance(argument, ast.JoinedStr):
                formatted.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    return found, formatted


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_has_a_latvian_translation_with_the_same_placeholders() -> None:
    catalogue = yaml.safe_load((HERE / "messages.lv.yaml").read_text(encoding="utf-8"))
    templates, formatted = _templates()
    assert not formatted, f"messages must be templates with parameters, not f-strings: {formatted}"
    assert len(templates) > 100
    missing = sorted(t for t in templates if t not in catalogue)
    assert not missing, f"no Latvian translation in i18n/messages.lv.yaml for: {missing}"
    different = [t for t in templates if _fields(t) != _fields(catalogue[t])]
    assert not different, f"placeholders differ in the translation of: {different}"


def test_a_refusal_is_told_in_the_readers_language() -> None:
    refusal = Conflict("plan version {number} is already confirmed by the {role}", number=2, role=Term("mentor"))
    assert refusal.message == "plan version 2 is already confirmed by the mentor"
    assert Localizer("lv").error(refusal) == "plāna versijai 2 jau piekritis uzņēmēja mentors"
    listed = Conflict(
        "the plan cannot be agreed yet: the host mentor reads {languages}, and these texts are missing in it: "
        "{missing}",
        languages=Phrase("{first} or {second}", first=LanguageName("it"), second=LanguageName("en")),
        missing=[Phrase("outcome {number}: its text", number=1), Phrase("the tasks at the host")],
    )
    assert "reads Italian or English" in listed.message
    assert "outcome 1: its text; the tasks at the host" in listed.message
    latvian = Localizer("lv").error(listed)
    assert "itāļu vai angļu" in latvian
    assert "1. rezultāts: tā teksts; uzdevumi pie uzņēmēja" in latvian
    revoked = Phrase("revoked on {date}", date=dt.date(2026, 3, 2))
    assert str(revoked) == "revoked on 2026-03-02"
    assert Localizer("lv").error(revoked) == "atsaukts 2026. gada 2. marts"
