"""``kexie registrations list|export|cancel|remind|messages DIR``: sign-ups for the organiser."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import click

from kexie_events import output
from kexie_events.errors import UsageError
from kexie_events.plugin_cli import default_user, event_dir, open_event, print_json

STATUS_WORDS = {
    "confirmed": ("已确认", "confirmed"),
    "waitlisted": ("候补", "waitlisted"),
    "cancelled": ("已取消", "cancelled"),
}


def _open(ctx: click.Context, directory: Path):
    """The plugins, the event, its store and the sign-up settings; an event without
    ``[registration]`` is a usage error."""
    from kexie_plugins.registration.config import NAME

    plugins, event, store = open_event(ctx, directory)
    if NAME not in event.configs:
        store.close()
        raise UsageError(f"{event.toml_path}: the event has no [registration] section")
    return plugins, event, store, event.configs[NAME]


@click.group()
def registrations() -> None:
    """Self-service sign-ups: list, export, cancel, remind, messages."""


@registrations.command(name="list")
@event_dir
@click.option(
    "--status", type=click.Choice(("confirmed", "waitlisted", "cancelled")), help="Only these."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_command(ctx, directory: Path, status, as_json: bool) -> None:
    """List sign-ups: number, status, slot, party, name, phone, tickets."""
    from kexie_plugins.registration import ledger

    _plugins, _event, store, _config = _open(ctx, directory)
    with store:
        found = [r for r in ledger.listing(store) if status in (None, r.status)]
    if as_json:
        print_json([attrs.asdict(r, filter=lambda a, _v: a.name != "secret") for r in found])
        return
    for r in found:
        where = f"#{r.position} in line" if r.position else ""
        tickets = ",".join(f"{n:06d}" for n in r.tickets)
        click.echo(
            f"{r.id:5d}  {r.status:10}  {r.slot:12}  {r.party:2d}  {r.name or '-':12}  "
            f"{r.phone or '-':14}  {tickets or where}"
        )
    if not found:
        click.echo("no sign-ups", err=True)


def _rows(event, config, found, came) -> tuple[list[str], list[list]]:
    from kexie_events.i18n import pick
    from kexie_plugins.registration.form import labels
    from kexie_plugins.registration.notify import when_text

    lang = event.lang
    names = {key: label.capitalize() for key, label in labels(lang).items()}
    header = [
        pick(lang, "编号", "Number"),
        pick(lang, "状态", "Status"),
        names["slot"],
        pick(lang, "时间", "Time"),
        pick(lang, "场地", "Site"),
        names["party"],
        names["name"],
        names["phone"],
        names["email"],
        names["audience"],
        *[q.label for q in config.questions],
        pick(lang, "票号", "Tickets"),
        pick(lang, "入场人数", "Came"),
        pick(lang, "候补位次", "Place in line"),
        pick(lang, "报名时间", "Signed up"),
        pick(lang, "取消时间", "Cancelled"),
    ]
    sites = {site.id: site.name for site in event.sites}
    rows = []
    for r in found:
        slot = config.slot(r.slot)
        zh, en = STATUS_WORDS[r.status]
        rows.append(
            [
                r.id,
                pick(lang, zh, en),
                slot.label if slot else r.slot,
                when_text(slot, event) if slot else "",
                sites.get(r.site, r.site or ""),
                r.party,
                r.name,
                r.phone,
                r.email,
                r.audience,
                *[r.answers.get(q.id) for q in config.questions],
                " ".join(f"{n:06d}" for n in r.tickets),
                came.get(r.id, (0, 0))[1] if r.status == "confirmed" else None,
                r.position,
                f"{r.created_at.astimezone(event.tz):%Y-%m-%d %H:%M}",
                f"{r.cancelled_at.astimezone(event.tz):%Y-%m-%d %H:%M}" if r.cancelled_at else None,
            ]
        )
    return header, rows


@registrations.command(name="export")
@event_dir
@click.option(
    "--format", "fmt", type=click.Choice(("xlsx", "csv")), default="xlsx", show_default=True
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
@click.pass_context
def export_command(ctx, directory: Path, fmt: str, out: Path | None) -> None:
    """Export every sign-up to Excel (with a sheet per slot summary) or CSV."""
    from kexie_events.i18n import pick
    from kexie_plugins.registration import ledger
    from kexie_plugins.registration.summary import report_section

    _plugins, event, store, config = _open(ctx, directory)
    with store:
        found = ledger.listing(store)
        came = ledger.attendance(store)
        section = report_section(event, store, config)
    header, rows = _rows(event, config, found, came)
    out = out or directory / f"registrations.{fmt}"
    if fmt == "csv":
        from kexie_events.csv_export import csv_bytes

        data = csv_bytes(header, rows)
    else:
        from kexie_events.xlsx_export import workbook_bytes

        [table] = section.tables
        data = workbook_bytes(
            [
                (pick(event.lang, "报名名单", "Sign-ups"), header, rows),
                (table.title, table.header, table.rows),
            ]
        )
    output.write_private(out, data)  # names and phones
    click.echo(f"{len(rows)} sign-ups written to {out} (names and phones: keep it private)")


@registrations.command(name="cancel")
@event_dir
@click.argument("number", type=int)
@click.option("--reason", help="Why (asked by phone, duplicate, ...).")
@click.option("--by", default=default_user, help="Who cancels it.")
@click.pass_context
def cancel_command(ctx, directory: Path, number: int, reason, by) -> None:
    """Cancel sign-up NUMBER: its tickets are revoked, the waiting list moves up, and the
    person and those promoted are sent a message."""
    from kexie_plugins.registration import ledger
    from kexie_plugins.registration.notify import deliver_pending

    plugins, event, store, config = _open(ctx, directory)
    with store:
        change = ledger.cancel(event, store, config, number, by=by, reason=reason)
        click.echo(f"cancelled sign-up {number} ({change.registration.party} places)")
        for promoted in change.promoted:
            click.echo(f"moved up from the waiting list: sign-up {promoted}")
        _report_messages(deliver_pending(event, store, plugins, config))


def _report_messages(sent) -> None:
    for entry in sent:
        how = entry.channels if entry.status == "sent" else f"FAILED: {entry.error}"
        click.echo(f"message {entry.kind} to sign-up {entry.signup}: {how}")


@registrations.command(name="remind")
@event_dir
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Remind those whose slot is on this day (default: tomorrow).",
)
@click.pass_context
def remind_command(ctx, directory: Path, day) -> None:
    """Send the reminder, once, to everyone confirmed for tomorrow's slots; also sends any
    message still waiting. Run it once a day (cron, a scheduled task), or by hand."""
    from kexie_plugins.registration import ledger
    from kexie_plugins.registration.notify import deliver_pending

    plugins, event, store, config = _open(ctx, directory)
    target = day.date() if day else dt.datetime.now(event.tz).date() + dt.timedelta(days=1)
    slots = [s.id for s in config.slots if s.start.astimezone(event.tz).date() == target]
    with store:
        queued = ledger.queue_reminders(store, slots)
        sent = deliver_pending(event, store, plugins, config)
    click.echo(f"{queued} reminders for {target} ({len(slots)} slots)")
    _report_messages(sent)


@registrations.command(name="messages")
@event_dir
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def messages_command(ctx, directory: Path, as_json: bool) -> None:
    """The message log: every confirmation, promotion, cancellation and reminder."""
    from kexie_plugins.registration import ledger

    _plugins, _event, store, _config = _open(ctx, directory)
    with store:
        log = ledger.message_log(store)
    if as_json:
        print_json([attrs.asdict(entry) for entry in log])
        return
    for e in log:
        how = e.channels or ""
        if e.status == "failed":
            how = f"{how}; FAILED: {e.error}"
        click.echo(
            f"{e.id:5d}  {e.queued_at[:16]}  sign-up {e.signup:<5d} {e.kind:10} {e.status:8} {how}"
        )


COMMANDS = (registrations,)
