"""`outboard plays`: the play library."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import typer

from outboard.cli.output import console, emit_json, friendly_errors, table
from outboard.core.plays import READINESS_CHECKS, PlaySpec
from outboard.plays.library import get_play, list_plays, play_to_dict

_JSON = typer.Option(False, "--json", help="Print machine-readable JSON.")
_CHANNEL_LABELS = {"email": "Email", "linkedin_invite": "LinkedIn invite", "linkedin_message": "LinkedIn message"}


def play_summary(play: PlaySpec) -> dict[str, object]:
    data = play_to_dict(play)
    data["channels"] = [c.value for c in play.channels]
    data["days"] = list(play.cumulative_days)
    data["origin"] = play.origin
    return data


def print_play_list(plays: Iterable[PlaySpec]) -> None:
    rows = [
        (p.id, p.name, p.category, p.goal, p.relationship.value, p.channel_mix.value.replace("_", "-"),
         len(p.steps))
        for p in plays
    ]
    table("Plays", ["Id", "Name", "Category", "Goal", "Relationship", "Channels", "Steps"], rows)


def print_play(play: PlaySpec) -> None:
    console.print(f"[bold]{play.name}[/]  ({play.id})", highlight=False)
    console.print(f"{play.category} · goal {play.goal} · {play.relationship.value} · "
                  f"{play.channel_mix.value.replace('_', '-')} · stop on reply "
                  f"{'on' if play.stop_on_reply else 'off'}", highlight=False)
    console.print(play.description, highlight=False)
    if play.tags:
        console.print("Useful for: " + ", ".join(play.tags), highlight=False)
    rows = [
        (s.position, f"Day {day}", _CHANNEL_LABELS[s.channel.value], f"+{s.delay_days}d",
         s.condition.value.replace("_", " "), f"{s.intent}: {s.purpose}")
        for s, day in zip(play.steps, play.cumulative_days, strict=True)
    ]
    table("Sequence", ["Step", "Day", "Channel", "Delay", "Condition", "Purpose"], rows)
    console.print("Required fields: " + ", ".join(play.required_fields or ("none",)), highlight=False)
    table("Readiness checks", ["Check", "What it checks"],
          [(c, READINESS_CHECKS[c]) for c in play.readiness_checks])


def register(app: typer.Typer, workspace_plays: Callable[[], Iterable[PlaySpec]] = tuple) -> None:
    """`workspace_plays`: called when a command runs, returns extra plays (a workspace's own, e.g. from the
    database) shown next to the shipped library."""
    plays_app = typer.Typer(help="The play library: campaign templates to create runs from.",
                            no_args_is_help=True)

    @plays_app.command("list")
    @friendly_errors
    def list_command(
        category: str = typer.Option(None, help="Only plays of this category (outbound, trigger, event...)."),
        relationship: str = typer.Option(None, help="Only plays for cold, warm, stalled or known leads."),
        goal: str = typer.Option(None, help="Only plays with this goal."),
        as_json: bool = _JSON,
    ) -> None:
        """List plays, filtered by category, relationship state or goal."""
        plays = list_plays(workspace_plays(), category=category, relationship=relationship, goal=goal)
        if as_json:
            emit_json([play_summary(p) for p in plays])
        elif not plays:
            console.print("No play matches these filters.")
        else:
            print_play_list(plays)

    @plays_app.command("show")
    @friendly_errors
    def show_command(play_id: str = typer.Argument(..., help="Play id, from `outboard plays list`."),
                     as_json: bool = _JSON) -> None:
        """Show a play: description, sequence, required fields and readiness checks."""
        play = get_play(play_id, workspace_plays())
        if as_json:
            emit_json(play_summary(play))
        else:
            print_play(play)

    app.add_typer(plays_app, name="plays")
