"""Public pages: verify a certificate by uploading the PDF, or by its id (the QR code's link)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from digcomp.api.deps import get_database
from digcomp.credentials import service as credentials
from digcomp.credentials.verify import UnusableInput
from digcomp.web.common import render

router = APIRouter(include_in_schema=False)
MAX_BYTES = 20 * 1024 * 1024


@router.get("/verify", response_class=HTMLResponse)
def verify_page(request: Request) -> Response:
    return render(request, "verify.html", result=None, message="")


@router.post("/verify", response_class=HTMLResponse)
def verify_upload(request: Request, file: Annotated[UploadFile, File()]) -> Response:
    data = file.file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return render(request, "verify.html", 413, result=None, message="the file is larger than 20 MB")
    try:
        result = get_database(request).run(lambda s: credentials.verify_file(s, data))
    except UnusableInput as exc:
        return render(request, "verify.html", 422, result=None, message=str(exc))
    return render(request, "verify.html", result=dict(result), message="")


@router.get("/verify/{certificate_id}", response_class=HTMLResponse)
def verify_id(request: Request, certificate_id: str) -> Response:
    result = get_database(request).run(lambda s: credentials.verify_id(s, certificate_id))
    return render(request, "verify.html", result=dict(result), message="")
