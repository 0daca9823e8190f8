"""The check-in commands: ``tickets``, ``bundle``, ``checkin`` and ``journal``."""

from __future__ import annotations

import socket
import sqlite3
import uuid
from pathlib import Path

import attrs
import click

from kexie_events.errors import KexieError, UsageError
from kexie_events.plugin_cli import default_user, event_dir, open_event, print_json
from kexie_events.store import now


@click.group()
def tickets() -> None:
    """Issue, import, list and revoke QR tickets."""


@tickets.command(name="issue")
@event_dir
@click.option("--count", type=int, required=True, help="How many tickets.")
@click.option("--site", help="Site id the tickets are for.")
@click.option("--audience", help="Audience group (minors, farmers, urban_workers, cadres, others).")
@click.option("--by", default=default_user, help="Who issues them.")
@click.pass_context
def issue_command(ctx, directory: Path, count: int, site, audience, by) -> None:
    """Issue anonymous tickets (seats allocated to a school, a unit, a township)."""
    from kexie_plugins.qr_checkin import tickets as ticket_book

    _plugins, event, store = open_event(ctx, directory)
    with store:
        numbers = ticket_book.issue(event, store, count, by=by, site=site, audience=audience)
    click.echo(f"issued {len(numbers)} tickets: {numbers.start:06d}–{numbers.stop - 1:06d}")


@tickets.command(name="import")
@event_dir
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sheet", help="The workbook's sheet to read (default: the first).")
@click.option("--by", default=default_user, help="Who issues them.")
@click.pass_context
def import_command(ctx, directory: Path, file: Path, sheet, by) -> None:
    """Issue one ticket per registration, from a CSV or .xlsx file.

    Columns: name, phone, audience, site (or 姓名, 手机, 人群, 场地); see docs/checkin.md.
    """
    from kexie_plugins.qr_checkin import tickets as ticket_book

    _plugins, event, store = open_event(ctx, directory)
    with store:
        registrations = ticket_book.read_registrations(event, file, sheet=sheet)
        for note in registrations.notes:
            click.echo(f"note: {note}", err=True)
        for warning in registrations.warnings:
            click.echo(f"warning: {warning}", err=True)
        numbers = ticket_book.import_registrations(event, store, registrations, by=by)
    click.echo(f"imported {len(numbers)} registrations: {numbers.start:06d}–{numbers.stop - 1:06d}")


@tickets.command(name="list")
@event_dir
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def list_command(ctx, directory: Path, as_json: bool) -> None:
    """List tickets: number, code, site, audience, status."""
    from kexie_plugins.qr_checkin import tickets as ticket_book

    _plugins, _event, store = open_event(ctx, directory)
    with store:
        found = ticket_book.listing(store)
    if as_json:
        print_json([attrs.asdict(t) for t in found])
        return
    for t in found:
        click.echo(
            f"{t.number:06d}  {t.status:8}  {t.site or '-':12}  {t.audience or '-':13}  {t.code}"
        )


@tickets.command(name="revoke")
@event_dir
@click.argument("number", type=int)
@click.option("--reason", help="Why (lost, replaced, cancelled).")
@click.option("--by", default=default_user, help="Who revokes it.")
@click.pass_context
def revoke_command(ctx, directory: Path, number: int, reason, by) -> None:
    """Revoke a ticket: every gate rejects it from now on."""
    from kexie_plugins.qr_checkin import tickets as ticket_book

    _plugins, _event, store = open_event(ctx, directory)
    with store:
        ticket_book.revoke(store, number, by=by, reason=reason)
    click.echo(f"revoked ticket {number:06d}")


@click.command()
@event_dir
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--device", default=socket.gethostname, help="Name of the scanning device.")
@click.pass_context
def bundle(ctx, directory: Path, out: Path, device: str) -> None:
    """Write a scanner bundle for offline check-in (no private key, no names).

    OUT may be an earlier bundle of the event whose scans are all merged; any other existing
    file is left as it is (exit 2).
    """
    from kexie_plugins.qr_checkin import bundle as bundles

    _plugins, event, store = open_event(ctx, directory)
    with store:
        written = bundles.write(event, store, out, device=device)
    replaced = "; it replaces the earlier bundle, all merged" if written.replaced else ""
    click.echo(f"bundle for {device}: {out} ({written.tickets} tickets{replaced})")


@click.command()
@click.argument("source", metavar="BUNDLE_OR_DIR", type=click.Path(exists=True, path_type=Path))
@click.argument("code")
@click.option("--gate", required=True, help="The gate you are at.")
@click.option("--site", help="The site, when the gate name is used at several.")
@click.option("--by", default=default_user, help="Who scans.")
@click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")
@click.pass_context
def checkin(ctx, source: Path, code: str, gate: str, site, by, as_json: bool) -> None:
    """Check one code (or ticket number) in, offline; exit 0 when admitted, 1 otherwise.

    What is recorded is checked as the live API and ``kexie journal merge`` check it; with a
    bundle, a scan more than a day outside the event (a clock set wrong) is not recorded.
    """
    from kexie_events import inputs
    from kexie_plugins.qr_checkin.admission import Gatekeeper
    from kexie_plugins.qr_checkin.bundle import Bundle
    from kexie_plugins.qr_checkin.config import config_of
    from kexie_plugins.qr_checkin.tickets import verifier_for

    code = inputs.text(code, "code", lang="en", limit=inputs.CODE_LIMIT)
    gate = inputs.text(gate, "gate", lang="en", label="--gate", limit=inputs.NAME_LIMIT)
    site = inputs.text(
        site, "site", lang="en", label="--site", limit=inputs.NAME_LIMIT, required=False
    )
    by = inputs.text(by, "by", lang="en", label="--by", limit=inputs.NAME_LIMIT)
    at = now()
    outside = None
    if source.is_dir():
        _plugins, event, store = open_event(ctx, source)
        where, close = store, store.close
        keeper = Gatekeeper(
            verifier_for(store), event.tz, event.lang, config_of(event).admission, device="cli"
        )
        sites = {s.id: list(s.gates) for s in event.sites}
    else:
        opened = Bundle.open(source)
        where, close, keeper, sites = opened.db, opened.db.close, opened.keeper, opened.sites
        outside = opened.outside_event(at)
    try:
        if outside:
            raise UsageError(
                f"not recorded: this computer's clock says {outside}, so no merge would take "
                "the scan; set the clock"
            )
        site = inputs.site_of_gate(sites, gate, site, lang="en")
        try:
            answer = keeper.check_in(
                where, code=code, scan_id=uuid.uuid4().hex, gate=gate, site=site, by=by, at=at
            )
        except sqlite3.Error as error:  # a read-only or full disk: the scan was rolled back
            raise KexieError(f"{source}: the scan was not recorded: {error}") from None
    finally:
        close()
    if as_json:
        print_json(answer)
    else:
        click.echo(f"{answer['result'].upper()}: {answer['reason']}")
    ctx.exit(0 if answer["result"] == "admitted" else 1)


@click.group()
def journal() -> None:
    """Bring offline scanners' journals into the event."""


@journal.command(name="merge")
@event_dir
@click.argument(
    "bundles",
    metavar="BUNDLE...",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option("--json", "as_json", is_flag=True, help="Print what each bundle brought as JSON.")
@click.pass_context
def merge_command(ctx, directory: Path, bundles: tuple[Path, ...], as_json: bool) -> None:
    """Merge bundles' journals: idempotent, any order, earliest admission wins.

    Every row of every bundle is checked first; one bad row refuses the merge, and nothing is
    written (see docs/checkin.md).
    """
    from kexie_plugins.qr_checkin.bundle import merge

    _plugins, event, store = open_event(ctx, directory)
    with store:
        results = merge(event, store, bundles)
    if as_json:
        print_json([attrs.asdict(r) for r in results])
        return
    for r in results:
        click.echo(
            f"{r.device}: {r.new_scans} new scans ({r.already_merged} merged before), "
            f"{r.admitted_on_device} admitted on the device, {r.counted_as_duplicates} of them "
            f"already admitted elsewhere earlier and counted as duplicates"
        )
        if r.revoked_later:
            click.echo(
                f"  note: {r.revoked_later} admitted with tickets revoked after the bundle was "
                "made; the laptop could not know, so they count as they happened"
            )


from kexie_plugins.qr_checkin.headcount import headcount  # noqa: E402

COMMANDS = (tickets, bundle, checkin, journal, headcount)
