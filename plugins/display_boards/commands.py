"""``kexie materials``: record what was handed out or shown."""

from __future__ import annotations

from pathlib import Path

import click

from kexie_events.errors import UsageError
from kexie_events.fields import suggest
from kexie_events.plugin_cli import default_user, event_dir, now_during, open_event


@click.group()
def materials() -> None:
    """Display boards and printed materials."""


@materials.command(name="record")
@event_dir
@click.argument("item")
@click.option("--quantity", type=int, required=True, help="How many were handed out or shown.")
@click.option("--site", required=True, help="Site id.")
@click.option(
    "--day",
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Day (default: today, when today is a day of the event).",
)
@click.option("--by", default=default_user, help="Who records it.")
@click.pass_context
def record_command(ctx, directory: Path, item: str, quantity: int, site: str, day, by) -> None:
    """Record ITEM (id or name) handed out or shown at a site on a day."""
    from kexie_plugins.display_boards.ledger import record
    from kexie_plugins.display_boards.planning import NAME

    _plugins, event, store = open_event(ctx, directory)
    if NAME not in event.configs:
        raise UsageError(f"the event has no [plugins.{NAME}] section")
    plan = event.configs[NAME]
    found = plan.item(item)
    if found is None:
        raise UsageError(f"no item {item!r}{suggest(item, [i.id for i in plan.items])}")
    if site not in {s.id for s in event.sites}:
        raise UsageError(f"no site {site!r}")
    if quantity < 1:
        raise UsageError("--quantity must be at least 1")
    with store:
        day_value = day.date() if day else now_during(event, "--date").date()
        record(store, found.id, site, day_value, quantity, by=by)
    click.echo(f"recorded {quantity} {found.name} at {site} on {day_value}")
