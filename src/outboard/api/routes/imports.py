"""File imports over the API: a multipart upload streamed to the data folder, imported by a job (the Import
page's service, api.services.imports). The job's `result` is the summary with the rejected rows."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from outboard.api.auth import Caller, caller, get_runtime
from outboard.api.errors import responses
from outboard.api.schemas_write import JobStartedOut
from outboard.api.services import imports
from outboard.api.uploads import receive_upload
from outboard.runtime import Runtime

router = APIRouter(tags=["imports"])
UPLOAD_SCHEMA = {
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary", "description": "A CSV or JSONL file"},
            "group": {"type": "string", "maxLength": 200, "description": "Source group (default: the file name)"},
            "preset": {"type": "string", "maxLength": 60, "description": "Force a column preset"},
            "encoding": {"type": "string", "enum": list(imports.ENCODINGS), "description": "Default: detected"}}}}}},
}


@router.post("/imports", response_model=JobStartedOut, status_code=202, responses=responses(422),
             openapi_extra=UPLOAD_SCHEMA)
async def upload(request: Request, who: Caller = Depends(caller), rt: Runtime = Depends(get_runtime)) -> JobStartedOut:
    """Import a CSV or JSONL file (multipart field `file`, at most 200 MB) into a source group, in a job:
    poll it; when `final`, its `result` has new, merged, duplicates, suppressed and `rejected_rows`
    (row, field, reason). 422 for an empty, binary or undecodable file, an unknown preset, or too large."""
    stored = await receive_upload(request, imports.upload_folder(rt), limit=imports.MAX_UPLOAD)
    fields = stored.fields
    job_id = await run_in_threadpool(imports.start_uploaded_import, rt, who.workspace_id, stored,
                                     group=fields.get("group", ""), preset=fields.get("preset", ""),
                                     encoding=fields.get("encoding", ""))
    return JobStartedOut(job_id=job_id, poll=f"/api/jobs/{job_id}")
