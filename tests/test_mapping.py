"""Mapping suggestions: the right competence for statements in English, Latvian and other EU languages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digcomp.cli import main
from digcomp.mapping import suggester
from digcomp.mapping.levels import estimate_level
from digcomp.mapping.text import detect_language


@pytest.mark.parametrize(
    ("text", "competence"),
    [
        ("Prepares a presentation about the company's products in PowerPoint", "3.1"),
        ("Handles customers' personal data in line with GDPR", "4.2"),
        ("Sagatavo prezentāciju par uzņēmuma produktiem", "3.1"),
        ("Atrod un novērš printera savienojuma kļūmi birojā", "5.1"),
        ("Lieto drošas paroles un bloķē datoru, atstājot darba vietu", "4.1"),
        ("Uztur noliktavas krājumu uzskaiti izklājlapā", "1.3"),
        ("Der Auszubildende sucht Ersatzteile in Online-Katalogen der Lieferanten", "1.1"),
        ("Protège les données personnelles des clients", "4.2"),
    ],
)
def test_best_suggestion(text: str, competence: str) -> None:
    assert suggester().suggest(text)[0].competence == competence


def test_suggestion_explains_itself_in_the_statements_own_words() -> None:
    [best] = suggester().suggest("Izglītojamais izveido plakātu restorānam", top=1)
    assert best.framework == "digcomp-2.2"
    assert best.title == "Digitālā satura attīstīšana"  # Latvian statement, Latvian title
    assert best.why[0] == "language: lv (detected)"
    assert any("plakātu → " in reason for reason in best.why)
    assert any(reason.startswith("closest framework text") for reason in best.why)


def test_suggestions_for_another_framework_version() -> None:
    [best] = suggester("digcomp-3.0").suggest("Follows the rules of respectful behaviour in online discussions", top=1)
    assert (best.framework, best.competence, best.title) == ("digcomp-3.0", "2.5", "Digital behaviour")


@pytest.mark.parametrize(
    ("text", "level", "cue"),
    [
        ("With guidance from the mentor, creates simple posters", 1, "with guidance"),
        ("Ar prakses vadītāja palīdzību izveido prezentāciju", 1, "ar prakses vaditaja palidzibu"),
        ("Asks for help where needed when filing invoices", 2, "where needed"),
        ("Patstāvīgi sagatavo rēķinus", 3, "patstavigi"),
        ("Independently organises the files of the project", 4, "independently"),
        ("Independently sets up laptops and shows colleagues how to use them", 5, "shows colleagues"),
        ("Kritiski izvērtē avotus sarežģītās situācijās", 6, "kritiski izvert"),
        ("Creates solutions to complex problems and leads the team", 7, "complex problems"),
        ("Proposes new ideas to the field of digital marketing", 8, "proposes new ideas"),
    ],
)
def test_level_cues(text: str, level: int, cue: str) -> None:
    estimate = estimate_level(text)
    assert estimate.level == level
    assert any(words.startswith(cue) for _, words, _ in estimate.cues)


def test_level_without_cue_is_explained() -> None:
    [best] = suggester().suggest("Uses spreadsheets for stock lists", top=1)
    assert "no level cue" in best.why[-1]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The learner prepares invoices with the accounting program", "en"),
        ("Izglītojamais sagatavo rēķinus grāmatvedības programmā", "lv"),
        ("Der Lernende erstellt Rechnungen mit der Software", "de"),
        ("Mokinys kuria produkto pristatymą", "lt"),
    ],
)
def test_language_detection(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        suggester().suggest("   ")
    with pytest.raises(ValueError, match="top must be"):
        suggester().suggest("text", top=0)
    with pytest.raises(ValueError, match="unsupported language 'xx'"):
        suggester().suggest("text", language="xx")


def test_cli_suggest_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["suggest", "Lieto drošas paroles", "--lang", "lv", "--top", "2", "--format", "json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert len(result) == 2
    assert set(result[0]) >= {"competence", "framework", "score", "level", "why"}
    assert result[0]["competence"] == "4.1"
    assert result[0]["score"] >= result[1]["score"]


def test_cli_suggest_file_gives_one_line_per_statement_in_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "curriculum.txt"
    path.write_text(
        "Uses strong passwords\nIzveido plakātu\n\nRestarts the router when Wi-Fi fails\n", encoding="utf-8"
    )
    code = main(["suggest", "--file", str(path), "--top", "1"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert [json.loads(line)[0]["competence"] if json.loads(line) else None for line in lines] == [
        "4.1",
        "3.1",
        None,
        "5.1",
    ]


def test_reasons_can_be_given_in_latvian() -> None:
    [best] = suggester().suggest("Izglītojamais patstāvīgi sagatavo prezentāciju", top=1, explain_in="lv")
    assert best.why[0] == "valoda: lv (noteikta automātiski)"
    assert best.why[1].startswith("sakrīt: ")
    assert best.why[-1].startswith("līmenis 3: ")


def test_level_cue_meanings_follow_the_language_of_the_reasons() -> None:
    [english] = suggester().suggest("With guidance from the mentor, creates simple posters", top=1, explain_in="lv")
    assert "(strādā ar vadību)" in english.why[-1]
    [latvian] = suggester().suggest("Patstāvīgi sagatavo prezentāciju", top=1, explain_in="en")
    assert "(on their own, routine tasks)" in latvian.why[-1]
