"""The school's overview of its mobilities and the results of a group, as JSON, CSV or XLSX."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from digcomp.access.permissions import Action, require_allowed
from digcomp.api.deps import ActorDep, DatabaseDep, PagingDep
from digcomp.api.downloads import download
from digcomp.mobility import overview, spreadsheet
from digcomp.mobility.schemas import Page
from digcomp.store.models import utcnow

router = APIRouter(tags=["overview"])

FiltersDep = Annotated[overview.OverviewFilter, Query()]


class ResultFormat(StrEnum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


@router.get("/overview", response_model=Page[overview.OverviewRow])
def get_overview(
    filters: FiltersDep, paging: PagingDep, db: DatabaseDep, actor: ActorDep
) -> Page[overview.OverviewRow]:
    """Each learner's plan, assessment, recognition and certificate, what is missing and the days to the end date;
    filtered by group, coordinator and state, searched across the school, sorted."""
    require_allowed(actor, Action.read_school)
    rows = db.read(lambda s: overview.overview(s, actor, filters, utcnow().date()))
    items = rows[paging.offset : paging.offset + paging.limit]
    return Page[overview.OverviewRow](items=items, total=len(rows), offset=paging.offset, limit=paging.limit)


@router.get(
    "/overview/results",
    response_model=list[overview.ResultLine],
    responses={
        200: {
            "content": {spreadsheet.CSV_MEDIA_TYPE: {}, spreadsheet.XLSX_MEDIA_TYPE: {}},
            "description": "One line per planned competence of each learner the filters select",
        }
    },
)
def get_results(
    filters: FiltersDep,
    db: DatabaseDep,
    actor: ActorDep,
    format: Annotated[ResultFormat, Query(description="json, csv (';', UTF-8) or xlsx")] = ResultFormat.json,
) -> object:
    """The group's results for the school's report: competence, target, achieved level, result and certificate id
    of each learner (planned targets only, until the results are validated)."""
    require_allowed(actor, Action.read_school)

    def lines(s: Session) -> list[overview.ResultLine]:
        return overview.result_lines(s, actor, filters, utcnow().date())

    found = db.read(lines)
    if format is ResultFormat.json:
        return found
    rows = [[getattr(line, name) for name in overview.RESULT_COLUMNS] for line in found]
    name = f"results-{filters.group or 'all'}.{format.value}"
    if format is ResultFormat.csv:
        return download(spreadsheet.to_csv(overview.RESULT_COLUMNS, rows), spreadsheet.CSV_MEDIA_TYPE, name)
    return download(spreadsheet.to_xlsx("results", overview.RESULT_COLUMNS, rows), spreadsheet.XLSX_MEDIA_TYPE, name)
