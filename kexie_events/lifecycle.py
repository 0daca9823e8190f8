"""The event lifecycle: plan → materials → launch → onsite → report, with gates between.

Plugins say what blocks a gate (``kexie_gate``) and what they see (``kexie_status``). Moving on
records who, when, from, to, and the reason when a gate was forced. Phases are never skipped:
``advance`` moves exactly one step.
"""

from __future__ import annotations

import attrs

from kexie_events.errors import GateBlocked, KexieError
from kexie_events.model import Event
from kexie_events.plugins import Plugins
from kexie_events.records import Blocker, PhaseChange, StatusLine
from kexie_events.store import EventStore, now

PHASES = ("plan", "materials", "launch", "onsite", "report")


def next_phase(phase: str) -> str | None:
    """The phase after ``phase``, or ``None`` after the last."""
    index = PHASES.index(phase)
    return PHASES[index + 1] if index + 1 < len(PHASES) else None


@attrs.frozen
class Status:
    """Where an event stands: its phase, what plugins report, and what blocks the next gate."""

    phase: str
    next_phase: str | None
    lines: tuple[StatusLine, ...]
    blockers: tuple[Blocker, ...]
    history: tuple[PhaseChange, ...]

    def as_json(self) -> dict:
        """The status as plain data for ``kexie status --json``."""
        return {
            "phase": self.phase,
            "next_phase": self.next_phase,
            "phases": list(PHASES),
            "status": [attrs.asdict(line) for line in self.lines],
            "blockers": [attrs.asdict(blocker) for blocker in self.blockers],
            "history": [
                {**attrs.asdict(change), "at": change.at.isoformat()} for change in self.history
            ],
        }


def blockers(event: Event, store: EventStore, plugins: Plugins) -> list[Blocker]:
    """What blocks the move from the current phase to the next (empty when nothing does)."""
    phase = store.phase()
    following = next_phase(phase)
    if following is None:
        return []
    return plugins.collect(
        "kexie_gate", Blocker, event=event, store=store, phase=phase, next_phase=following
    )


def status(event: Event, store: EventStore, plugins: Plugins) -> Status:
    """Collect the current phase, every plugin's status lines and the blockers of the next gate."""
    phase = store.phase()
    lines = plugins.collect("kexie_status", StatusLine, event=event, store=store, phase=phase)
    return Status(
        phase=phase,
        next_phase=next_phase(phase),
        lines=tuple(lines),
        blockers=tuple(blockers(event, store, plugins)),
        history=tuple(store.phase_changes()),
    )


def advance(
    event: Event,
    store: EventStore,
    plugins: Plugins,
    *,
    by: str,
    force: bool = False,
    reason: str | None = None,
) -> PhaseChange:
    """Move the event one phase on and record it.

    Raises :class:`GateBlocked` when a plugin blocks the gate and ``force`` is not set. Forcing
    needs a reason, which is recorded with the change.
    """
    phase = store.phase()
    following = next_phase(phase)
    if following is None:
        raise KexieError(f"the event is already in its last phase ({phase})")
    if force and not (reason and reason.strip()):
        raise KexieError("--force needs --reason: say why the gate is overridden")
    found = blockers(event, store, plugins)
    if found and not force:
        raise GateBlocked(phase, following, found)
    change = PhaseChange(
        from_phase=phase,
        to_phase=following,
        by=by,
        at=now().astimezone(event.tz),
        forced=bool(found) and force,
        reason=reason.strip() if force and reason else None,
    )
    store.record_phase_change(change)
    plugins.call_each("kexie_phase_changed", event=event, store=store, change=change)
    return change
