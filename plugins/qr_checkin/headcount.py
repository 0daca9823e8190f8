"""``kexie headcount``: people counted on paper sign-in sheets, or estimated, typed in later.

A village activity point with no phone signal counts on paper (签到表); the office types the
sheets in afterwards (补录). Each entry is a head count with its source (``paper`` or
``estimate``), put on the day it happened, not the day it was typed; the report says how every
number was obtained. A mistyped entry is taken back with ``kexie headcount undo``, which
records a correcting entry (nothing is deleted).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import click

from kexie_events import inputs
from kexie_events.errors import UsageError
from kexie_events.model import AUDIENCES
from kexie_events.plugin_cli import default_user, event_dir, open_event, print_json


@click.group()
def headcount() -> None:
    """Enter people counted on paper sign-in sheets or estimated, after the event."""


@headcount.command(name="add")
@event_dir
@click.option("--site", required=True, help="Site id (or its name).")
@click.option("--date", "day", required=True, help="The day it happened: YYYY-MM-DD.")
@click.option("--audience", required=True, help=f"One of {', '.join(AUDIENCES)}.")
@click.option("--count", required=True, type=int, help="How many people.")
@click.option("--gate", help="The gate, when the sheet was kept at one.")
@click.option(
    "--source",
    type=click.Choice(["paper", "estimate"]),
    default="paper",
    show_default=True,
    help="paper: a sign-in sheet; estimate: a count by eye.",
)
@click.option("--note", help='Where the number comes from ("第3页签到表").')
@click.option("--by", default=default_user, help="Who enters it.")
@click.option("--json", "as_json", is_flag=True, help="Print the entry as JSON.")
@click.pass_context
def add(ctx, directory: Path, site, day, audience, count, gate, source, note, by, as_json) -> None:
    """Add COUNT people of AUDIENCE at SITE on DATE, from a paper sheet or an estimate."""
    from kexie_plugins.qr_checkin.admission import Gatekeeper
    from kexie_plugins.qr_checkin.config import NAME

    _plugins, event, store = open_event(ctx, directory)
    if not event.uses(NAME):
        raise UsageError(f"the event has no [plugins.{NAME}] section; add it to count people")
    by_name = {s.name: s.id for s in event.sites}
    site = by_name.get(site, site)
    if len(day.strip()) != 10:
        raise UsageError(f"--date is a day: YYYY-MM-DD, got {day!r}")
    at = inputs.event_moment(day, "date", event=event, label="--date")
    audience = inputs.one_of(audience, "audience", AUDIENCES, lang="en", label="--audience")
    count = inputs.whole_number(count, "count", lang="en", label="--count")
    gate, site = inputs.place(event, gate, site)
    note = inputs.text(note, "note", lang="en", label="--note", required=False)
    entry = f"{source}-{uuid.uuid4().hex[:12]}"
    keeper = Gatekeeper(None, event.tz, "en")
    with store:
        keeper.headcount(
            store,
            audience=audience,
            delta=count,
            gate=gate,
            site=site,
            by=by,
            at=at,
            scan_id=entry,
            source=source,
            note=note,
        )
    if as_json:
        print_json(
            {
                "entry": entry,
                "site": site,
                "gate": gate,
                "date": at.date().isoformat(),
                "audience": audience,
                "count": count,
                "source": source,
                "note": note,
            }
        )
        return
    where = f"{site}{', ' + gate if gate else ''}"
    click.echo(
        f"recorded {count} {audience} at {where} on {at.date()} ({source}); entry {entry}"
        f" (take it back with: kexie headcount undo DIR {entry})"
    )


@headcount.command(name="undo")
@event_dir
@click.argument("entry")
@click.option("--by", default=default_user, help="Who takes it back.")
@click.pass_context
def undo(ctx, directory: Path, entry: str, by: str) -> None:
    """Take back ENTRY (as printed by add, or a phone's scan_id) with a correcting entry."""
    from kexie_events.store import now
    from kexie_plugins.qr_checkin.admission import Gatekeeper

    _plugins, event, store = open_event(ctx, directory)
    entry = inputs.scan_id(entry, lang="en")
    keeper = Gatekeeper(None, event.tz, "en")
    with store:
        try:
            done = keeper.undo(store, scan_id=entry, by=by, anyone=True, at=now())
        except LookupError:
            raise UsageError(f"no entry {entry!r}") from None
    if not done["recorded"]:
        click.echo(f"{entry} was already taken back by {done['by']} at {done['undone_at']}")
        return
    click.echo(f"took back {entry}: {done['delta']:+d} recorded as a correction")
