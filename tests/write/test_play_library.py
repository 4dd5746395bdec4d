"""The play library: shipped plays load and validate; broken plays name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from outboard.cli import plays_cmd
from outboard.core.errors import NotFound
from outboard.core.plays import missing_fields
from outboard.core.profile import CompanyFacts, LeadProfile
from outboard.core.sequence import Channel, Condition
from outboard.plays.library import (
    LIBRARY_DIR,
    PlayError,
    get_play,
    list_plays,
    load_directory,
    load_play_file,
    play_from_dict,
    play_from_toml,
    play_to_dict,
    shipped_plays,
)

GOOD = (LIBRARY_DIR / "cold-email-first.toml").read_text()


def test_the_shipped_library_covers_every_relationship_and_both_channel_strategies() -> None:
    plays = shipped_plays()
    assert len(plays) >= 8
    assert {p.relationship.value for p in plays} == {"cold", "warm", "stalled", "known"}
    assert {"linkedin_first", "email_first"} <= {p.channel_mix.value for p in plays}
    for play in plays:
        assert play.steps[0].delay_days == 0
        assert play.readiness_checks and play.required_fields and play.description


def test_an_event_invitation_keeps_sending_always_steps_after_a_reply() -> None:
    play = get_play("event-invitation")
    assert play.relationship.value == "known"
    assert play.stop_on_reply is False
    assert Condition.ALWAYS in {s.condition for s in play.steps[1:]}


def test_briefs_mark_follow_ups_per_conversation() -> None:
    briefs = get_play("cold-linkedin-first").briefs()
    assert [b.channel for b in briefs] == [Channel.LINKEDIN_INVITE, Channel.LINKEDIN_MESSAGE, Channel.EMAIL,
                                           Channel.EMAIL]
    # The first email opens a new thread even though LinkedIn steps came before it.
    assert [b.is_follow_up for b in briefs] == [False, True, False, True]
    assert briefs[0].purpose.startswith("connect:")
    assert get_play("cold-linkedin-first").cumulative_days == (0, 1, 4, 8)


@pytest.mark.parametrize(("change", "field"), [
    (("delay_days = 3", "delay_days = -1"), "steps[2].delay_days"),
    (('channel = "email"\ndelay_days = 3', 'channel = "fax"\ndelay_days = 3'), "steps[2].channel"),
    (('intent = "value"', 'intent = "nag"'), "steps[2].intent"),
    (('relationship = "cold"', 'relationship = "hot"'), "relationship"),
    (('channel_mix = "email_first"', 'channel_mix = "linkedin_first"'), "channel_mix"),
    (('"verified_email",', '"verified_emial",'), "readiness_checks[2]"),
    (('id = "cold-email-first"\n', ""), "id"),
    (('goal = "book_meeting"', 'goal = "book_meeting"\ncolour = "blue"'), "colour"),
])
def test_a_broken_play_file_names_the_file_and_the_field(tmp_path: Path, change: tuple[str, str],
                                                         field: str) -> None:
    path = tmp_path / "broken.toml"
    assert change[0] in GOOD
    path.write_text(GOOD.replace(change[0], change[1], 1))
    with pytest.raises(PlayError) as caught:
        load_play_file(path)
    assert caught.value.source == "broken.toml"
    assert caught.value.field == field
    assert str(caught.value).startswith(f"broken.toml: {field}: ")


def test_invalid_toml_is_reported_with_the_file_name() -> None:
    with pytest.raises(PlayError, match=r"^mine\.toml: toml: not valid TOML"):
        play_from_toml("id = ", source="mine.toml")


def test_two_plays_with_one_id_in_a_directory_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD)
    (tmp_path / "b.toml").write_text(GOOD)
    with pytest.raises(PlayError, match=r"^b\.toml: id: another play already uses this id"):
        load_directory(tmp_path)


def test_a_workspace_play_round_trips_and_joins_the_library() -> None:
    data = play_to_dict(get_play("hiring-signal"))
    data.update(id="our-hiring-play", name="Our hiring play", category="custom")
    own = play_from_dict(data)
    assert own.origin == "workspace"
    assert play_from_dict(play_to_dict(own)) == own
    assert own in list_plays([own], category="custom")
    assert get_play("our-hiring-play", [own]) is own
    with pytest.raises(NotFound):
        get_play("our-hiring-play")


def test_a_cold_play_cannot_message_on_linkedin_without_an_invite() -> None:
    data = play_to_dict(get_play("cold-email-first"))
    data["steps"][2]["channel"] = "linkedin_message"
    with pytest.raises(PlayError, match=r"steps\[3\]\.channel: a cold play needs a LinkedIn invite"):
        play_from_dict(data, source="workspace play 7")


def test_filters_narrow_the_list() -> None:
    assert {p.id for p in list_plays(relationship="stalled")} == {"re-engage-stalled"}
    assert all(p.category == "trigger" for p in list_plays(category="trigger"))
    assert len(list_plays(category="trigger")) >= 3


def test_missing_fields_lists_what_a_lead_lacks_for_a_play() -> None:
    lead = LeadProfile(full_name="Ana Costa", company=CompanyFacts(name="Acme"))
    assert missing_fields(get_play("new-in-role"), lead) == ["title", "role_started_on", "linkedin_id"]


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def root() -> None:
        """Test root."""

    plays_cmd.register(app)
    return app


def test_plays_list_and_show_on_the_command_line() -> None:
    runner = CliRunner()
    listed = runner.invoke(_app(), ["plays", "list", "--relationship", "known", "--json"])
    assert listed.exit_code == 0, listed.output
    assert '"event-invitation"' in listed.output and '"cold-email-first"' not in listed.output
    shown = runner.invoke(_app(), ["plays", "show", "event-invitation"])
    assert shown.exit_code == 0 and "stop on reply off" in shown.output and "Day 7" in shown.output
    missing = runner.invoke(_app(), ["plays", "show", "nope"])
    assert missing.exit_code == 1 and "no play with id 'nope'" in missing.output
