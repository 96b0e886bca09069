"""The framework commands of the CLI: the contract later checks and scripts rely on."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from digcomp.cli import main
from digcomp.settings import get_settings
from tests.framework_factory import MINI, write


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_show_in_latvian_at_one_level(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "3.1", "--level", "5", "--lang", "lv")
    assert code == 0
    assert "Digitālā satura attīstīšana" in out
    assert "apply ways to create and edit content in different formats," in out
    assert "Level 5" in out
    assert "Level 4" not in out


def test_show_json_of_digcomp_30(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "2.5", "--framework", "digcomp-3.0", "--format", "json")
    view = json.loads(out)
    assert code == 0
    assert view["title"] == "Digital behaviour"
    assert len(view["levels"]) == 8
    assert {e["type"] for e in view["examples"]} == {"knowledge", "skill", "attitude"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "9.9"], "unknown competence '9.9'"),
        (["show", "3.1", "--framework", "digcomp-9"], "unknown framework 'digcomp-9'"),
        (["show", "3.1", "--lang", "xx"], "unsupported language 'xx'"),
        (["show", "3.1", "--level", "9"], "level must be 1..8"),
        (["search", "data", "--lang", "fr"], "unsupported language 'fr'"),
    ],
)
def test_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    try:
        code = main(argv)
    except SystemExit as exited:  # argparse's own usage errors exit from inside the parser
        code = int(exited.code or 0)
    _, err = capsys.readouterr()
    assert code == 2
    assert message in err
    assert err.count("\n") == 1


def test_frameworks_lists_ids_versions_and_counts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "frameworks", "--format", "json")
    listed = {f["id"]: f for f in json.loads(out)}
    assert code == 0
    assert listed["digcomp-2.2"]["languages"] == ["en", "lv"]
    assert listed["digcomp-3.0"]["counts"]["examples"] == 523


def test_search_finds_latvian_titles_without_diacritics(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "meklesana", "--lang", "lv", "--format", "json")
    hits = json.loads(out)
    assert code == 0
    assert hits[0]["competence"] == "1.1"


def test_search_finds_examples(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "search", "strong passwords", "--framework", "digcomp-3.0", "--format", "json")
    assert {h["competence"] for h in json.loads(out)} == {"4.1"}


def test_moodle_export_is_a_valid_14_column_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "export", "--format", "moodle-csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert len(rows[0]) == 14
    framework, *children = rows
    assert framework["Is framework"] == "1"
    assert framework["Scale values"].split(",")[4] == "5 Advanced"
    assert json.loads(framework["Scale configuration"])[0] == {"scaleid": "0"}
    assert len(children) == 5 + 21
    areas = [r for r in children if not r["Parent ID number"]]
    assert len(areas) == 5
    assert all(r["Parent ID number"] in {a["ID number"] for a in areas} for r in children if r not in areas)


def test_json_export_round_trips_the_framework(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "export", "--format", "json", "--framework", "digcomp-3.0")
    assert len(json.loads(out)["examples"]) == 523


def test_extra_framework_folder_from_the_environment(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, MINI)
    monkeypatch.setenv("DIGCOMP_FRAMEWORK_DIRS", json.dumps([str(tmp_path)]))
    get_settings.cache_clear()
    try:
        code, out, _ = run(capsys, "show", "1.2", "--framework", "entrecomp-mini", "--lang", "lv")
    finally:
        get_settings.cache_clear()
    assert code == 0
    assert "Radošums" in out


def test_console_script_is_installed() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "digcomp", "show", "1.1", "--level", "1", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["levels"][0]["statements"][0] == "identify my information needs,"
