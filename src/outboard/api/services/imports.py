"""File imports from the pages and the API: the upload is stored under the data folder, checked, and
imported by the "import" job (sources.tasks.start_import, the same job `outboard import` runs)."""

from __future__ import annotations

from pathlib import Path

from outboard.api.uploads import Upload
from outboard.core.errors import ValidationError
from outboard.runtime import Runtime
from outboard.sources.importer import ImportOptions
from outboard.sources.presets import presets
from outboard.sources.tasks import KIND, start_import

MAX_UPLOAD = 200 * 1024 * 1024  # bytes: a million-row export is well under this
ENCODINGS = {"": "Detect", "utf-8": "UTF-8", "cp1252": "Windows-1252 (Excel)", "utf-16": "UTF-16",
             "latin-1": "ISO-8859-1"}


def upload_folder(rt: Runtime) -> Path:
    """Uploads live beside the job queue (the data folder the worker reads too), one folder each."""
    return Path(rt.settings.job_queue_path).expanduser().resolve().parent / "uploads"


def preset_choices() -> dict[str, str]:
    return {name: preset.label for name, preset in presets().items()}


def start_uploaded_import(rt: Runtime, workspace_id: int, upload: Upload, *, group: str = "", preset: str = "",
                          encoding: str = "") -> int:
    """Check the stored upload (empty, binary, undecodable, an unknown preset: ValidationError with the
    field) and queue its import; returns the job id. A refused upload's file is removed."""
    try:
        if upload.path is None:
            raise ValidationError("file", "choose a CSV or JSONL file to import")
        if upload.size == 0:
            raise ValidationError("file", "the file is empty")
        if encoding not in ENCODINGS:
            raise ValidationError("encoding", f"choose one of {', '.join(e for e in ENCODINGS if e)}")
        group_name = " ".join(group.split())[:200] or None
        options = ImportOptions(group=group_name, preset=preset.strip() or None, encoding=encoding or None)
        return start_import(rt, workspace_id, upload.path, options)
    except BaseException:
        upload.discard()
        raise


def is_import(kind: str) -> bool:
    return kind == KIND
