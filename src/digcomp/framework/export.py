"""Exports of a framework for other systems: Moodle's competency framework CSV and plain JSON."""

from __future__ import annotations

import csv
import html
import io
import json

from digcomp.framework.models import Framework, pick

# The 14 columns of Moodle's "Import competency framework" (admin tool tool_lpimportcsv), in order.
MOODLE_COLUMNS = (
    "Parent ID number",
    "ID number",
    "Short name",
    "Description",
    "Description format",
    "Scale values",
    "Scale configuration",
    "Rule type (optional)",
    "Rule outcome (optional)",
    "Rule config (optional)",
    "Cross-referenced competency ID numbers",
    "Exported ID (optional)",
    "Is framework",
    "Taxonomy",
)
_FORMAT_HTML = 1


def _moodle_scale(fw: Framework, language: str) -> tuple[str, str]:
    """The proficiency levels as a Moodle scale: names, and a configuration (level 1 default, all proficient)."""
    names = ",".join(f"{lvl.number} {pick(lvl.name, language)}".replace(",", " ") for lvl in fw.levels)
    config = [{"scaleid": "0"}] + [
        {"id": lvl.number, "scaledefault": int(lvl.number == 1), "proficient": 1} for lvl in fw.levels
    ]
    return names, json.dumps(config, separators=(",", ":"))


def moodle_csv(fw: Framework, language: str = "en") -> str:
    scale_values, scale_config = _moodle_scale(fw, language)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MOODLE_COLUMNS)

    def row(parent: str, idnumber: str, name: str, description: str, *, framework: bool = False) -> None:
        writer.writerow(
            [
                parent,
                idnumber,
                name[:100],
                f"<p>{html.escape(description)}</p>" if description else "",
                _FORMAT_HTML,
                scale_values if framework else "",
                scale_config if framework else "",
                "",
                "",
                "",
                "",
                "",
                "1" if framework else "",
                "domain,competency" if framework else "",
            ]
        )

    attribution = " ".join(fw.source.attribution) + f" {fw.source.copyright}. {fw.source.licence}."
    row("", fw.id, f"{fw.name} {fw.version}", f"{pick(fw.title, language)}. {attribution}", framework=True)
    for area in fw.areas:
        row("", f"{fw.id}-{area.id}", f"{area.id} {pick(area.title, language)}", pick(area.descriptor, language))
        for c in (c for c in fw.competences if c.area == area.id):
            row(
                f"{fw.id}-{area.id}",
                f"{fw.id}-{c.id}",
                f"{c.id} {pick(c.title, language)}",
                pick(c.descriptor, language),
            )
    return out.getvalue()


def framework_json(fw: Framework) -> str:
    return fw.model_dump_json(indent=2, exclude_defaults=False)
