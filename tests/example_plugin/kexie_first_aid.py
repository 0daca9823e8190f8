"""kexie-first-aid: an example plugin that makes sure a crowd has enough first-aid points.

It reads ``[plugins.first-aid]`` from event.toml, blocks the launch while the event has fewer
first-aid points than one per ``people_per_point`` expected visitors, reports in
``kexie status``, and adds a ``kexie first-aid DIR`` command.
"""

import math

import attrs
import click

from kexie_events import hookimpl
from kexie_events.records import Blocker, PluginSection, StatusLine

NAME = "first-aid"


@attrs.frozen
class FirstAid:
    """The plugin's settings: ``[plugins.first-aid]`` as read."""

    points: int
    people_per_point: int


def read_config(reader, event):
    """Read the section; the problems found go to ``reader``, with file, line and key."""
    return FirstAid(
        points=reader.integer("points", required=True),
        people_per_point=reader.integer("people_per_point", 1000, minimum=1),
    )


def points_needed(event, config):
    """One point per ``people_per_point`` expected visitors, at least one."""
    return max(1, math.ceil(event.expected_attendance / config.people_per_point))


@hookimpl
def kexie_config_section():
    return PluginSection(read_config)


@hookimpl
def kexie_status(event, config):
    needed = points_needed(event, config)
    level = "ok" if config.points >= needed else "warning"
    yield StatusLine(f"first-aid points: {config.points} of {needed} needed", level)


@hookimpl
def kexie_gate(event, config, next_phase):
    if next_phase != "launch":
        return
    needed = points_needed(event, config)
    if config.points < needed:
        yield Blocker(f"{config.points} first-aid points for {needed} needed")


@click.command(name="first-aid")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
def first_aid_command(directory):
    """Print how many first-aid points the event needs."""
    from kexie_events.eventfile import load_event
    from kexie_events.plugins import Plugins

    event = load_event(directory, Plugins.load())
    config = event.configs.get(NAME)
    if config is None:
        raise click.UsageError(f"the event has no [plugins.{NAME}] section")
    click.echo(f"{points_needed(event, config)} first-aid points needed")


@hookimpl
def kexie_cli_commands():
    return [first_aid_command]
