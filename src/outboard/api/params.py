"""Path parameters shared by the endpoints: object ids bounded to what the database's keys can hold, so a
huge number is a clean 422 instead of an overflow inside the driver."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_ID = 2_147_483_647  # the largest 32-bit key (PostgreSQL `integer`)

ObjectId = Annotated[int, Path(ge=0, le=MAX_ID)]  # 0 is a valid question with the answer 404
Cursor = Annotated[int | None, Query(ge=1, le=MAX_ID, description="`next_cursor` of the previous page")]
