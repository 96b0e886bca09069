"""EU visibility: an Erasmus+ mobility's statement and learning agreement carry the European emblem, drawn as
vectors, and "Co-funded by the European Union" in each document language; an unfunded one carries neither."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader

from digcomp.credentials.emblem import INNER_RATIO, REFLEX_BLUE, YELLOW, star, stars
from digcomp.store.db import Database
from tests.journey import API, ok, validated_mobility

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "emblem"


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def _first_page_ops(pdf: bytes) -> str:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return "\n".join(
            " ".join(str(o) for o in operands) + " " + str(op)
            for operands, op in pikepdf.parse_content_stream(document.pages[0])
        )


def _look(pdf: bytes, name: str) -> None:
    """The first page as PNG under test-artifacts/emblem/, to be looked at."""
    if shutil.which("pdftoppm") is None:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", str(ARTIFACTS / f"{name}.pdf"), str(ARTIFACTS / name)],
        check=True,
    )


def test_the_emblem_follows_the_published_geometry() -> None:
    twelve = stars(90)  # an emblem 90 high, 135 wide (3:2)
    assert len(twelve) == 12
    centres = [(sum(s[0::2]) / 10, sum(s[1::2]) / 10) for s in twelve]
    for x, y in centres:  # on a circle of one third of the height round the centre
        assert abs(((x - 67.5) ** 2 + (y - 45) ** 2) ** 0.5 - 30) < 1.5
    assert (round(centres[0][0], 6), round(centres[0][1], 6)) == (67.5, 75)  # the first at twelve o'clock
    tip = star(0, 0, 5)
    assert (round(tip[0], 6), round(tip[1], 6)) == (0, 5)  # upright: a point straight up, radius 1/18 of 90
    assert round(INNER_RATIO, 4) == 0.382
    assert (REFLEX_BLUE.hexval(), YELLOW.hexval()) == ("0x003399", "0xffcc00")


@pytest.mark.parametrize("funded", [True, False])
def test_funded_mobilities_carry_the_emblem_on_both_documents(
    client: TestClient, database: Database, funded: bool
) -> None:
    m = validated_mobility(client, database)
    if not funded:
        ok(client.patch(f"{API}/mobilities/{m.id}", headers=m.as_["coordinator"], json={"project_reference": ""}))
    base = f"{API}/mobilities/{m.id}"
    ok(client.post(f"{base}/certificate", headers=m.as_["validator"], json={"languages": "lv+en"}), 201)
    statement = client.get(f"{base}/certificate.pdf", headers=m.as_["learner"]).content
    agreement = client.get(f"{base}/plan/versions/1/agreement.pdf", headers=m.as_["learner"]).content
    for name, pdf in (("statement", statement), ("agreement", agreement)):
        text = _text(pdf)
        ops = _first_page_ops(pdf)
        blue = "0 0.2 0.6 rg" in ops or "0 .2 .6 rg" in ops
        if funded:
            assert "Līdzfinansē Eiropas Savienība" in text, name
            assert "Co-funded by the European Union" in text, name
            assert blue, name
            _look(pdf, name)
        else:
            assert "Co-funded" not in text, name
            assert not blue, name
