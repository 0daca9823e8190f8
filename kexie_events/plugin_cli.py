"""What a plugin's ``kexie`` commands use from the core: the public API for plugin commands.

A plugin adds commands through ``kexie_cli_commands`` (click commands). These are the pieces
they share with the core's own commands: the ``DIR`` argument, opening an event and its store,
who is acting (``--by``), "now" during the event, JSON output, and a group with a default
subcommand. Only click and the light core are imported here, as in :mod:`kexie_events.cli`.
"""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path

import click

__all__ = [
    "DefaultCommandGroup",
    "default_user",
    "event_dir",
    "now_during",
    "open_event",
    "plugins_of",
    "print_json",
]


def plugins_of(ctx: click.Context):
    """The plugins for this invocation: those passed in ``obj`` (tests), else the installed ones."""
    from kexie_events.plugins import Plugins

    root = ctx.find_root()
    obj = root.obj if isinstance(root.obj, dict) else {}
    if "plugins" not in obj:
        obj["plugins"] = Plugins.load()
        root.obj = obj
    return obj["plugins"]


def default_user() -> str:
    """Who is acting: ``$KEXIE_USER``, else the computer's login name marked as such.

    The login name (``login:root``) tells which account typed a record, not which person did
    the work, so the report does not count it as a volunteer (``volunteers.is_person``).
    """
    from kexie_events.volunteers import computer_login

    named = os.environ.get("KEXIE_USER", "").strip()
    if named:
        return named
    try:
        return computer_login(getpass.getuser())
    except (KeyError, OSError):
        return computer_login("unknown")


def now_during(event, option: str):
    """The current time in the event's zone, when today is one of the event's days.

    Commands that record a fact default to now; outside the event's dates that default is
    almost always a mistake (an entry typed in the office a week later), so ``option`` must
    be given instead.
    """
    import datetime as dt

    from kexie_events.errors import UsageError
    from kexie_events.i18n import date_text

    moment = dt.datetime.now(event.tz)
    if moment.date() not in event.days:
        first, last = event.days[0], event.days[-1]
        raise UsageError(
            f"today ({moment.date()}) is not a day of the event ({first} to {last}); give "
            f"{option} to say when it happened ({date_text(first, 'en')})"
        )
    return moment


event_dir = click.argument(
    "directory",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
)


def open_event(ctx: click.Context, directory: Path):
    """Load and check the event in ``directory`` and open its store: ``(plugins, event, store)``.

    The store is wherever ``[store]`` (or ``KEXIE_DATABASE_URL``) puts it; close it when done.
    """
    from kexie_events.eventfile import load_event
    from kexie_events.store import open_event_store

    plugins = plugins_of(ctx)
    event = load_event(directory, plugins)
    return plugins, event, open_event_store(event, plugins)


def print_json(data) -> None:
    """Print ``data`` as indented JSON, keeping Chinese readable."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


class DefaultCommandGroup(click.Group):
    """A group whose first argument, when it names no subcommand, goes to a default one.

    ``kexie report DIR`` builds the report; ``kexie report add-media DIR ...`` adds coverage.
    """

    default = "build"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = [self.default, *args]
        return super().parse_args(ctx, args)

    def format_usage(self, ctx, formatter) -> None:
        formatter.write_usage(ctx.command_path, "DIR [--format ...] [--json] | add-media DIR ...")
