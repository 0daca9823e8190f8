"""``kexie rollup``: a year of events added up against the association's yearly targets.

A target file (TOML) lists indicators, each a measure over the events, optionally only events
of some kinds, and a target; the roll-up reports the total and the progress in per cent.
Measures: ``attendance`` (person-times), ``events`` (how many events), ``sessions`` (schedule
items of kind ``session``), ``audience.GROUP`` (person-times of one audience group) and
``figure.SECTION.KEY`` (a number from a plugin's report section, e.g.
``figure.eclipse-glasses.handed_out``; one that no event reports is an error, not a 0).

With ``--by unit`` the file's ``[[units]]`` and ``[rubric]`` also score each unit that ran
events (``unit`` in ``event.toml``) and rank them: see :mod:`kexie_events.scoring`.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path

import attrs

from kexie_events import output, score_sheet, scoring
from kexie_events.csv_export import csv_bytes
from kexie_events.errors import EventFileError, LocatedProblem, Problem, UsageError
from kexie_events.fields import TableReader, suggest
from kexie_events.i18n import count_text, pick
from kexie_events.model import AUDIENCES, EVENT_KINDS
from kexie_events.plugins import Plugins
from kexie_events.report import Report, audience_label, gather
from kexie_events.tomlsource import KeyLines

FORMATS = ("html", "docx", "csv", "xlsx")
_MEASURE = re.compile(r"^(attendance|events|sessions|audience\.[a-z_]+|figure\.[\w-]+\.[\w.]+)$")


@attrs.frozen
class Target:
    """One yearly indicator: what is measured, over which kinds of event, and the target."""

    id: str
    name: str
    measure: str
    target: float
    kinds: tuple[str, ...] = ()
    line: int = 0


@attrs.frozen
class Targets:
    """A target file: a title, the year, its indicators, and where it was read from.

    Attributes:
        units: the units listed with their own targets (``[[units]]``), for ``--by unit``.
        rubric: how units are scored (``[rubric]``); ``None`` when the file has none.
    """

    title: str
    year: int | None
    lang: str | None
    targets: tuple[Target, ...]
    path: Path | None = None
    units: tuple[scoring.UnitTargets, ...] = ()
    rubric: scoring.Rubric | None = None


def read_targets(path: Path) -> Targets:
    """Read and check a target file; every error names the file, line and key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{path}: cannot read: {error.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        match = re.search(r"line (\d+)", str(error))
        problem = Problem((), f"not valid TOML: {error}")
        raise EventFileError(
            [LocatedProblem(path, int(match.group(1)) if match else 1, problem)]
        ) from None
    reader = TableReader(data)
    title = reader.text("title", "") or ""
    year = reader.integer("year", minimum=1900)
    lang = reader.text("lang", choices=("zh", "en"))
    targets = []
    lines = KeyLines(text)
    for index, table in enumerate(reader.tables("targets", required=True)):
        measure = table.text("measure", "attendance") or "attendance"
        if not _MEASURE.match(measure):
            table.error(
                "measure",
                "expected attendance, events, sessions, audience.GROUP or "
                f"figure.SECTION.KEY, got {measure!r}",
            )
        elif measure.startswith("audience.") and measure.split(".", 1)[1] not in AUDIENCES:
            table.error(
                "measure",
                f"no audience {measure.split('.', 1)[1]!r}; groups: {', '.join(AUDIENCES)}",
            )
        target_id = table.text("id", required=True) or ""
        if target_id and any(t.id == target_id for t in targets):
            table.error("id", f"indicator {target_id!r} is listed twice")
        targets.append(
            Target(
                id=target_id,
                name=table.text("name", required=True) or "",
                measure=measure,
                target=table.number("target", 0, required=True, minimum=0) or 0,
                kinds=table.texts("kinds", choices=EVENT_KINDS),
                line=lines.line_of(("targets", index, "measure")),
            )
        )
        table.finish()
    units, rubric = scoring.read_units(reader, lines, [t.id for t in targets if t.id])
    reader.finish()
    if reader.problems:
        raise EventFileError(LocatedProblem(path, lines.line_of(p.key), p) for p in reader.problems)
    return Targets(title, year, lang, tuple(targets), path, units, rubric)


def figures_of(report: Report) -> set[str]:
    """Every ``figure.SECTION.KEY`` measure the plugins' report sections give for one event."""
    found = set()

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}", inner)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            found.add(prefix)

    for section in report.sections:
        walk(f"figure.{section.id}", section.figures)
    return found


def check_measures(targets: Targets, reports: list[Report]) -> None:
    """Refuse ``figure.`` measures that no event's report gives: a typo must not count 0."""
    known = set().union(*(figures_of(r) for r in reports))
    problems = []
    for target in targets.targets:
        if target.measure.startswith("figure.") and target.measure not in known:
            hint = suggest(target.measure, sorted(known))
            problem = Problem(
                ("targets", target.id, "measure"),
                f"no event in this roll-up reports {target.measure!r}{hint or ''}"
                + ("" if hint else f"; measures given: {', '.join(sorted(known)) or 'none'}"),
            )
            problems.append(LocatedProblem(targets.path, target.line, problem))
    if problems:
        raise EventFileError(problems)


def sessions(event) -> int:
    """Sessions held (场次): schedule items that are sessions, not parts of one."""
    return sum(item.kind == "session" for item in event.schedule)


def measure(report: Report, name: str) -> float:
    """The value of one measure for one event."""
    if name == "attendance":
        return report.attendance.total
    if name == "events":
        return 1
    if name == "sessions":
        return sessions(report.event)
    if name.startswith("audience."):
        return report.attendance.by_audience.get(name.split(".", 1)[1], 0)
    _figure, section, path = name.split(".", 2)
    value = next((s.figures for s in report.sections if s.id == section), {})
    for key in path.split("."):
        value = value.get(key, 0) if isinstance(value, dict) else 0
    return value if isinstance(value, int | float) else 0


def rollup(
    folders: list[Path], plugins: Plugins, targets: Targets | None, *, by_unit: bool = False
) -> dict:
    """Add up the events; measure them against the targets if there are any.

    ``by_unit`` also scores and ranks the units that ran them against the target file's rubric
    (the ``units`` and ``scoring`` keys, see :func:`kexie_events.scoring.score`).
    """
    from kexie_events.eventfile import load_event
    from kexie_events.store import open_event_store

    if not folders:
        raise UsageError("give at least one event folder")
    if by_unit and (targets is None or targets.rubric is None):
        where = f"{targets.path} has no [rubric]" if targets else "no --targets FILE given"
        raise UsageError(f"--by unit scores units against a target file's [rubric]: {where}")
    reports = []
    for folder in folders:
        event = load_event(folder, plugins)
        with open_event_store(event, plugins) as store:
            reports.append(gather(event, store, plugins))
    warnings = []
    if targets is not None:
        check_measures(targets, reports)
        if targets.year is not None:
            for report in reports:
                if report.event.start.year != targets.year:
                    warnings.append(
                        f"{report.event.folder}: the event is in {report.event.start.year}, "
                        f"the targets are for {targets.year}"
                    )
    lang = (targets.lang if targets and targets.lang else None) or reports[0].event.lang
    by_kind: dict[str, dict] = {}
    by_audience: Counter = Counter()
    events = []
    for report in reports:
        event, attendance = report.event, report.attendance
        kind = by_kind.setdefault(event.kind, {"events": 0, "attendance": 0, "sessions": 0})
        kind["events"] += 1
        kind["attendance"] += attendance.total
        kind["sessions"] += sessions(event)
        by_audience.update(attendance.by_audience)
        events.append(
            {
                "title": event.title,
                "kind": event.kind,
                "folder": str(event.folder),
                "start": event.start.isoformat(),
                "attendance": attendance.total,
            }
        )
    indicators = []
    for target in targets.targets if targets else ():
        chosen = [r for r in reports if counts_for(target, r)]
        actual = sum(measure(r, target.measure) for r in chosen)
        indicators.append(
            {
                "id": target.id,
                "name": target.name,
                "measure": target.measure,
                "kinds": list(target.kinds),
                "target": target.target,
                "actual": actual,
                "progress": round(100 * actual / target.target, 1) if target.target else None,
                "events": len(chosen),
            }
        )
    result = {
        "title": (targets.title if targets else "")
        or pick(lang, "年度科普活动汇总", "Year in review"),
        "year": targets.year if targets else None,
        "lang": lang,
        "totals": {
            "events": len(reports),
            "attendance": sum(r.attendance.total for r in reports),
        },
        "indicators": indicators,
        "by_kind": by_kind,
        "by_audience": {a: by_audience[a] for a in AUDIENCES if by_audience[a]},
        "events": events,
        "warnings": warnings,
    }
    if by_unit:
        figures = [
            (
                r.event,
                {t.id: measure(r, t.measure) if counts_for(t, r) else 0 for t in targets.targets},
            )
            for r in reports
        ]
        ids = [t.id for t in targets.targets]
        scored, more = scoring.score(
            figures, ids, targets.units, targets.rubric, targets.path, lang
        )
        result.update(scored)
        warnings += more
    return result


def counts_for(target: Target, report: Report) -> bool:
    """Whether the event counts for ``target`` (its kind is one the target names, if any)."""
    return not target.kinds or report.event.kind in target.kinds


def tables(result: dict) -> dict[str, tuple[tuple, list[tuple]]]:
    """The roll-up's tables: (header, rows) by file stem."""
    lang = result["lang"]
    return {
        "indicators": (
            tuple(
                pick(lang, zh, en)
                for zh, en in (
                    ("指标", "Indicator"),
                    ("目标", "Target"),
                    ("完成", "Actual"),
                    ("完成率（%）", "Progress (%)"),
                    ("活动数", "Events"),
                )
            ),
            [
                (i["name"], i["target"], i["actual"], i["progress"], i["events"])
                for i in result["indicators"]
            ],
        ),
        "by-kind": (
            tuple(
                pick(lang, zh, en)
                for zh, en in (
                    ("活动类型", "Kind"),
                    ("活动数", "Events"),
                    ("场次", "Sessions"),
                    ("人次", "Person-times"),
                )
            ),
            [
                (k, v["events"], v["sessions"], v["attendance"])
                for k, v in result["by_kind"].items()
            ],
        ),
        "by-audience": (
            (pick(lang, "人群", "Group"), pick(lang, "人次", "Person-times")),
            [(audience_label(a, lang), n) for a, n in result["by_audience"].items()],
        ),
        "events": (
            tuple(
                pick(lang, zh, en)
                for zh, en in (
                    ("活动", "Event"),
                    ("类型", "Kind"),
                    ("开始", "Start"),
                    ("人次", "Person-times"),
                )
            ),
            [(e["title"], e["kind"], e["start"][:10], e["attendance"]) for e in result["events"]],
        ),
    }


def write(
    result: dict, out: Path, folders: tuple[Path, ...] = (), formats: tuple[str, ...] = FORMATS
) -> list[Path]:
    """Write the roll-up (HTML, Word, CSV, Excel) into ``out``, replacing an earlier one.

    ``out`` may only be a new or empty folder or an earlier roll-up (see ``output``); the event
    ``folders`` and the folders above them are refused.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError(f"unknown format {unknown[0]!r}; formats: {', '.join(FORMATS)}")
    with output.building(
        out, "kexie rollup", protect=folders, legacy=_rollup_of_old_release
    ) as staging:
        names = _write_files(result, staging, formats)
    return [out / name for name in names]


def _rollup_of_old_release(folder: Path) -> bool:
    """A roll-up written before ``build-info.json`` named its maker: only its own files."""
    paths = list(folder.iterdir())
    return any(path.name == "rollup.html" for path in paths) and all(
        path.is_file()
        and not path.is_symlink()
        and (path.name in ("rollup.html", "rollup.docx") or path.suffix == ".csv")
        for path in paths
    )


def _write_files(result: dict, out: Path, formats: tuple[str, ...]) -> list[str]:
    import html

    from kexie_events.docx_writer import html_to_docx

    lang = result["lang"]
    written = []
    parts = [f"<h1>{html.escape(result['title'])}</h1>"]
    totals = result["totals"]
    people = count_text(totals["attendance"], lang)
    parts.append(
        "<p>"
        + html.escape(
            pick(
                lang,
                f"共汇总活动{totals['events']}项，参与{people}人次。",
                f"{totals['events']} events, {people} person-times.",
            )
        )
        + "</p>"
    )
    titles = {
        "indicators": pick(lang, "指标完成情况", "Indicators"),
        "by-kind": pick(lang, "按活动类型", "By kind of event"),
        "by-audience": pick(lang, "按人群", "By audience group"),
        "events": pick(lang, "活动清单", "Events"),
    }
    for stem, (header, rows) in tables(result).items():
        if "csv" in formats:
            (out / f"{stem}.csv").write_bytes(csv_bytes(header, rows))
            written.append(f"{stem}.csv")
        if rows:
            parts.append(
                f"<h2>{html.escape(titles[stem])}</h2><table><tr>"
                + "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
                + "</tr>"
            )
            for row in rows:
                parts.append(
                    "<tr>"
                    + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row)
                    + "</tr>"
                )
            parts.append("</table>")
    page = (
        f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
        f'<meta charset="utf-8"><title>{html.escape(result["title"])}</title><style>'
        "body{font-family:'Noto Serif CJK SC',SimSun,serif;max-width:174mm;margin:auto}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #444;padding:3px}"
        "@page{size:A4;margin:20mm}</style></head><body>" + "".join(parts) + "</body></html>\n"
    )
    if "html" in formats:
        (out / "rollup.html").write_text(page, encoding="utf-8")
        written.append("rollup.html")
    if "docx" in formats:
        (out / "rollup.docx").write_bytes(html_to_docx(page, title=result["title"], lang=lang))
        written.append("rollup.docx")
    if "xlsx" in formats:
        from kexie_events.xlsx_export import workbook_bytes

        sheets = [(titles[stem], header, rows) for stem, (header, rows) in tables(result).items()]
        if "units" in result:
            # The score sheet first: with --by unit it is what the office opens the file for.
            sheets.insert(0, (pick(lang, "考核得分", "Scores"), *score_sheet.sheet_table(result)))
        (out / "rollup.xlsx").write_bytes(workbook_bytes(sheets))
        written.append("rollup.xlsx")
    if "units" in result:
        written += _write_score_sheet(result, out, formats)
    return written


def _write_score_sheet(result: dict, out: Path, formats: tuple[str, ...]) -> list[str]:
    """``scores.html``, ``scores.docx`` (official format) and ``scores.csv``: the 考核 sheet."""
    from kexie_events.docx_writer import html_to_docx

    page = score_sheet.sheet_html(result)
    written = []
    if "html" in formats:
        (out / "scores.html").write_text(page, encoding="utf-8")
        written.append("scores.html")
    if "docx" in formats:
        title = score_sheet.sheet_title(result)
        (out / "scores.docx").write_bytes(html_to_docx(page, title=title, lang=result["lang"]))
        written.append("scores.docx")
    if "csv" in formats:
        (out / "scores.csv").write_bytes(csv_bytes(*score_sheet.sheet_table(result)))
        written.append("scores.csv")
    return written
