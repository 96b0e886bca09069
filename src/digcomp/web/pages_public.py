"""Public pages: verify a certificate by uploading the PDF, or by its id (the QR code's link)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from digcomp.api.deps import get_catalog, get_credential_key, get_database, get_settings_dep
from digcomp.credentials import register
from digcomp.credentials.verify import UnusableInput
from digcomp.web.common import localizer, render

router = APIRouter(include_in_schema=False)


@router.get("/verify", response_class=HTMLResponse)
def verify_page(request: Request) -> Response:
    return render(request, "verify.html", result=None, message="")


@router.post("/verify", response_class=HTMLResponse)
def verify_upload(request: Request, file: Annotated[UploadFile, File()]) -> Response:
    limit = get_settings_dep(request).max_verify_bytes
    data = file.file.read(limit + 1)
    loc = localizer(request)
    if len(data) > limit:
        return render(request, "verify.html", 413, result=None, message=loc.label("verify_too_large"))
    try:
        key = get_credential_key(request)
        result = get_database(request).read(lambda s: register.verify_file(s, data, get_catalog(request), key))
    except UnusableInput as exc:
        return render(request, "verify.html", 422, result=None, message=loc.error(exc.args[0]))
    return render(request, "verify.html", result=_shown(result), message="")


def _shown(result: dict[str, Any]) -> dict[str, Any]:
    """The verification result with its timestamps as dates, for the page's date format."""
    shown = dict(result)
    for key, target in (("issued_at", "issued"), ("revoked_at", "revoked")):
        if shown.get(key):
            shown[target] = dt.datetime.fromisoformat(shown[key])
    if shown.get("placement"):
        placement = shown["placement"]
        shown["start"], shown["end"] = (dt.date.fromisoformat(placement[k]) for k in ("start_date", "end_date"))
    return shown


@router.get("/verify/{certificate_id}", response_class=HTMLResponse)
def verify_id(request: Request, certificate_id: str) -> Response:
    result = get_database(request).read(lambda s: register.verify_id(s, certificate_id, get_catalog(request)))
    return render(request, "verify.html", result=_shown(result), message="")
