"""Pages of the workflow whose capability is not built yet: they say so plainly, and link nowhere."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from outboard.web.deps import Viewer, csrf_protect, viewer
from outboard.web.templating import render

router = APIRouter(dependencies=[Depends(csrf_protect)])

# path: (title, what the page will do, section of the nav)
PENDING = {
    "/search": ("Lead search", "Describe an audience, preview matches with fit signals, save the search as a "
                               "source group and watch it fill; clues and file imports too.", "leads"),
    "/inbox": ("Inbox", "Replies from every channel in one place, labelled; reply, or mark a person as opted "
                        "out.", "inbox"),
}


def _page(path: str, title: str, description: str, section: str) -> None:
    def page(request: Request, who: Viewer = Depends(viewer)) -> Response:
        return render(request, "pending.html", {"title": title, "description": description, "section": section})

    page.__name__ = "pending_" + path.strip("/").replace("/", "_")
    router.add_api_route(path, page, methods=["GET"])


for _path, (_title, _description, _section) in PENDING.items():
    _page(_path, _title, _description, _section)
