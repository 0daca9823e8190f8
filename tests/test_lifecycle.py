"""The organiser moves the event through plan → materials → launch → onsite → report."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kexie_events import hookimpl
from kexie_events.plugins import Plugins
from kexie_events.records import Blocker


@pytest.fixture
def plugins() -> Plugins:
    """The core lifecycle alone: the logistics plugins' gates are tested with those plugins."""
    return Plugins.load(
        environ={"KEXIE_DISABLE_PLUGINS": "emergency-plan,eclipse-glasses,display-boards"}
    )


class SignOff:
    """Blocks the launch until someone has signed the plan."""

    signed = False

    @hookimpl
    def kexie_gate(self, next_phase):
        if next_phase == "launch" and not self.signed:
            yield Blocker("计划尚未签批")


def test_advance_moves_exactly_one_phase_and_records_who(make_event, run, open_store):
    folder = make_event()
    result = run("advance", folder, "--by", "县科协 张敏")
    assert result.exit_code == 0
    assert result.output == "plan → materials, by 县科协 张敏\n"
    [change] = open_store(folder).phase_changes()
    assert (change.from_phase, change.to_phase, change.by, change.forced, change.reason) == (
        "plan",
        "materials",
        "县科协 张敏",
        False,
        None,
    )
    moment = change.at
    assert moment.utcoffset() == dt.timedelta(hours=8)  # aware, in the event's zone
    assert abs(moment - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_blocked_gate_lists_blockers_and_exits_1(make_event, run, register):
    register(SignOff(), "sign-off")
    folder = make_event()
    assert run("advance", folder).exit_code == 0
    result = run("advance", folder)
    assert result.exit_code == 1
    assert "cannot move from materials to launch:" in result.output
    assert "[sign-off] 计划尚未签批" in result.output
    status = json.loads(run("status", folder, "--json").output)
    assert status["phase"] == "materials"
    assert status["blockers"] == [{"message": "计划尚未签批", "plugin": "sign-off", "hint": ""}]


def test_force_needs_a_reason_and_records_it(make_event, run, register):
    register(SignOff(), "sign-off")
    folder = make_event()
    run("advance", folder)
    result = run("advance", folder, "--force")
    assert result.exit_code == 2
    assert "--force needs --reason" in result.output
    result = run("advance", folder, "--force", "--reason", "县长口头批准，书面稍后补", "--by", "王")
    assert result.exit_code == 0
    assert "gate overridden: 县长口头批准，书面稍后补" in result.output
    history = json.loads(run("status", folder, "--json").output)["history"]
    assert history[-1]["forced"] is True
    assert history[-1]["reason"] == "县长口头批准，书面稍后补"
    assert history[-1]["by"] == "王"
    assert [h["to_phase"] for h in history] == ["materials", "launch"]


def test_unblocked_gate_lets_the_event_through(make_event, run, register):
    sign_off = register(SignOff(), "sign-off")
    folder = make_event()
    run("advance", folder)
    sign_off.signed = True
    assert run("advance", folder).exit_code == 0
    assert json.loads(run("status", folder, "--json").output)["phase"] == "launch"


def test_report_waits_until_the_event_is_over(make_event, run):
    folder = make_event("lecture-tour", "en")
    for _ in range(3):
        assert run("advance", folder).exit_code == 0
    result = run("advance", folder)
    assert result.exit_code == 1
    assert "[event-dates] The event runs until 23 October 2027, 12:00" in result.output


def test_last_phase_cannot_advance(make_event, run):
    folder = make_event()
    for _ in range(3):
        run("advance", folder)
    run("advance", folder, "--force", "--reason", "rehearsal")
    result = run("advance", folder)
    assert result.exit_code == 1
    assert "already in its last phase (report)" in result.output


def test_status_shows_the_phase_line_and_what_plugins_report(make_event, run):
    result = run("status", make_event("science-day", "zh"))
    assert "phase: [plan] → materials → launch → onsite → report" in result.output
    assert "[event-dates] 活动将于2027年9月24日 08:30开始" in result.output
    assert "nothing blocks the move to materials" in result.output
