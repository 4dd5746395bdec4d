"""Leads → Import: upload a CSV or JSONL file (streamed to the data folder, size-limited), choose the source
group and optionally a preset, then watch the import job and read its summary and the rows it refused."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from outboard.api.services import imports
from outboard.api.services.jobs import job_progress
from outboard.api.uploads import Upload, receive_upload
from outboard.core.errors import NotFound, ValidationError
from outboard.runtime import Runtime
from outboard.web.deps import (
    CSRF_FIELD,
    CSRF_HEADER,
    CsrfRefused,
    Viewer,
    csrf_protect,
    runtime_of,
    viewer,
    web_session,
)
from outboard.web.forms import FormState
from outboard.web.templating import render

router = APIRouter()  # the upload checks its CSRF token itself, before any byte of the file is stored
FIELDS = ("group", "preset", "encoding")


def _page(request: Request, form: FormState, status: int = 200) -> Response:
    return render(request, "search/import.html", {"form": form, "presets": imports.preset_choices(),
                                                  "encodings": imports.ENCODINGS, "tab": "import",
                                                  "limit_mb": imports.MAX_UPLOAD // (1024 * 1024)}, status=status)


@router.get("/search/import")
def import_form(request: Request, who: Viewer = Depends(viewer)) -> Response:
    return _page(request, FormState({"group": "", "preset": "", "encoding": "", "file": ""}))


@router.post("/search/import")
async def upload(request: Request, who: Viewer = Depends(viewer), rt: Runtime = Depends(runtime_of)) -> Response:
    expected = web_session(request).state.csrf
    multipart = request.headers.get("content-type", "").startswith("multipart/form-data")
    if request.headers.get(CSRF_HEADER) or not multipart:
        await csrf_protect(request)

    def check_token(fields: dict[str, str]) -> None:
        given = request.headers.get(CSRF_HEADER) or fields.get(CSRF_FIELD, "")
        if not given or not hmac.compare_digest(given.encode(), expected.encode()):
            raise CsrfRefused()

    form = FormState({"group": "", "preset": "", "encoding": "", "file": ""})
    stored = Upload()
    try:
        stored = await receive_upload(request, imports.upload_folder(rt), limit=imports.MAX_UPLOAD,
                                      before_file=check_token)
        form.values.update({k: stored.fields.get(k, "") for k in FIELDS})
        job_id = await run_in_threadpool(imports.start_uploaded_import, rt, who.workspace_id, stored,
                                         group=form.values["group"], preset=form.values["preset"],
                                         encoding=form.values["encoding"])
    except ValidationError as exc:
        return _page(request, form.from_error(exc, fallback="file"), status=422)
    return RedirectResponse(f"/search/import/{job_id}", status_code=303)


@router.get("/search/import/{job_id}", dependencies=[Depends(csrf_protect)])
def import_job(request: Request, job_id: int, who: Viewer = Depends(viewer),
               rt: Runtime = Depends(runtime_of)) -> Response:
    """The import's progress bar, then its summary and the rows it refused; refreshes itself until the end."""
    with rt.db.sessions() as session:
        job = job_progress(session, who.workspace_id, job_id)
    if not imports.is_import(job.kind):
        raise NotFound(f"import {job_id} not found")
    summary = job.result if job.final else {}
    return render(request, "search/import_job.html", {"job": job, "summary": summary, "tab": "import"},
                  block="import")
