"""``kexie checklist`` and ``kexie incident``."""

from __future__ import annotations

from pathlib import Path

import click

from kexie_events.errors import UsageError
from kexie_events.plugin_cli import default_user, event_dir, now_during, open_event, print_json


@click.command()
@event_dir
@click.argument("action", required=False, type=click.Choice(["tick", "untick"]))
@click.argument("item", required=False)
@click.option("--note", help="A note kept with the tick.")
@click.option("--by", default=default_user, help="Who ticks it.")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def checklist(ctx, directory: Path, action, item, note, by, as_json) -> None:
    """List the emergency checklist, or tick / untick ITEM."""
    from kexie_plugins.emergency_plan.ledger import latest_ticks
    from kexie_plugins.emergency_plan.plan import NAME, tick

    _plugins, event, store = open_event(ctx, directory)
    if NAME not in event.configs:
        raise UsageError(f"the event has no [plugins.{NAME}] section")
    plan = event.configs[NAME]
    with store:
        if action:
            if not item:
                raise UsageError(f"kexie checklist DIR {action} ITEM: which item?")
            done = tick(store, plan, item, by=by, done=action == "tick", note=note)
            click.echo(f"{action}ed {done.id}: {done.text}")
            return
        ticks = latest_ticks(store)
    rows = []
    for entry in plan.items:
        tick = ticks.get(entry.id)
        rows.append(
            {
                "id": entry.id,
                "phase": entry.phase,
                "text": entry.text,
                "owner": entry.owner,
                "critical": entry.critical,
                "deadline": entry.deadline.isoformat() if entry.deadline else None,
                "done": tick.ticked if tick else False,
                "at": tick.at.isoformat() if tick else None,
                "by": tick.by if tick else None,
            }
        )
    if as_json:
        print_json(rows)
        return
    for row in rows:
        mark = "[x]" if row["done"] else "[ ]"
        star = "!" if row["critical"] else " "
        deadline = (row["deadline"] or "")[:10]
        click.echo(f"{mark}{star} {row['phase']:8} {row['id']:22} {deadline:10}  {row['text']}")


@click.group()
def incident() -> None:
    """Log incidents on site and list them."""


@incident.command(name="add")
@event_dir
@click.option(
    "--type",
    "kind",
    required=True,
    help="heat, eye-injury, lost-child, injury, crowding, weather or other.",
)
@click.option("--what", required=True, help="What happened.")
@click.option("--done", required=True, help="What was done about it.")
@click.option("--site", help="Site id.")
@click.option("--gate", help="Gate or place on the site.")
@click.option(
    "--at",
    "when",
    type=click.DateTime(["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]),
    help="When, in the event's time zone (default: now, during the event's days).",
)
@click.option("--by", default=default_user, help="Who logs it.")
@click.pass_context
def incident_add(ctx, directory: Path, kind, what, done, site, gate, when, by) -> None:
    """Log an incident: time, place, type, what happened, what was done, by whom."""
    from kexie_plugins.emergency_plan.plan import log_incident

    _plugins, event, store = open_event(ctx, directory)
    with store:
        at = when.replace(tzinfo=event.tz) if when else now_during(event, "--at")
        log_incident(
            store, event, kind=kind, what=what, done=done, by=by, site=site, gate=gate, at=at
        )
    click.echo("incident logged")


@incident.command(name="list")
@event_dir
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def incident_list(ctx, directory: Path, as_json: bool) -> None:
    """List the incidents logged so far."""
    import attrs

    from kexie_plugins.emergency_plan.ledger import incidents

    _plugins, event, store = open_event(ctx, directory)
    with store:
        found = incidents(store)
    if as_json:
        print_json([{**attrs.asdict(row), "at": row.at.isoformat()} for row in found])
        return
    for row in found:
        when = row.at.astimezone(event.tz).strftime("%m-%d %H:%M")
        click.echo(f"{when}  {row.type:11} {row.site or '':10} {row.what} → {row.done} ({row.by})")


COMMANDS = (checklist, incident)
