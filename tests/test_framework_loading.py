"""Framework files are validated on load; a broken file gives one clear line naming file, field and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from digcomp.framework import FrameworkError, build_catalog, load_framework
from digcomp.framework.loader import framework_directories
from tests.framework_factory import MINI, mini, write


def _error(tmp_path: Path, data: dict | str) -> FrameworkError:  # type: ignore[type-arg]
    path = write(tmp_path, data)
    with pytest.raises(FrameworkError) as caught:
        load_framework(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return caught.value


def test_a_schools_own_framework_loads_without_code_changes(tmp_path: Path) -> None:
    write(tmp_path, MINI)
    cat = build_catalog(framework_directories([tmp_path]))
    assert set(cat.frameworks) == {"digcomp-2.2", "digcomp-3.0", "entrecomp-mini"}
    assert cat.competence("entrecomp-mini", "1.2").title["lv"] == "Radošums"


def test_missing_level_descriptor(tmp_path: Path) -> None:
    data = mini(level_descriptors=MINI["level_descriptors"][:-1])
    error = _error(tmp_path, data)
    assert error.path == "level_descriptors"
    assert "competence '1.2' has no descriptor for level(s) 2" in error.message


def test_duplicate_competence_id(tmp_path: Path) -> None:
    data = mini()
    data["competences"][1]["id"] = "1.1"
    error = _error(tmp_path, data)
    assert (error.path, error.message) == ("competences", "duplicate id '1.1'")


def test_example_pointing_to_unknown_competence(tmp_path: Path) -> None:
    data = mini()
    data["examples"][0]["competence"] = "9.9"
    error = _error(tmp_path, data)
    assert error.path == "examples[0].competence"
    assert "unknown competence '9.9'" in error.message


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    error = _error(tmp_path, "id: x\ncompetences: [unclosed\n")
    assert error.path.startswith("line ")
    assert "invalid YAML" in error.message


def test_wrong_type_names_the_field(tmp_path: Path) -> None:
    data = mini()
    data["levels"][1]["number"] = "two"
    error = _error(tmp_path, data)
    assert error.path == "levels[1].number"
    assert "integer" in error.message
    assert "'two'" in error.message


def test_missing_required_field(tmp_path: Path) -> None:
    data = mini()
    del data["competences"][0]["descriptor"]
    error = _error(tmp_path, data)
    assert (error.path, error.message) == ("competences[0].descriptor", "required field is missing")


def test_unknown_field_is_refused(tmp_path: Path) -> None:
    data = mini()
    data["areas"][0]["colour"] = "red"
    assert _error(tmp_path, data).path == "areas[0].colour"


def test_title_missing_in_a_declared_language(tmp_path: Path) -> None:
    data = mini()
    del data["competences"][1]["title"]["lv"]
    error = _error(tmp_path, data)
    assert error.path == "competences[1].title"
    assert "lv" in error.message


def test_text_in_an_undeclared_language(tmp_path: Path) -> None:
    data = mini()
    data["competences"][0]["descriptor"]["de"] = "Chancen erkennen"
    error = _error(tmp_path, data)
    assert error.path == "competences[0].descriptor"
    assert "'de' is not declared" in error.message


def test_not_a_mapping(tmp_path: Path) -> None:
    assert "expected a mapping" in _error(tmp_path, "- just\n- a list\n").message


def test_same_framework_id_twice_is_refused(tmp_path: Path) -> None:
    write(tmp_path, mini(id="digcomp-2.2"))
    with pytest.raises(FrameworkError, match="also defined in"):
        build_catalog(framework_directories([tmp_path]))
