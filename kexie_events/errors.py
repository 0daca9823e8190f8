"""Errors a user can cause, each with a message they can act on.

The CLI prints these without a traceback. ``exit_code`` is what the command exits with:
2 for usage and configuration errors (as click does), 1 for everything else.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import attrs


class KexieError(Exception):
    """Base of every error that is the user's to fix rather than a bug."""

    exit_code = 1


class UsageError(KexieError):
    """The command was asked for something it cannot do as asked (exit 2, like click)."""

    exit_code = 2


class EventFolderError(KexieError):
    """The event folder is missing, unreadable, or not an event folder."""

    exit_code = 2


@attrs.frozen
class Problem:
    """One thing wrong (or worth a warning) in an event file.

    Attributes:
        key: path to the offending value, e.g. ``("sites", 0, "capacity")``.
        message: what is wrong and what was expected.
        severity: ``"error"`` blocks loading; ``"warning"`` is shown and let through.
    """

    key: tuple[str | int, ...]
    message: str
    severity: str = attrs.field(
        default="error", validator=attrs.validators.in_(("error", "warning"))
    )

    @property
    def dotted_key(self) -> str:
        """The key as the organiser would write it: ``sites[0].capacity``."""
        text = ""
        for part in self.key:
            if isinstance(part, int):
                text += f"[{part}]"
            else:
                text += f".{part}" if text else part
        return text


@attrs.frozen
class LocatedProblem:
    """A problem pinned to a file and line, ready to print."""

    path: Path
    line: int
    problem: Problem

    def __str__(self) -> str:
        p = self.problem
        prefix = "warning: " if p.severity == "warning" else ""
        key = f"{p.dotted_key}: " if p.key else ""
        return f"{self.path}:{self.line}: {prefix}{key}{p.message}"


class EventFileError(KexieError):
    """``event.toml`` cannot be used as it is; carries every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: Iterable[LocatedProblem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.problem.severity == "error"]
        super().__init__("\n".join(str(p) for p in errors) or "invalid event file")


class PluginError(KexieError):
    """A plugin raised inside a hook; names the plugin so the core is not blamed."""

    def __init__(self, plugin: str, hook: str, error: BaseException):
        self.plugin = plugin
        self.hook = hook
        self.error = error
        super().__init__(f"plugin {plugin!r} failed in {hook}: {type(error).__name__}: {error}")


class GateBlocked(KexieError):
    """Moving to the next phase is blocked by one or more plugins."""

    def __init__(self, phase: str, next_phase: str, blockers: list):
        self.phase = phase
        self.next_phase = next_phase
        self.blockers = blockers
        lines = [f"cannot move from {phase} to {next_phase}:"]
        lines += [f"  - [{b.plugin}] {b.text}" for b in blockers]
        lines.append('use --force --reason "..." to override; the override is recorded.')
        super().__init__("\n".join(lines))
