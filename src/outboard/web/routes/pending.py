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
    "/enrichment": ("Enrichment", "Choose leads or a source group, enrich profiles and find verified emails, and "
                                  "see each verdict.", "leads"),
    "/sequences": ("Sequences", "Create a sequence from eligible source groups and a strategy profile, edit its "
                                "steps, and follow the leads at each step; pause and resume.", "sequences"),
    "/lab": ("Messaging Lab", "Generate messages for sample leads, review them beside the facts they use, edit, "
                              "approve, check readiness and launch.", "lab"),
    "/inbox": ("Inbox", "Replies from every channel in one place, labelled; reply, or mark a person as opted "
                        "out.", "inbox"),
    "/tasks": ("Tasks", "Manual LinkedIn steps that are due, with the text to copy and done / accepted / "
                        "replied buttons.", "tasks"),
    "/analytics": ("Analytics", "Sent, bounced, replied, positive replies, opt-outs, invites sent and accepted, "
                                "per run, sequence, step and sender account.", "analytics"),
    "/settings/senders": ("Sender accounts", "Connect email mailboxes and LinkedIn accounts, test the "
                                             "connection, check the domain's DNS, and set caps.", "senders"),
    "/settings/profiles": ("Strategy profiles", "Sender identity, offer, proof, tone and call to action, "
                                                "reused by sequences.", "profiles"),
}


def _page(path: str, title: str, description: str, section: str) -> None:
    def page(request: Request, who: Viewer = Depends(viewer)) -> Response:
        return render(request, "pending.html", {"title": title, "description": description, "section": section})

    page.__name__ = "pending_" + path.strip("/").replace("/", "_")
    router.add_api_route(path, page, methods=["GET"])


for _path, (_title, _description, _section) in PENDING.items():
    _page(_path, _title, _description, _section)
