"""The ``kexie`` command line.

Only click and the light core are imported here: ``kexie --help`` and ``kexie check`` must stay
fast on a volunteer's old laptop, so commands import the web server, astronomy and document
libraries inside their own functions. Errors the user can fix are printed without a traceback;
the exit code is 2 for usage and configuration errors, 1 for everything else.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import click

from kexie_events import __version__, output
from kexie_events.console.commands import organizers
from kexie_events.errors import EventFileError, KexieError
from kexie_events.plugin_cli import (
    DefaultCommandGroup,
    default_user,
    event_dir,
    now_during,
    open_event,
    plugins_of,
    print_json,
)

__all__ = [
    "DefaultCommandGroup",
    "cli",
    "default_user",
    "event_dir",
    "main",
    "now_during",
    "open_event",
    "plugins_of",
    "print_json",
]

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


def report_error(error: KexieError) -> None:
    """Print a user error (every located problem of an event file) to stderr."""
    if isinstance(error, EventFileError):
        for problem in error.problems:
            click.echo(str(problem), err=True)
        count = sum(p.problem.severity == "error" for p in error.problems)
        click.echo(f"Error: {count} problem(s) in the event file; nothing was changed.", err=True)
    else:
        click.echo(f"Error: {error}", err=True)


class KexieGroup(click.Group):
    """The top-level group: adds plugin commands and turns user errors into clean exits."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        # A broken plugin must not hide the core commands from --help; it is named when used.
        with contextlib.suppress(KexieError):
            names |= set(self._plugin_commands(ctx))
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        return self._plugin_commands(ctx).get(cmd_name)

    def _plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        plugins = plugins_of(ctx)
        found: dict[str, click.Command] = {}
        for plugin, result in plugins.call_each("kexie_cli_commands"):
            for command in result or ():
                if command.name in found or command.name in self.commands:
                    raise KexieError(f"plugin {plugin!r} adds a second command {command.name!r}")
                found[command.name] = command
        return found

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KexieError as error:
            report_error(error)
            ctx.exit(error.exit_code)
        except OSError as error:
            # A full disk or a folder without write permission is the user's to fix too.
            where = f"{error.filename}: " if error.filename else ""
            click.echo(f"Error: {where}{error.strerror or error}", err=True)
            ctx.exit(1)

    def resolve_command(self, ctx, args):
        try:
            return super().resolve_command(ctx, args)
        except KexieError as error:
            report_error(error)
            ctx.exit(error.exit_code)


@click.group(cls=KexieGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="kexie")
def cli() -> None:
    """Plan, run and report science weeks and public observation events.

    An event lives in a folder: event.toml (what you write) and event.db (what happens).
    Start with: kexie templates, then kexie new DIR --template NAME.
    """


@cli.command()
@event_dir
@click.pass_context
def check(ctx: click.Context, directory: Path) -> None:
    """Check DIR/event.toml and every plugin's section; exit 2 on any error."""
    from kexie_events.eventfile import check_event, locate

    plugins = plugins_of(ctx)
    checked = check_event(directory, plugins)
    event = checked.event
    warnings = list(checked.warnings)
    if event.store_location.path is None or event.db_path.exists():
        import datetime as dt

        from kexie_events import privacy
        from kexie_events.store import open_event_store

        with open_event_store(event, plugins) as store:
            today = dt.datetime.now(event.tz).date()
            overdue = privacy.overdue(event, store, plugins, today)
        warnings += locate(event, [overdue] if overdue else [])
    for warning in warnings:
        click.echo(str(warning), err=True)
    click.echo(
        f"ok: {event.toml_path}: {event.title} "
        f"({len(event.sites)} sites, {len(event.schedule)} schedule items, "
        f"{len(event.volunteers)} volunteers, plugins: {', '.join(event.plugins) or 'none'})"
    )


@cli.command()
@event_dir
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
@click.pass_context
def status(ctx: click.Context, directory: Path, as_json: bool) -> None:
    """Show the current phase, what each plugin reports, and what blocks the next gate."""
    from kexie_events import lifecycle

    plugins, event, store = open_event(ctx, directory)
    with store:
        current = lifecycle.status(event, store, plugins)
    if as_json:
        print_json({"event": event.title, "folder": str(directory), **current.as_json()})
        return
    click.echo(f"{event.title}  [{directory}]")
    marks = []
    for phase in lifecycle.PHASES:
        marks.append(f"[{phase}]" if phase == current.phase else phase)
    click.echo("phase: " + " → ".join(marks))
    for line in current.lines:
        click.echo(f"  {line.level:7} [{line.plugin}] {line.text}")
    if current.next_phase is None:
        click.echo("this is the last phase.")
    elif current.blockers:
        click.echo(f"blocks the move to {current.next_phase}:")
        for blocker in current.blockers:
            click.echo(f"  - [{blocker.plugin}] {blocker.text}")
    else:
        click.echo(f"nothing blocks the move to {current.next_phase}: kexie advance {directory}")


@cli.command()
@event_dir
@click.option("--force", is_flag=True, help="Move on even though a plugin blocks the gate.")
@click.option("--reason", help="Why the gate is overridden (required with --force).")
@click.option(
    "--by",
    default=default_user,
    show_default="$KEXIE_USER or login name",
    help="Who moves the event on.",
)
@click.pass_context
def advance(ctx: click.Context, directory: Path, force: bool, reason: str | None, by: str) -> None:
    """Move the event to its next phase, if no plugin blocks the gate."""
    from kexie_events import lifecycle

    if reason and not force:
        raise click.UsageError("--reason is only used with --force")
    if force and not (reason and reason.strip()):
        raise click.UsageError('--force needs --reason "why the gate is overridden"')
    plugins, event, store = open_event(ctx, directory)
    with store:
        change = lifecycle.advance(event, store, plugins, by=by, force=force, reason=reason)
    note = f" (gate overridden: {change.reason})" if change.forced else ""
    click.echo(f"{change.from_phase} → {change.to_phase}, by {change.by}{note}")


@cli.command()
@event_dir
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the kit (default: DIR/kit).",
)
@click.pass_context
def kit(ctx: click.Context, directory: Path, out: Path | None) -> None:
    """Build the event kit: documents (HTML and Word), calendars, printables, an index."""
    from kexie_events import kit as event_kit

    plugins, event, store = open_event(ctx, directory)

    def progress(length: int):
        # Only a terminal gets a bar; pipes and CI logs stay clean.
        if not sys.stderr.isatty() or length < 20:
            return None
        return click.progressbar(length=length, label="building the kit", file=sys.stderr)

    with store:
        built = event_kit.build(event, store, plugins, out, progress=progress)
    click.echo(f"kit: {built.folder / 'index.html'} ({len(built.entries) + 1} files)")


@cli.command()
@click.argument("root", metavar="ROOT")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 lets phones on the local network in.",
)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--https",
    "use_https",
    is_flag=True,
    help="Serve over https with the event's own certificate (phones need it for the camera).",
)
@click.option(
    "--trust-proxy",
    "proxies",
    default="127.0.0.1",
    show_default=True,
    metavar="ADDRESSES",
    help="Reverse proxies (comma-separated addresses) whose X-Forwarded-For names the client,"
    " for the sign-up page's limits per address; see docs/deploy.md.",
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="With a database as ROOT: the folder where this server keeps its copy of the events'"
    " folders (default: under ~/.cache/kexie-events/).",
)
@click.pass_context
def serve(
    ctx: click.Context,
    root: str,
    host: str,
    port: int,
    use_https: bool,
    proxies: str,
    workdir: Path | None,
) -> None:
    """Run the volunteer check-in app for phones at the gates, and the organisers' console.

    ROOT is an event folder, or a folder of event folders (a county's year): each event of a
    year is served at /e/FOLDER/, built on its first request. The console is at /console/.
    ROOT may also be a PostgreSQL database (postgresql://user@host/db) holding a year's events,
    put there with kexie db put or made in the console; each server works on a copy of their
    folders (--workdir) that it keeps in step with the database.

    Several servers may run for one event whose store is in PostgreSQL ([store] url or
    KEXIE_DATABASE_URL), on one machine or several, behind a reverse proxy (docs/deploy.md).
    """
    import ipaddress

    import uvicorn

    from kexie_events import volunteers as logins
    from kexie_events.console.root import Root
    from kexie_events.i18n import pick
    from kexie_events.server import Broken, root_app, year_lines
    from kexie_events.web import server_options

    served, plugins = Root.at(root, workdir), plugins_of(ctx)
    folder, pid = served.folder, os.getpid()
    app = root_app(served, plugins, on_shutdown=lambda: logins.withdraw_server(folder, pid))
    try:
        if served.single:
            # One event starts as it always has: an event file with errors stops it here.
            built = app.apps.build_now(next(iter(served.events())))
            if isinstance(built, Broken):
                raise built.error
            event = built.context.event
            lang = event.lang
        else:
            lang = served.lang
        addresses = _addresses(host)
        tls = {}
        if use_https:
            from kexie_events.tls import certificate

            cert, key = certificate(folder, addresses)
            tls = {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}
        scheme = "https" if use_https else "http"
        urls = [f"{scheme}://{address}:{port}/" for address in addresses]
        if served.single:
            click.echo(pick(lang, "验票系统：", "check-in app for ") + event.title)
            for url in urls:
                click.echo(f"  {url}")
            if event.uses("registration") and urls:
                click.echo(pick(lang, "公众报名页：", "public sign-up page: ") + f"{urls[-1]}r/")
        click.echo(pick(lang, "活动控制台：", "organisers' console: "))
        for url in urls:
            click.echo(f"  {url}console/")
        if not served.single:
            click.echo(pick(lang, "各活动的页面：", "each event's pages:"))
            for line in year_lines(served, plugins, urls[-1], lang):
                click.echo(f"  {line}")
        try:
            local = ipaddress.ip_address(host).is_loopback
        except ValueError:  # a host name
            local = host == "localhost"
        if not local and not use_https:
            click.echo(
                pick(
                    lang,
                    "警告：未使用 --https，志愿者的登录码会以明文经过无线网络，同一网络中的任何人"
                    "都能截获并冒用。请加上 --https 运行。",
                    "warning: without --https, volunteers' login tokens cross the Wi-Fi in clear"
                    " text; anyone on the same network can read and use them. Run with --https.",
                ),
                err=True,
            )
        if host == "0.0.0.0" and urls:
            if served.single:
                from kexie_events.qr import terminal

                click.echo(
                    pick(
                        lang,
                        "同一网络中的志愿者可以打开这个页面：",
                        "volunteers on the same network can open this page:",
                    )
                )
                click.echo(terminal(urls[-1]))
            click.echo(
                pick(
                    lang,
                    "每位志愿者的登录二维码：kexie volunteers link DIR 姓名",
                    "each volunteer's login QR code: kexie volunteers link DIR NAME",
                )
            )
        # Links printed while the server runs (kexie volunteers add / link, kexie organizers)
        # point at it; an event folder of a year finds the year's server in its parent.
        announced = logins.Server(pid, scheme, host, port, tuple(urls), year=not served.single)
        try:
            logins.announce_server(folder, announced)
        except OSError as error:  # a read-only folder: the server runs, links need --url
            click.echo(f"warning: cannot write {error.filename}: {error.strerror}", err=True)
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="warning",
            proxy_headers=True,
            forwarded_allow_ips=proxies,
            **server_options(),
            **tls,
        )
    finally:
        app.close()
        served.close()


def _addresses(host: str) -> list[str]:
    """The addresses phones can use: the host itself, or every local IPv4 address for 0.0.0.0."""
    import socket

    if host != "0.0.0.0":
        return [host]
    found = {"127.0.0.1"}
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(info[4][0])
    except OSError:
        pass
    return sorted(found, key=lambda a: (not a.startswith("127."), a))


@cli.group()
def volunteers() -> None:
    """Give volunteers logins for the check-in app, and take them back."""


@volunteers.command(name="add")
@event_dir
@click.argument("name")
@click.option("--gate", help="The gate the volunteer starts at.")
@click.option("--site", help="The site, when the gate name is used at several.")
@click.option(
    "--role",
    type=click.Choice(["scanner", "lead", "board"]),
    default="scanner",
    show_default=True,
    help="board: a screen that shows the live board and may record nothing.",
)
@click.option(
    "--url",
    "base_url",
    help="Address of the check-in app as phones will reach it (default: the running "
    "kexie serve's).",
)
@click.option("--by", default=default_user, help="Who gives the login.")
@click.pass_context
def volunteers_add(ctx, directory: Path, name: str, gate, site, role, base_url, by) -> None:
    """Give NAME a personal login link; prints the link, its QR code and the token."""
    from kexie_events import volunteers as logins

    _plugins, event, store = open_event(ctx, directory)
    gates = {g for s in event.sites if site in (None, s.id) for g in s.gates}
    if site is not None and site not in {s.id for s in event.sites}:
        raise click.UsageError(f"no site {site!r}")
    if gate is not None and gate not in gates:
        raise click.UsageError(f"no gate {gate!r}; gates: {', '.join(sorted(gates))}")
    with store:
        token = logins.add(store, name, role=role, by=by, site=site, gate=gate)
    _print_link(directory, name, role, gate, token, base_url)


@volunteers.command(name="link")
@event_dir
@click.argument("name")
@click.option("--url", "base_url", help="Address of the check-in app as phones will reach it.")
@click.pass_context
def volunteers_link(ctx, directory: Path, name: str, base_url) -> None:
    """Print NAME's login link and its QR code again (to scan off the laptop's screen)."""
    from kexie_events import volunteers as logins

    _plugins, _event, store = open_event(ctx, directory)
    with store:
        volunteer, token = logins.token_of(store, name)
    _print_link(directory, volunteer.name, volunteer.role, volunteer.gate, token, base_url)


def _print_link(directory: Path, name: str, role: str, gate, token: str, base_url) -> None:
    """The login link, pointing where phones reach ``kexie serve``, with its QR code."""
    from kexie_events.qr import terminal

    base, note = _base_url(directory, base_url)
    page = "board" if role == "board" else ""
    link = f"{base.rstrip('/')}/{page}#login={token}"
    click.echo(f"login for {name} ({role}{', ' + gate if gate else ''}):")
    click.echo(f"  link:  {link}")
    click.echo(f"  token: {token}")
    if note:
        click.echo(f"note: {note}", err=True)
    click.echo(terminal(link))


def _base_url(directory: Path, given: str | None) -> tuple[str, str]:
    """Where phones reach the check-in app, and a note when that is a guess or unreachable."""
    from kexie_events import volunteers as logins

    if given:
        return given, ""
    server = logins.running_server(directory)
    if server is not None:
        if server.phone_url:
            return server.phone_url, ""
        return server.urls[0], (
            f"kexie serve listens on {server.host} only, which phones cannot reach; restart it "
            "with --host 0.0.0.0 (and --https) and print the link again: kexie volunteers link"
        )
    lan = [a for a in _addresses("0.0.0.0") if not a.startswith("127.")]
    address = lan[0] if lan else "127.0.0.1"
    return f"http://{address}:8000/", (
        f"kexie serve is not running, so the link assumes http://{address}:8000 (kexie serve "
        "DIR --host 0.0.0.0); once it runs, print the link again with kexie volunteers link "
        "DIR NAME, or give --url"
    )


@volunteers.command(name="revoke")
@event_dir
@click.argument("name")
@click.option("--by", default=default_user, help="Who revokes it.")
@click.pass_context
def volunteers_revoke(ctx, directory: Path, name: str, by: str) -> None:
    """Revoke NAME's login at once."""
    from kexie_events import volunteers as logins

    _plugins, _event, store = open_event(ctx, directory)
    with store:
        logins.revoke(store, name, by=by)
    click.echo(f"revoked the login of {name}")


@volunteers.command(name="list")
@event_dir
@click.pass_context
def volunteers_list(ctx, directory: Path) -> None:
    """List the volunteers who can log in."""
    from kexie_events import volunteers as logins

    _plugins, _event, store = open_event(ctx, directory)
    with store:
        for volunteer in logins.active(store):
            click.echo(f"{volunteer.name}  {volunteer.role}  {volunteer.gate or ''}")


@volunteers.command(name="hours")
@event_dir
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the hours for the national volunteer systems: FILE.csv or FILE.xlsx.",
)
@click.option(
    "--recorded-only",
    is_flag=True,
    help="Leave out shifts in which the volunteer recorded nothing (counted as planned).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the hours as JSON.")
@click.pass_context
def volunteers_hours(ctx, directory: Path, out, recorded_only: bool, as_json: bool) -> None:
    """Volunteer hours per volunteer and day, from the shifts and what each one recorded."""
    from kexie_events import volunteer_hours
    from kexie_events.i18n import date_text, pick

    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise click.UsageError(f"--out {out}: give a .csv or .xlsx file")
    if out is not None and (out.exists() or out.is_symlink()):
        # A .csv or .xlsx beside the event may be one of its own files (the judges' list).
        raise click.UsageError(f"--out {out}: the file exists; remove it or choose a new name")
    plugins, event, store = open_event(ctx, directory)
    with store:
        days = volunteer_hours.event_hours(event, store, plugins, recorded_only=recorded_only)
    lang = event.lang
    if out is not None:
        data = volunteer_hours.export_bytes(lang, days, out.suffix.lower())
        output.write_private(out, data)  # identity numbers
    if as_json:
        print_json(volunteer_hours.as_json(days))
        return
    note = pick(lang, "（含无记录的排班时长）", " (includes planned hours: nothing recorded)")
    for day in days:
        amount = volunteer_hours.hours_text(day.hours)
        click.echo(
            f"{day.name}  {date_text(day.day, lang)}  "
            + pick(lang, f"{amount}小时", f"{amount} h")
            + (note if day.planned else "")
        )
    total = volunteer_hours.hours_text(sum(d.hours for d in days))
    people = len({d.name for d in days})
    click.echo(pick(lang, f"共{people}人，{total}小时", f"{people} volunteers, {total} hours"))
    if out is not None:
        kept = pick(lang, "含证件号码，请妥善保管", "identity numbers: keep it private")
        click.echo(pick(lang, f"已写入{out}（{kept}）", f"written to {out} ({kept})"))


cli.add_command(organizers)


@cli.group(cls=DefaultCommandGroup)
def report() -> None:
    """Write the post-event report (DIR/report/): HTML, Word, Markdown, CSV.

    kexie report DIR [--format html,docx,md,csv] [--json] writes the report; --json also
    prints its figures. kexie report add-media DIR ... records press coverage.
    """


@report.command(name="build", hidden=True)
@event_dir
@click.option(
    "--format",
    "formats",
    default=",".join(("html", "docx", "md", "csv", "xlsx")),
    show_default=True,
    help="Comma-separated formats to write.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write (default: DIR/report).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON on stdout.")
@click.pass_context
def report_build(ctx, directory: Path, formats: str, out: Path | None, as_json: bool) -> None:
    """Write the report."""
    from kexie_events import report as event_report

    plugins, event, store = open_event(ctx, directory)
    with store:
        gathered = event_report.gather(event, store, plugins)
    chosen = tuple(f.strip() for f in formats.split(",") if f.strip())
    written = event_report.write(gathered, out or directory / "report", chosen)
    if as_json:
        print_json(gathered.as_json())
        click.echo(f"report: {len(written)} files in {out or directory / 'report'}", err=True)
    else:
        click.echo(f"report: {len(written)} files in {out or directory / 'report'}")
        for sentence in gathered.narrative:
            click.echo(f"  {sentence}")


@report.command(name="add-media")
@event_dir
@click.option("--outlet", required=True, help="Newspaper, TV station or website.")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Date of the report.")
@click.option("--title", default="", help="Title of the report.")
@click.option("--link", default="", help="Web address.")
@click.option("--by", default=default_user, help="Who records it.")
@click.pass_context
def report_add_media(ctx, directory: Path, outlet, day, title, link, by) -> None:
    """Record press, TV or online coverage of the event."""
    from kexie_events.report import MEDIA_KIND

    _plugins, _event, store = open_event(ctx, directory)
    data = {
        "outlet": outlet,
        "date": day.date().isoformat() if day else None,
        "title": title,
        "link": link,
    }
    with store:
        store.append(MEDIA_KIND, by=by, data=data)
    click.echo(f"coverage recorded: {outlet} {title}".rstrip())


@cli.command()
@click.argument(
    "directories",
    metavar="DIR...",
    nargs=-1,
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
)
@click.option(
    "--targets",
    "targets_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The year's indicators and targets (see docs/report.md).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("rollup"),
    show_default=True,
    help="Where to write the documents.",
)
@click.option(
    "--format",
    "formats",
    default="html,docx,csv,xlsx",
    show_default=True,
    help="Comma-separated formats to write.",
)
@click.option(
    "--by",
    "by",
    type=click.Choice(["unit"]),
    help="Also score and rank the units that ran the events (unit in event.toml) against "
    "the targets file's [rubric]: the score sheet (考核得分表).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON on stdout.")
@click.pass_context
def rollup(
    ctx,
    directories: tuple[Path, ...],
    targets_file,
    out: Path,
    formats: str,
    by: str | None,
    as_json: bool,
) -> None:
    """Add up many events (a year) against yearly targets; --by unit scores and ranks units."""
    from kexie_events import rollup as year
    from kexie_events import score_sheet
    from kexie_events.i18n import pick

    targets = year.read_targets(targets_file) if targets_file else None
    result = year.rollup(list(directories), plugins_of(ctx), targets, by_unit=by == "unit")
    chosen = tuple(f.strip() for f in formats.split(",") if f.strip())
    written = year.write(result, out, directories, chosen)
    lang = result["lang"]
    for warning in result["warnings"]:
        click.echo(pick(lang, "提示：", "warning: ") + warning, err=True)
    if as_json:
        print_json(result)
        return
    events, people = result["totals"]["events"], result["totals"]["attendance"]
    click.echo(
        pick(
            lang,
            f"{result['title']}：共汇总活动{events}项，参与{people}人次；{len(written)}个文件已写入{out}",
            f"{result['title']}: {events} events, {people} person-times; "
            f"{len(written)} files in {out}",
        )
    )
    for indicator in result["indicators"]:
        progress = "-" if indicator["progress"] is None else f"{indicator['progress']}%"
        click.echo(
            f"  {indicator['name']}: {indicator['actual']} / {indicator['target']:g} ({progress})"
        )
    if "units" in result:
        for line in score_sheet.sheet_lines(result):
            click.echo(line)


@cli.group()
def privacy() -> None:
    """Personal data in the store: what is held, and removing it after the event."""


@privacy.command(name="status")
@event_dir
@click.pass_context
def privacy_status(ctx, directory: Path) -> None:
    """Show the personal data held, until when it is kept, and the purges made."""
    from kexie_events import privacy as personal

    plugins, event, store = open_event(ctx, directory)
    with store:
        left = personal.held(event, store, plugins)
        done = personal.purges(store)
    until = event.privacy.kept_until(event.end)
    click.echo(f"kept until {until:%Y-%m-%d} ([privacy] retain_days = {event.privacy.retain_days})")
    for record in left:
        click.echo(f"  {record.plugin}: {record.what}: {record.records}")
    if not left:
        click.echo("  no personal data held")
    for entry in done:
        click.echo(f"purged {entry.at:%Y-%m-%d %H:%M} by {entry.by}")


@privacy.command(name="purge")
@event_dir
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--by", default=default_user, help="Who purges.")
@click.pass_context
def privacy_purge(ctx, directory: Path, yes: bool, by: str) -> None:
    """Remove names, phones and other personal data for good; every count stays."""
    from kexie_events import privacy as personal

    plugins, event, store = open_event(ctx, directory)
    with store:
        left = personal.held(event, store, plugins)
        for record in left:
            click.echo(f"{record.plugin}: {record.what}: {record.records}")
        if left and not yes:
            click.confirm("Remove this for good? It cannot be undone", abort=True)
        removed = personal.purge(event, store, plugins, by=by)
    total = sum(record.records for record in removed)
    click.echo(f"purged: {total} records no longer hold personal data; counts are unchanged")
    from kexie_events.kit import forget_personal

    forget_personal(event)
    if (directory / "kit").is_dir():
        click.echo(f"rebuild the kit (kexie kit {directory}): its tickets may still carry names")


@cli.group(name="db")
def db_group() -> None:
    """The event store: bring it up to date, or copy it to PostgreSQL (and back)."""


@db_group.command(name="upgrade")
@event_dir
@click.pass_context
def db_upgrade(ctx, directory: Path) -> None:
    """Bring DIR's store to this release's tables, keeping every row; say what ran.

    Every command does this when it opens the store; run it on its own before a busy day, or
    once for a county's PostgreSQL database before the servers start.
    """
    _plugins, _event, store = open_event(ctx, directory)
    with store:
        where = store.location.describe()
        if store.upgraded:
            click.echo(f"{where}: upgraded ({', '.join(store.upgraded)})")
        else:
            click.echo(f"{where}: up to date")


@db_group.command(name="copy")
@event_dir
@click.option(
    "--to",
    "target",
    required=True,
    metavar="URL",
    help="postgresql://user@host/db (the event's [store] schema, or its folder name, is used)"
    " or the path of a new SQLite file.",
)
@click.pass_context
def db_copy(ctx, directory: Path, target: str) -> None:
    """Copy DIR's store, every table and row, into an empty store at URL, and check the copy.

    The event keeps using its store until you point it at the copy: [store] url in event.toml,
    or KEXIE_DATABASE_URL.
    """
    from kexie_events import store_copy
    from kexie_events.store import plugin_migrations

    plugins, event, store = open_event(ctx, directory)
    location = store_copy.target_location(target, event.folder, event.store.schema)
    with store:
        copied = store_copy.copy(store, location, plugin_migrations(plugins))
    rows = sum(table.rows for table in copied)
    click.echo(f"copied {len(copied)} tables, {rows} rows to {location.describe()}; checked")
    if location.path is None:
        click.echo(f'to use it, set [store] url = "{target}" in {event.toml_path}')


@db_group.command(name="put")
@event_dir
@click.option("--to", "url", required=True, metavar="URL", help="postgresql://user@host/db")
@click.option("--by", default=default_user, help="Who puts it there.")
@click.pass_context
def db_put(ctx, directory: Path, url: str, by: str) -> None:
    """Put DIR's event into the database that kexie serve URL serves: its store (copied and
    checked, as db copy does) and its folder's files (event.toml, the files it names, keys).

    The event's id there is DIR's name. From then on the database's copy is the event: change
    it in the console, or take a copy with kexie db get.
    """
    from kexie_events.console.database_root import put_event
    from kexie_events.database import without_password

    put = put_event(directory, url, plugins_of(ctx), by)
    files = f"{len(put.files)} file{'' if len(put.files) == 1 else 's'}"
    click.echo(f"{put.event_id}: {files} put in {without_password(url)}")
    if put.tables is not None:
        rows = sum(table.rows for table in put.tables)
        click.echo(f"its store: {len(put.tables)} tables, {rows} rows copied; checked")
    elif put.already_there:
        click.echo("its store: already in this database")
    else:
        click.echo("its store: nothing to copy yet (it is made in the database at first use)")
    click.echo(f"serve it with: kexie serve {without_password(url)}")


@db_group.command(name="get")
@click.argument("url", metavar="URL")
@click.argument("event_id", metavar="EVENT")
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
def db_get(url: str, event_id: str, directory: Path) -> None:
    """Write EVENT's folder from the database at URL into DIR, a new folder (for commands, or to
    keep). Its store stays in the database: run commands on DIR with KEXIE_DATABASE_URL=URL.
    """
    from kexie_events.console.database_root import folders_in
    from kexie_events.database import without_password

    if directory.exists():
        raise click.UsageError(f"{directory} exists; give a new folder")
    if directory.name != event_id:
        raise click.UsageError(
            f"name the folder after the event ({directory.parent / event_id}): commands find"
            " the event's store in the database by the folder's name"
        )
    with contextlib.closing(folders_in(url)) as folders:
        written = folders.get(event_id, directory)
    click.echo(f"{event_id}: {len(written)} files written to {directory}")
    click.echo(f"its store is in the database: KEXIE_DATABASE_URL={without_password(url)}")


@cli.command(name="plugins")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def plugins_command(ctx: click.Context, as_json: bool) -> None:
    """List the loaded plugins with their versions and hooks."""
    import attrs

    infos = plugins_of(ctx).describe()
    if as_json:
        print_json([attrs.asdict(info) for info in infos])
        return
    for info in infos:
        origin = "built-in" if info.builtin else info.module
        click.echo(f"{info.name} {info.version} ({origin})")
        for hook in info.hooks:
            click.echo(f"    {hook}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@click.pass_context
def templates(ctx: click.Context, as_json: bool) -> None:
    """List the event templates that kexie new can copy."""
    from kexie_events.templates import available

    found = available(plugins_of(ctx))
    if as_json:
        print_json(
            [
                {
                    "name": t.name,
                    "languages": list(t.languages),
                    "summary": t.summary,
                    "plugin": t.plugin,
                }
                for t in found.values()
            ]
        )
        return
    for template in found.values():
        langs = ",".join(template.languages)
        click.echo(f"{template.name}  [{langs}]")
        for lang in template.languages:
            if lang in template.summary:
                click.echo(f"    {template.summary[lang]}")


@cli.command()
@event_dir
@click.option("--template", "-t", "template_name", required=True, help="Template name.")
@click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    help="Language of the event's documents and pages.",
)
@click.pass_context
def new(ctx: click.Context, directory: Path, template_name: str, lang: str) -> None:
    """Create an event folder DIR from a template."""
    create_event(ctx, directory, template_name, lang)
    click.echo(f"created {directory / 'event.toml'} from {template_name} ({lang})")
    click.echo(f"next: edit it, then run: kexie check {directory}")


def create_event(ctx: click.Context, directory: Path, template_name: str, lang: str):
    """Copy a template into ``directory``, check it and create its store."""
    from kexie_events import templates as event_templates
    from kexie_events.eventfile import load_event
    from kexie_events.store import open_event_store

    plugins = plugins_of(ctx)
    template = event_templates.find(plugins, template_name)
    event_templates.create(template, directory, lang)
    event = load_event(directory, plugins)
    with open_event_store(event, plugins) as store:
        store.set_meta("template", template.name)
    return event


@cli.command()
@click.argument(
    "directory", metavar="[DIR]", required=False, type=click.Path(file_okay=False, path_type=Path)
)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.pass_context
def demo(ctx: click.Context, directory: Path | None, lang: str) -> None:
    """Make an eclipse-observation event in a new folder and take it through the lifecycle."""
    from kexie_events import kit as event_kit
    from kexie_events import lifecycle
    from kexie_events import volunteers as logins
    from kexie_events.errors import GateBlocked

    directory = directory or _fresh_folder(Path("kexie-demo"))
    click.echo(f"1. new event from the solar-eclipse-observation template: {directory}")
    event = create_event(ctx, directory, "solar-eclipse-observation", lang)
    click.echo(f"   {event.title}: {event.start:%Y-%m-%d %H:%M}–{event.end:%H:%M} {event.timezone}")
    ctx.invoke(check, directory=directory)
    plugins, event, store = open_event(ctx, directory)
    with store:
        token = None
        if "qr-checkin" in event.plugins:
            from kexie_plugins.qr_checkin import tickets as ticket_book

            click.echo("2. tickets and a volunteer login")
            for audience, count in (("minors", 120), ("cadres", 30), ("others", 50)):
                numbers = ticket_book.issue(event, store, count, by="demo", audience=audience)
                click.echo(
                    f"   {count} tickets for {audience}: {numbers.start:06d}–{numbers.stop - 1:06d}"
                )
            gate = event.sites[0].gates[0] if event.sites[0].gates else None
            name = event.volunteers[1].name if len(event.volunteers) > 1 else "volunteer"
            token = logins.add(store, name, role="scanner", by="demo", site=None, gate=gate)
        click.echo("3. lifecycle: advance while no plugin blocks the next gate; kit at materials")
        built = None
        while lifecycle.next_phase(store.phase()):
            try:
                change = lifecycle.advance(event, store, plugins, by="demo")
            except GateBlocked as blocked:
                click.echo(f"   stopped at {blocked.phase}; {blocked.next_phase} is blocked:")
                for blocker in blocked.blockers:
                    click.echo(f"     - [{blocker.plugin}] {blocker.text}")
                break
            click.echo(f"   {change.from_phase} → {change.to_phase}")
            if change.to_phase == "materials":
                built = event_kit.build(event, store, plugins)
                click.echo(f"   kit built: {len(built.entries) + 1} files")
    click.echo("4. where everything is:")
    click.echo(f"   event file:  {event.toml_path}")
    click.echo(f"   event store: {event.store_location.describe()}")
    if built is not None:
        click.echo(f"   kit:         {built.folder / 'index.html'}")
    click.echo(f"   status:      kexie status {directory}")
    if token:
        click.echo(
            f"   check-in:    kexie serve {directory}, then open "
            f"http://127.0.0.1:8000/#login={token}"
        )


def _fresh_folder(base: Path) -> Path:
    candidate, number = base, 1
    while candidate.exists():
        number += 1
        candidate = base.with_name(f"{base.name}-{number}")
    return candidate


def main() -> None:
    """Entry point of the ``kexie`` console script."""
    cli(prog_name="kexie")


if __name__ == "__main__":
    sys.exit(main())
