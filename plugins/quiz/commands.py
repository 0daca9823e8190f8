"""``kexie quiz``: the papers drawn for each session, and marks imported after it."""

from __future__ import annotations

from pathlib import Path

import click

from kexie_events.errors import UsageError
from kexie_events.plugin_cli import default_user, event_dir, open_event


def _settings(event):
    """The event's quiz section as read; a usage error without the section."""
    from kexie_plugins.quiz.settings import NAME

    if NAME not in event.configs:
        raise UsageError(f"the event has no [plugins.{NAME}] section")
    return event.configs[NAME]


@click.group()
def quiz() -> None:
    """Quizzes after each session: papers, answer keys, marks."""


@quiz.command(name="import")
@event_dir
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sheet", help="The workbook's sheet to read (default: the first).")
@click.option("--by", default=default_user, help="Who enters the marks.")
@click.pass_context
def import_command(ctx, directory: Path, file: Path, sheet, by) -> None:
    """Import the marks of one or more sessions from a CSV or .xlsx file.

    One row per paper (session, variant, name, audience, 1, 2, ... with the answers given) or
    per-question tallies (session, variant, papers, passed, 1, 2, ... with the papers that
    answered right). The sessions the file names have their earlier marks replaced; see
    docs/quiz.md.
    """
    from kexie_plugins.quiz.marks import import_marks

    _plugins, event, store = open_event(ctx, directory)
    with store:
        settings = _settings(event)
        found = import_marks(event, settings, store, file, by=by, sheet=sheet)
    for warning in found.warnings:
        click.echo(f"warning: {warning}", err=True)
    papers = sum(result.papers for result in found.results)
    sessions = len(found.sessions)
    shape = "tallies" if found.tallies else "papers"
    click.echo(
        f"{papers} papers imported ({shape}) for {sessions} session"
        f"{'s' if sessions != 1 else ''}; their earlier marks were replaced"
    )


@quiz.command(name="papers")
@event_dir
@click.option(
    "--redraw",
    is_flag=True,
    help="Draw again from the bank the papers of sessions that have no marks yet.",
)
@click.pass_context
def papers_command(ctx, directory: Path, redraw: bool) -> None:
    """List (and record) the questions of every session's papers."""
    from kexie_plugins.quiz.papers import papers_of
    from kexie_plugins.quiz.papers import redraw as draw_again

    _plugins, event, store = open_event(ctx, directory)
    with store:
        settings = _settings(event)
        if settings.bank_problems:
            raise UsageError("\n".join(settings.bank_problems))
        papers = draw_again(settings, store) if redraw else papers_of(settings, store)
    for paper in papers:
        ids = " ".join(question.id for question in paper.questions)
        click.echo(f"{paper.session.id} {paper.variant}: {ids}")
