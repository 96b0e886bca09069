"""The certificate template: layout and labels from ``certificates/``, fonts registered with reportlab."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from digcomp.i18n import DOCUMENT_LANGUAGES, with_corrections
from digcomp.resources import read_yaml, shipped

REGULAR, BOLD, FALLBACK = "Statement-Regular", "Statement-Bold", "Statement-Fallback"


@dataclass(frozen=True)
class Template:
    folder: Path
    layout: dict[str, Any]
    labels: dict[str, dict[str, Any]]  # language -> labels
    covered: frozenset[int]  # the code points the regular font has
    fallback: bool  # a fallback font is registered for the rest

    def label(self, key: str, language: str) -> str:
        return str(self.labels[language].get(key, ""))

    def method(self, method: str, language: str) -> str:
        return str(self.labels[language].get("methods", {}).get(method, method))

    @property
    def logo(self) -> Path | None:
        logo = self.layout.get("logo")
        return self.folder / logo if logo else None


def _read(path: Path) -> dict[str, Any]:
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping")
    return data


@lru_cache(maxsize=4)
def load_template(folder: Path | None = None) -> Template:
    folder = folder or shipped("certificates")
    layout = _read(folder / "layout.yaml")
    labels = {
        language: with_corrections("certificates", language, _read(folder / "labels" / f"{language}.yaml"))
        for language in DOCUMENT_LANGUAGES
    }
    for language, table in labels.items():
        if differ := set(table) ^ set(labels["en"]):
            raise ValueError(f"certificate labels in {language} differ from English: {sorted(differ)}")
    covered, fallback = _register_fonts(folder, layout)
    return Template(folder=folder, layout=layout, labels=labels, covered=covered, fallback=fallback)


def _register_fonts(folder: Path, layout: dict[str, Any]) -> tuple[frozenset[int], bool]:
    registered = pdfmetrics.getRegisteredFontNames()
    if REGULAR not in registered:
        pdfmetrics.registerFont(TTFont(REGULAR, str(folder / layout["fonts"]["regular"])))
        pdfmetrics.registerFont(TTFont(BOLD, str(folder / layout["fonts"]["bold"])))
        pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)
    if FALLBACK not in registered:
        for candidate in layout["fonts"].get("fallback", []):
            path = folder / candidate
            if path.exists():
                pdfmetrics.registerFont(TTFont(FALLBACK, str(path)))
                break
    covered = frozenset(pdfmetrics.getFont(REGULAR).face.charToGlyph)
    return covered, FALLBACK in pdfmetrics.getRegisteredFontNames()
