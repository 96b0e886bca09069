"""The shipped frameworks are complete and carry the official texts verbatim."""

from __future__ import annotations

from collections import Counter

import pytest

from digcomp.framework import Catalog, catalog, pick


@pytest.fixture(scope="module")
def frameworks() -> Catalog:
    return catalog([])


def test_digcomp_22_has_5_areas_21_competences_8_levels(frameworks: Catalog) -> None:
    fw = frameworks.get("digcomp-2.2")
    assert [a.id for a in fw.areas] == ["1", "2", "3", "4", "5"]
    assert [c.id for c in fw.competences] == [
        "1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6",
        "3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "5.4",
    ]  # fmt: skip
    assert [lvl.group for lvl in fw.levels] == [
        "foundation", "foundation", "intermediate", "intermediate",
        "advanced", "advanced", "highly_specialised", "highly_specialised",
    ]  # fmt: skip
    assert fw.level_by_number[4].autonomy == {"en": "Independent and according to my needs"}
    assert fw.level_by_number[6].cognitive_domain == {"en": "Evaluating"}


def test_digcomp_22_level_descriptors_cover_every_cell(frameworks: Catalog) -> None:
    fw = frameworks.get("digcomp-2.2")
    cells = {(d.competence, d.level) for d in fw.level_descriptors}
    assert len(cells) == 168
    assert sum(len(d.statements) for d in fw.level_descriptors) == 366
    assert len(fw.use_cases) == 56


@pytest.mark.parametrize(
    ("competence", "level", "statement"),
    [
        ("1.1", 1, "identify my information needs,"),
        ("3.1", 5, "apply ways to create and edit content in different formats,"),
        # source typos are kept verbatim, never corrected:
        ("5.2", 3, "well-define"),
        ("5.4", 6, "up-to date"),
        ("4.3", 6, "appropriatee"),
        ("5.2", 8, "I can propose new ideas and processes to the field."),
    ],
)
def test_digcomp_22_statements_are_verbatim(frameworks: Catalog, competence: str, level: int, statement: str) -> None:
    texts = [s.text["en"] for s in frameworks.get("digcomp-2.2").statements_at(competence, level)]
    assert any(statement in t for t in texts), texts


def test_digcomp_22_latvian_titles(frameworks: Catalog) -> None:
    fw = frameworks.get("digcomp-2.2")
    assert pick(fw.competence_by_id["3.1"].title, "lv") == "Digitālā satura attīstīšana"
    assert pick(fw.area_by_id["4"].title, "lv") == "Drošība"
    assert pick(fw.level_by_number[7].name, "lv") == "Īpaši specializēts"
    assert all("lv" in c.title for c in fw.competences)
    assert fw.competence_by_id["5.3"].title_variants["lv"] == ["Digitālo tehnoloģiju radoša izmantošana"]


def test_digcomp_22_ksa_examples_are_pending_not_invented(frameworks: Catalog) -> None:
    fw = frameworks.get("digcomp-2.2")
    assert fw.examples == []
    assert any("knowledge, skills and attitudes" in p for p in fw.source.pending)


def test_digcomp_30_is_complete(frameworks: Catalog) -> None:
    fw = frameworks.get("digcomp-3.0")
    statements = [s for d in fw.level_descriptors for s in d.statements]
    assert len(statements) == 362
    assert len(fw.examples) == 523
    assert Counter(e.type.value for e in fw.examples) == {"knowledge": 217, "skill": 199, "attitude": 107}
    assert Counter(e.group for e in fw.examples) == {
        "basic": 151, "intermediate": 170, "advanced": 119, "highly_advanced": 83,
    }  # fmt: skip
    assert Counter(t for s in statements for t in s.tags)["AI-Explicit"] == 49
    assert len(fw.glossary) == 126
    assert [lvl.six_level_code for lvl in fw.levels] == ["A1", "A2", "B1", "B2", "C1", "C1", "C2", "C2"]
    # A 3.0 statement describes both levels of its group.
    assert fw.statements_at("1.1", 1) == fw.statements_at("1.1", 2)


def test_licence_and_attribution_travel_with_the_data(frameworks: Catalog) -> None:
    for fw in frameworks.frameworks.values():
        assert fw.source.licence == "CC BY 4.0"
        assert "European Union" in fw.source.copyright
        assert fw.source.attribution


def test_crosswalk_records_what_changed_between_22_and_30(frameworks: Catalog) -> None:
    [(target, competence, pair)] = frameworks.counterparts("digcomp-2.2", "2.5")
    assert (target, competence) == ("digcomp-3.0", "2.5")
    assert (pair.source_title, pair.target_title) == ("Netiquette", "Digital behaviour")
    assert "title" in pair.changes
    [(_, _, same)] = frameworks.counterparts("digcomp-3.0", "3.3")
    assert same.source_title == same.target_title == "Copyright and licences"
    assert same.changes == ["descriptor"]
    assert len(frameworks.crosswalks[0].pairs) == 21
