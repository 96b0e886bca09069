"""The European emblem with the "Co-funded by the European Union" statement, drawn as vector graphics to the
emblem's published geometry (Council of Europe / EU graphic specifications) — no image file:

- a rectangle 1.5 times as wide as it is high, in Reflex Blue (RGB 0, 51, 153);
- twelve five-pointed stars in Yellow (RGB 255, 204, 0) standing upright, placed like the hours on a clock face
  on an invisible circle whose radius is one third of the height;
- each star's points on a circle whose radius is one eighteenth of the height.

The statement stands beside the emblem, in each document language (the EU's published translations), in black,
the same height order as the emblem (EU visibility rules for funded actions, 2021–2027)."""

from __future__ import annotations

import math

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

REFLEX_BLUE = colors.Color(0 / 255, 51 / 255, 153 / 255)
YELLOW = colors.Color(255 / 255, 204 / 255, 0 / 255)
STATEMENT = {
    "bg": "Съфинансирано от Европейския съюз",
    "cs": "Spolufinancováno Evropskou unií",
    "da": "Medfinansieret af Den Europæiske Union",
    "de": "Kofinanziert von der Europäischen Union",
    "el": "Συγχρηματοδοτείται από την Ευρωπαϊκή Ένωση",
    "en": "Co-funded by the European Union",
    "es": "Cofinanciado por la Unión Europea",
    "et": "Kaasrahastanud Euroopa Liit",
    "fi": "Euroopan unionin osarahoittama",
    "fr": "Cofinancé par l'Union européenne",
    "ga": "Arna chómhaoiniú ag an Aontas Eorpach",
    "hr": "Sufinancira Europska unija",
    "hu": "Az Európai Unió társfinanszírozásával",
    "it": "Cofinanziato dall'Unione europea",
    "lt": "Bendrai finansuoja Europos Sąjunga",
    "lv": "Līdzfinansē Eiropas Savienība",
    "mt": "Kofinanzjat mill-Unjoni Ewropea",
    "nl": "Medegefinancierd door de Europese Unie",
    "pl": "Współfinansowane przez Unię Europejską",
    "pt": "Cofinanciado pela União Europeia",
    "ro": "Cofinanțat de Uniunea Europeană",
    "sk": "Spolufinancované Európskou úniou",
    "sl": "Sofinancira Evropska unija",
    "sv": "Medfinansieras av Europeiska unionen",
}
INNER_RATIO = math.cos(math.radians(72)) / math.cos(math.radians(36))  # a regular five-pointed star


def funded(programme: str, project_reference: str) -> bool:
    """An Erasmus+ (EU-funded) mobility with its project reference carries the emblem."""
    return bool(project_reference.strip()) and "erasmus" in programme.lower()


def star(cx: float, cy: float, outer: float) -> list[float]:
    """The ten corners of an upright five-pointed star (one point straight up)."""
    points: list[float] = []
    for k in range(10):
        radius = outer if k % 2 == 0 else outer * INNER_RATIO
        angle = math.radians(90 + 36 * k)
        points += [cx + radius * math.cos(angle), cy + radius * math.sin(angle)]
    return points


def stars(height: float) -> list[list[float]]:
    """The twelve stars of an emblem ``height`` high (and 1.5 × as wide), each as its ten corners."""
    cx, cy = 0.75 * height, height / 2
    found = []
    for hour in range(12):
        angle = math.radians(90 - 30 * hour)
        found.append(star(cx + height / 3 * math.cos(angle), cy + height / 3 * math.sin(angle), height / 18))
    return found


class CoFunded(Flowable):  # type: ignore[misc]
    """The emblem and, beside it, the statement in each language (one line each), drawn straight on the canvas in
    the document's embedded font (a ReportLab Drawing would name Helvetica, which PDF/A forbids unembedded)."""

    def __init__(self, height: float, languages: list[str], font: str) -> None:
        super().__init__()
        self.lines = [STATEMENT.get(language, STATEMENT["en"]) for language in dict.fromkeys(languages)]
        self.font, self.height = font, height
        self.size = height / max(2.2, 1.25 * len(self.lines) + 0.6)
        self.gap = height * 0.25
        self.width = 1.5 * height + self.gap + max(stringWidth(line, font, self.size) for line in self.lines)

    def draw(self) -> None:
        canvas, height = self.canv, self.height
        canvas.saveState()
        canvas.setFillColor(REFLEX_BLUE)
        canvas.rect(0, 0, 1.5 * height, height, stroke=0, fill=1)
        canvas.setFillColor(YELLOW)
        for corners in stars(height):
            path = canvas.beginPath()
            path.moveTo(corners[0], corners[1])
            for x, y in zip(corners[2::2], corners[3::2], strict=True):
                path.lineTo(x, y)
            path.close()
            canvas.drawPath(path, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        canvas.setFont(self.font, self.size)
        block = self.size * 1.25 * len(self.lines)
        top = (height + block) / 2 - self.size
        for n, line in enumerate(self.lines):
            canvas.drawString(1.5 * height + self.gap, top - n * self.size * 1.25, line)
        canvas.restoreState()
