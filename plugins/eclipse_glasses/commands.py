"""``kexie glasses``: allocations and handouts of eclipse glasses."""

from __future__ import annotations

from pathlib import Path

import click

from kexie_events.errors import UsageError
from kexie_events.eventfile import load_event
from kexie_events.plugin_cli import default_user, event_dir, open_event, plugins_of


def _plan(event):
    """The event's glasses plan (its section as read); a usage error without the section."""
    from kexie_plugins.eclipse_glasses.glasses import NAME

    if NAME not in event.configs:
        raise UsageError(f"the event has no [plugins.{NAME}] section")
    return event.configs[NAME]


@click.group()
def glasses() -> None:
    """Eclipse glasses: import allocations, record handouts."""


@glasses.command(name="import")
@event_dir
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sheet", help="The workbook's sheet to read (default: the first).")
@click.pass_context
def import_command(ctx, directory: Path, file: Path, sheet) -> None:
    """Check a CSV or .xlsx file of units and make it the event's allocations.

    Columns: name, contact, phone, pairs (or 单位名称, 联系人, 电话, 数量); see docs/logistics.md.
    """
    from kexie_plugins.eclipse_glasses.glasses import import_allocations

    # The allocations being replaced may be the broken ones: do not let them stop the fix.
    event = load_event(directory, plugins_of(ctx), plugin_checks=False)
    plan = _plan(event)
    found, changed = import_allocations(event, plan, file, sheet=sheet)
    for note in found.notes:
        click.echo(f"note: {note}", err=True)
    for warning in found.warnings:
        click.echo(f"warning: {warning}", err=True)
    count = len(found.units)
    if changed:
        click.echo(f"{count} units imported")
    else:
        click.echo(f"{count} units: the event's allocations are already this file; nothing changed")


@glasses.command(name="handout")
@event_dir
@click.option("--pairs", type=int, required=True, help="How many pairs.")
@click.option("--gate", help="Handed out on site at this gate.")
@click.option("--unit", help="Collected by this unit (a name from the allocations).")
@click.option("--site", help="Site id, when the gate name is used at several.")
@click.option("--by", default=default_user, help="Who hands them out.")
@click.pass_context
def handout_command(ctx, directory: Path, pairs: int, gate, unit, site, by) -> None:
    """Record glasses handed out at a gate or collected by a unit."""
    from kexie_plugins.eclipse_glasses.glasses import hand_out

    _plugins, event, store = open_event(ctx, directory)
    try:
        plan = _plan(event)
    except UsageError:
        store.close()
        raise
    with store:
        left = hand_out(event, store, plan, pairs, by=by, gate=gate, unit=unit, site=site)
    click.echo(f"{pairs} pairs recorded; {left} left")
