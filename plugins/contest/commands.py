"""``kexie contest``: import entries and scores, print the results, select the entries sent on."""

from __future__ import annotations

from pathlib import Path

import click

from kexie_events.errors import UsageError
from kexie_events.i18n import pick
from kexie_events.plugin_cli import default_user, event_dir, open_event, print_json

_file = click.argument("file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
_sheet = click.option("--sheet", help="The workbook's sheet to read (default: the first).")
_by = click.option("--by", default=default_user, help="Who records it.")


def _opened(ctx: click.Context, directory: Path):
    """``(event, config, store)`` of an event with a ``[plugins.contest]`` section."""
    from kexie_plugins.contest.config import NAME

    _plugins, event, store = open_event(ctx, directory)
    if NAME not in event.configs:
        store.close()
        raise UsageError(f"the event has no [plugins.{NAME}] section")
    return event, event.configs[NAME], store


def _say(found) -> None:
    for note in found.notes:
        click.echo(f"note: {note}", err=True)
    for warning in found.warnings:
        click.echo(f"warning: {warning}", err=True)


@click.group()
def contest() -> None:
    """Youth contest: entries, judges' scores, results, the entries sent on."""


@contest.command(name="entries")
@event_dir
@_file
@_sheet
@_by
@click.pass_context
def entries_command(ctx, directory: Path, file: Path, sheet, by) -> None:
    """Import the entries from a CSV or .xlsx file, all rows or none.

    Columns: title, category, school, pupils, teacher (or 作品名称, 类别, 学校, 学生, 指导教师).
    Each entry gets a code (C-001) that it keeps in later imports.
    """
    from kexie_plugins.contest.entries import import_entries

    event, config, store = _opened(ctx, directory)
    with store:
        found = import_entries(event, config, store, file, by=by, sheet=sheet)
    _say(found)
    click.echo(
        pick(
            event.lang,
            f"新增作品{found.added}件，沿用编号{found.kept}件，撤回{found.withdrawn}件",
            f"{found.added} entries added, {found.kept} kept their codes, "
            f"{found.withdrawn} withdrawn",
        )
    )


@contest.command(name="scores")
@event_dir
@_file
@_sheet
@_by
@click.pass_context
def scores_command(ctx, directory: Path, file: Path, sheet, by) -> None:
    """Import judges' scores (judge, code, score; or 评委, 作品编号, 分数), all rows or none.

    The kit's contest-score-entry.xlsx has every judge's entries ready to be filled in.
    """
    from kexie_plugins.contest.judging import import_scores

    event, config, store = _opened(ctx, directory)
    with store:
        found = import_scores(event, config, store, file, by=by, sheet=sheet)
    _say(found)
    lang = event.lang
    blank = ""
    if found.blank:
        skipped = found.blank
        blank = pick(lang, f"；{skipped}行未填分数，已跳过", f"; {skipped} blank rows skipped")
    click.echo(
        pick(
            lang,
            f"记录评分{found.recorded}条（其中更正{found.replaced}条）{blank}",
            f"{found.recorded} scores recorded ({found.replaced} replaced earlier ones){blank}",
        )
    )


def _row(result) -> dict:
    entry = result.entry
    return {
        "code": entry.code,
        "title": entry.title,
        "category": entry.category,
        "school": entry.school,
        "pupils": entry.pupils,
        "teacher": entry.teacher,
        "scores": len(result.scores),
        "score": None if result.score is None else round(float(result.score), 4),
        "rank": result.rank,
        "prize": result.prize,
    }


@contest.command(name="results")
@event_dir
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def results_command(ctx, directory: Path, as_json: bool) -> None:
    """Print every entry's combined score, rank in its category and prize."""
    from kexie_plugins.contest.ranking import prize_text, review

    event, config, store = _opened(ctx, directory)
    with store:
        results = review(config, store)
    if as_json:
        print_json(
            {
                "rule": config.rule,
                "tie": config.tie,
                "unfinished": len(results.unfinished),
                "entries": [_row(r) for r in results.results],
            }
        )
        return
    for r in results.results:
        rank = r.rank if r.rank is not None else "-"
        click.echo(
            f"{r.entry.code}  {r.entry.category}  {rank:>3}  {r.score_text:>6}  "
            f"{prize_text(r.prize, event.lang)}  {r.entry.title}"
        )
    if results.unfinished:
        missing = len(results.unfinished)
        click.echo(
            pick(event.lang, f"{missing}件作品评分不全", f"{missing} entries still lack scores"),
            err=True,
        )


@contest.command(name="select")
@event_dir
@click.option("--send", type=click.IntRange(min=1), help="Entries to send on in all.")
@_by
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def select_command(ctx, directory: Path, send, by, as_json: bool) -> None:
    """Choose the entries sent on to the province and record them for the recommendation list.

    Without --send, the quotas of [plugins.contest] send are used. Build the kit afterwards
    for the recommendation list (contest-recommendation.html and .docx).
    """
    from kexie_events.store import now
    from kexie_plugins.contest import ledger
    from kexie_plugins.contest.ranking import prize_text, review, select

    event, config, store = _opened(ctx, directory)
    with store:
        chosen = select(config, review(config, store), send, event.lang)
        ledger.save_sent(
            store, [r.entry.code for r in chosen], at=now().astimezone(event.tz), by=by
        )
    if as_json:
        print_json({"sent_on": len(chosen), "entries": [_row(r) for r in chosen]})
        return
    for position, r in enumerate(chosen, 1):
        click.echo(
            f"{position:>3}  {r.entry.code}  {r.entry.category}  {r.score_text}  "
            f"{prize_text(r.prize, event.lang)}  {r.entry.title}  {r.entry.school}"
        )
    click.echo(pick(event.lang, f"推荐上报作品{len(chosen)}件", f"{len(chosen)} entries sent on"))
