"""The ``[plugins.qr-checkin]`` section of event.toml."""

from __future__ import annotations

import attrs

from kexie_events.errors import Problem
from kexie_events.fields import TableReader
from kexie_events.model import Event
from kexie_plugins.qr_checkin.admission import RULES

NAME = "qr-checkin"


@attrs.frozen
class QrConfig:
    """Check-in settings.

    Attributes:
        admission: ``once`` (a ticket admits once) or ``daily`` (once per day of the event).
        ticket_note: a line printed on every ticket (where to enter, what to bring).
        notice: what the public notice says about tickets, replacing the default sentence.
    """

    admission: str = "once"
    ticket_note: str = ""
    notice: str = ""


def read_config(event: Event) -> tuple[QrConfig, list[Problem]]:
    """The plugin's settings and the problems found reading them (defaults when absent)."""
    reader = TableReader(event.plugin_config(NAME) or {}, ("plugins", NAME))
    default = "daily" if len(event.days) > 1 else "once"
    config = QrConfig(
        admission=reader.text("admission", default, choices=RULES),
        ticket_note=reader.text("ticket_note", "") or "",
        notice=reader.text("notice", "") or "",
    )
    reader.finish()
    return config, reader.problems
