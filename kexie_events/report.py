"""``kexie report``: the summary (总结) that goes to the leading group after the event.

Numbers first, then what happened, then pictures. Every figure comes from the store (through
the plugins' ``kexie_attendance`` and ``kexie_report_sections``) or from the event file; the
narrative is assembled from those figures and nothing else.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import attrs

from kexie_events import output
from kexie_events.charts import bar_chart
from kexie_events.csv_export import csv_bytes
from kexie_events.errors import UsageError
from kexie_events.i18n import count_text, date_text, pick, term, time_text
from kexie_events.model import AUDIENCES, Event, Media
from kexie_events.plugins import Plugins
from kexie_events.records import Attendance, Correction, PeakInside, ReportSection, Table
from kexie_events.store import EventStore
from kexie_events.volunteers import is_person

FORMATS = ("html", "docx", "md", "csv", "xlsx")
#: How attendance numbers were obtained, in the order the report lists them.
SOURCES = ("scanned", "counted", "paper", "estimate")
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
MEDIA_KIND = "report.media"

AUDIENCE_LABELS = {
    "minors": ("未成年人", "minors"),
    "farmers": ("农民", "farmers"),
    "urban_workers": ("城镇劳动者", "urban workers"),
    "cadres": ("领导干部和公务员", "officials and civil servants"),
    "others": ("其他", "others"),
}


def audience_label(audience: str, lang: str) -> str:
    """The outline's name of an audience group in the event's language."""
    zh, en = AUDIENCE_LABELS.get(audience, (audience, audience))
    return pick(lang, zh, en)


@attrs.frozen
class AttendanceFigures:
    """The event's attendance: every plugin's :class:`~kexie_events.records.Attendance` added up.

    Person-times (人次) as in ``Attendance``; each ``by_*`` mapping is sorted by key, except
    ``by_audience`` (in the outline's order) and ``by_source`` (in :data:`SOURCES` order).

    Attributes:
        total: person-times in all: ``registered + walk_in``.
        unique: distinct ticket holders admitted.
        registered: admissions with a ticket.
        walk_in: people counted without a ticket (at a gate, on paper, estimated).
        duplicates, rejected: scans turned away.
        late_uploads: scans that came in late from offline devices, per device.
        volunteers: the people who recorded something on site, sorted.
        corrections: entries taken back with an undo, oldest first.
        peak_inside: the most people inside at once, per site id (sorted).
    """

    total: int
    unique: int
    registered: int
    walk_in: int
    duplicates: int
    rejected: int
    by_site: dict[str, int]
    by_day: dict[str, int]
    by_gate: dict[str, int]
    by_hour: dict[str, int]
    by_audience: dict[str, int]
    late_uploads: dict[str, int]
    volunteers: tuple[str, ...]
    by_source: dict[str, int]
    corrections: tuple[Correction, ...]
    peak_inside: dict[str, PeakInside]

    @property
    def volunteers_on_duty(self) -> int:
        """How many people served on site."""
        return len(self.volunteers)

    def as_json(self) -> dict:
        """The ``attendance`` of ``kexie report --json``: times as ISO text with their offset."""
        return {
            "total": self.total,
            "unique": self.unique,
            "registered": self.registered,
            "walk_in": self.walk_in,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "by_site": self.by_site,
            "by_day": self.by_day,
            "by_gate": self.by_gate,
            "by_hour": self.by_hour,
            "by_audience": self.by_audience,
            "late_uploads": self.late_uploads,
            "volunteers_on_duty": self.volunteers_on_duty,
            "volunteers": list(self.volunteers),
            "by_source": self.by_source,
            "corrections": [
                {
                    "at": c.at.isoformat(),
                    "by": c.by,
                    "entry_at": c.entry_at.isoformat(),
                    "entry_by": c.entry_by,
                    "gate": c.gate,
                    "site": c.site,
                    "audience": c.audience,
                    "direction": c.direction,
                    "delta": c.delta,
                    "source": c.source,
                }
                for c in self.corrections
            ],
            "peak_inside": {
                site: {
                    "inside": peak.inside,
                    "at": peak.at.isoformat(),
                    "capacity": peak.capacity,
                    "level": peak.level,
                }
                for site, peak in self.peak_inside.items()
            },
        }


def merge(records: list[Attendance]) -> AttendanceFigures:
    """Add up the plugins' attendance records into the report's attendance figures."""
    total: dict = {"admitted": 0, "unique": 0, "walk_in": 0, "duplicates": 0, "rejected": 0}
    counters = {
        key: Counter() for key in ("by_site", "by_day", "by_gate", "by_hour", "by_audience", "late")
    }
    by_source: Counter = Counter({source: 0 for source in SOURCES})
    volunteers: set[str] = set()
    corrections: list[Correction] = []
    peak_inside: dict[str, PeakInside] = {}
    for record in records:
        for key in total:
            total[key] += getattr(record, key)
        for key, counter in counters.items():
            counter.update(getattr(record, key))
        # One count of people on duty, whichever plugin saw them work; the computer's login
        # name is an account, not a person (see volunteers.is_person).
        volunteers.update(name for name in record.volunteers if is_person(name))
        # A plugin that says nothing about sources counted people at its gates.
        by_source.update(
            record.by_source or {"scanned": record.admitted, "counted": record.walk_in}
        )
        corrections.extend(record.corrections)
        for peak in record.peak_inside:
            peak_inside[peak.site] = peak
    registered = total["admitted"]
    return AttendanceFigures(
        total=registered + total["walk_in"],
        unique=total["unique"],
        registered=registered,
        walk_in=total["walk_in"],
        duplicates=total["duplicates"],
        rejected=total["rejected"],
        by_site=dict(sorted(counters["by_site"].items())),
        by_day=dict(sorted(counters["by_day"].items())),
        by_gate=dict(sorted(counters["by_gate"].items())),
        by_hour=dict(sorted(counters["by_hour"].items())),
        by_audience={
            a: counters["by_audience"][a] for a in AUDIENCES if counters["by_audience"][a]
        },
        late_uploads=dict(sorted(counters["late"].items())),
        volunteers=tuple(sorted(volunteers)),
        by_source=dict(by_source),
        corrections=tuple(sorted(corrections, key=lambda c: c.at)),
        peak_inside=dict(sorted(peak_inside.items())),
    )


@attrs.frozen
class Report:
    """Everything the report shows, gathered once and rendered in every format."""

    event: Event
    attendance: AttendanceFigures
    sections: tuple[ReportSection, ...]
    media: tuple[Media, ...]
    photos: tuple[Path, ...]
    narrative: tuple[str, ...]

    def as_json(self) -> dict:
        """The ``kexie report --json`` contract."""
        event = self.event
        return {
            "event": {
                "title": event.title,
                "theme": event.theme,
                "kind": event.kind,
                "lang": event.lang,
                "timezone": event.timezone,
                "start": event.start.isoformat(),
                "end": event.end.isoformat(),
                "expected_attendance": event.expected_attendance,
                "sites": [{"id": s.id, "name": s.name} for s in event.sites],
                "organisers": list(event.organisers),
                "hosts": list(event.hosts),
            },
            "attendance": self.attendance.as_json(),
            "sections": {s.id: s.figures for s in self.sections},
            "media": [
                {
                    "outlet": m.outlet,
                    "date": m.day.isoformat() if m.day else None,
                    "title": m.title,
                    "link": m.link,
                }
                for m in self.media
            ],
            "photos": [p.name for p in self.photos],
            "narrative": list(self.narrative),
        }


def stored_media(store: EventStore) -> list[Media]:
    """Coverage recorded with ``kexie report add-media``."""
    import datetime as dt

    return [
        Media(
            e.data["outlet"],
            dt.date.fromisoformat(e.data["date"]) if e.data.get("date") else None,
            e.data.get("title", ""),
            e.data.get("link", ""),
        )
        for e in store.entries(MEDIA_KIND)
    ]


def gather(event: Event, store: EventStore, plugins: Plugins) -> Report:
    """Collect the figures, the sections, the coverage and the photos, and write the summary."""
    attendance = merge(plugins.collect("kexie_attendance", Attendance, event=event, store=store))
    sections = sorted(
        plugins.collect(
            "kexie_report_sections",
            ReportSection,
            unique_by="id",
            event=event,
            store=store,
            plugins=plugins,
        ),
        key=lambda s: (s.order, s.id),
    )
    media = (*event.report.media, *stored_media(store))
    folder = event.folder / "photos"
    photos = (
        tuple(sorted(p for p in folder.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES))
        if folder.is_dir()
        else ()
    )
    return Report(
        event,
        attendance,
        tuple(sections),
        tuple(media),
        photos,
        narrative(event, attendance, sections, media),
    )


def narrative(event: Event, attendance: dict, sections, media) -> tuple[str, ...]:
    """The summary in prose, from the recorded numbers only."""
    lang = event.lang
    first, last = event.start.date(), event.end.date()
    when = (
        date_text(first, lang)
        if first == last
        else (
            pick(
                lang,
                f"{date_text(first, lang)}至{date_text(last, lang)}",
                f"{date_text(first, lang)} to {date_text(last, lang)}",
            )
        )
    )
    used = [s for s in event.sites if attendance.by_site.get(s.id)] or event.sites
    places = pick(lang, "、", ", ").join(s.name for s in used)
    who = pick(lang, "、", ", ").join(event.organisers)
    sentences = [
        pick(
            lang,
            f"{when}，{who + '在' if who else '在'}{places}举办了{event.title}"
            + (f"，主题为“{event.theme}”" if event.theme else "")
            + "。",
            f"{event.title} took place on {when} at {places}"
            + (f", organised by {who}" if who else "")
            + (f", with the theme “{event.theme}”" if event.theme else "")
            + ".",
        )
    ]
    total = attendance.total
    if total:

        def n(value: int) -> str:
            return count_text(value, lang)

        parts_zh = [f"本次活动共吸引{n(total)}人次参加"]
        parts_en = [f"{n(total)} person-times took part"]
        if attendance.registered and attendance.walk_in:
            parts_zh.append(
                f"其中{term('admitted', lang)}{n(attendance.registered)}人次、"
                f"{term('walk_in', lang)}{n(attendance.walk_in)}人次"
            )
            parts_en.append(
                f"{n(attendance.registered)} {term('admitted', lang)} and "
                f"{n(attendance.walk_in)} {term('walk_in', lang, many=True)}"
            )
        later = [(s, attendance.by_source[s]) for s in ("paper", "estimate")]
        later = [(s, v) for s, v in later if v]
        if later:
            parts_zh.append("含" + "、".join(f"{term(s, lang)}{n(v)}人次" for s, v in later))
            parts_en.append(
                "including "
                + " and ".join(f"{n(v)} from {term(s, lang, many=True)}" for s, v in later)
            )
        groups = [(audience_label(a, lang), v) for a, v in attendance.by_audience.items()]
        if groups:
            parts_zh.append("按人群分，" + "、".join(f"{g}{n(v)}人次" for g, v in groups))
            parts_en.append("by group: " + ", ".join(f"{g} {n(v)}" for g, v in groups))
        if len(attendance.by_day) > 1:
            parts_zh.append(f"活动历时{len(attendance.by_day)}天")
            parts_en.append(f"over {len(attendance.by_day)} days")
        sentences.append(pick(lang, "，".join(parts_zh) + "。", "; ".join(parts_en) + "."))
    if attendance.peak_inside:
        peak = max(attendance.peak_inside.values(), key=lambda p: p.inside)
        where = next((s.name for s in event.sites if s.id == peak.site), peak.site)
        moment = peak.at.astimezone(event.tz)
        sentences.append(
            pick(
                lang,
                f"{term('inside', lang)}最多时为{count_text(peak.inside, lang)}人"
                f"（{where}，{date_text(moment.date(), lang)} {time_text(moment)}）。",
                f"At most {count_text(peak.inside, lang)} people were inside at once "
                f"({where}, {date_text(moment.date(), lang)} {time_text(moment)}).",
            )
        )
    for section in sections:
        sentences.extend(section.text)
    if attendance.volunteers_on_duty:
        sentences.append(
            pick(
                lang,
                f"{attendance.volunteers_on_duty}名{term('volunteer', lang)}参与现场服务。",
                f"{attendance.volunteers_on_duty} {term('volunteer', lang, many=True)}"
                " served on site.",
            )
        )
    if media:
        outlets = list(dict.fromkeys(m.outlet for m in media))
        sentences.append(
            pick(
                lang,
                f"{'、'.join(outlets)}等{len(outlets)}家媒体进行了报道，共刊发报道{len(media)}篇（条）。",
                f"{len(outlets)} media outlets covered the event ({', '.join(outlets)}), "
                f"{len(media)} reports in all.",
            )
        )
    return tuple(sentences)


def summary_table(report: Report, *, numbers: bool = False) -> Table:
    """The attendance figures at a glance, each named with the glossary's word.

    The figures are texts as people read them (``1,234``), or with ``numbers`` numbers (for a
    workbook, where they must add up).
    """
    lang, a = report.event.lang, report.attendance

    def n(value: int) -> str | int:
        return value if numbers else count_text(value, lang)

    rows = [
        (pick(lang, "参与总人次", "Person-times in all"), n(a.total)),
        (term("admitted", lang, capital=True) + pick(lang, "人次", ""), n(a.registered)),
        (pick(lang, "持票人数", "Ticket holders"), n(a.unique)),
        (term("walk_in", lang, many=True, capital=True) + pick(lang, "人次", ""), n(a.walk_in)),
    ]
    for source in ("counted", "paper", "estimate"):
        if a.by_source.get(source) and a.by_source[source] != a.walk_in:
            rows.append(
                (
                    pick(lang, "　其中", "  of which ") + term(source, lang),
                    n(a.by_source[source]),
                )
            )
    rows += [
        (term("duplicate", lang, many=True, capital=True), n(a.duplicates)),
        (term("rejected", lang, capital=True), n(a.rejected)),
    ]
    if a.corrections:
        rows.append(
            (pick(lang, "更正（撤销）", "Corrections (undone entries)"), n(len(a.corrections)))
        )
    rows.append(
        (
            pick(lang, "在岗", "")
            + term("volunteer", lang, many=True, capital=True)
            + pick(lang, "", " on duty"),
            n(a.volunteers_on_duty),
        )
    )
    for device, scans in a.late_uploads.items():
        rows.append((pick(lang, "离线设备补传：", "Uploaded late from ") + device, n(scans)))
    return Table(
        pick(lang, "参与情况", "Attendance"),
        (pick(lang, "项目", "Figure"), pick(lang, "数量", "Count")),
        tuple(rows),
    )


#: The breakdowns that are drawn as charts: one number per key.
CHARTED = ("by-site", "by-day", "by-gate", "by-hour", "by-audience", "by-source")


def attendance_tables(report: Report) -> list[tuple[str, Table]]:
    """The attendance breakdowns as (file stem, table)."""
    lang, a = report.event.lang, report.attendance
    names = {s.id: s.name for s in report.event.sites}
    person_times = pick(lang, "人次", "Person-times")

    def table(title, heading, data, label=lambda k: k):
        return Table(title, (heading, person_times), tuple((label(k), v) for k, v in data.items()))

    def site_name(key: str) -> str:
        return names.get(key, key)

    def moment(value: dt.datetime) -> str:
        when = value.astimezone(report.event.tz)
        return f"{date_text(when.date(), lang)} {time_text(when)}"

    def entry(c: Correction) -> str:
        group = (
            term("exit", lang)
            if c.direction == "out"
            else f"{term('walk_in', lang)} {audience_label(c.audience, lang)}"
        )
        where = " ".join(filter(None, [site_name(c.site or ""), c.gate or ""]))
        return pick(
            lang,
            f"{moment(c.entry_at)} {where} {group} {c.delta:+d}（{c.entry_by}）",
            f"{moment(c.entry_at)} {where} {group} {c.delta:+d} ({c.entry_by})",
        )

    extra = [
        (
            "attendance-by-source",
            table(
                pick(lang, "人次的来源", "How the numbers were obtained"),
                pick(lang, "来源", "Source"),
                {s: v for s, v in a.by_source.items() if v},
                # Tickets scanned are those admitted with a ticket: one thing, one word.
                lambda k: term("admitted" if k == "scanned" else k, lang, many=True),
            ),
        ),
        (
            "attendance-peak-inside",
            Table(
                pick(lang, "场内人数峰值", "Most people inside at once"),
                (
                    pick(lang, "场地", "Site"),
                    term("inside", lang, capital=True),
                    term("capacity", lang, capital=True),
                    pick(lang, "时间", "When"),
                ),
                tuple(
                    (site_name(site), peak.inside, peak.capacity or "", moment(peak.at))
                    for site, peak in a.peak_inside.items()
                ),
            ),
        ),
        (
            "attendance-corrections",
            Table(
                pick(lang, "更正记录（撤销的记录）", "Corrections (undone entries)"),
                (
                    pick(lang, "更正时间", "When"),
                    pick(lang, "更正人", "By"),
                    pick(lang, "被撤销的记录", "Entry undone"),
                ),
                tuple((moment(c.at), c.by, entry(c)) for c in a.corrections),
            ),
        ),
    ]
    return [
        (
            "attendance-by-site",
            table(
                pick(lang, "各场地参与人次", "By site"),
                pick(lang, "场地", "Site"),
                a.by_site,
                lambda k: names.get(k, k),
            ),
        ),
        (
            "attendance-by-day",
            table(pick(lang, "每日参与人次", "By day"), pick(lang, "日期", "Day"), a.by_day),
        ),
        (
            "attendance-by-gate",
            table(
                pick(lang, "各入口人次", "By gate"),
                pick(lang, "入口", "Gate"),
                a.by_gate,
                lambda k: k or pick(lang, "（未注明入口）", "(no gate given)"),
            ),
        ),
        (
            "attendance-by-hour",
            table(
                pick(lang, "入场时间分布", "Arrivals by hour"),
                pick(lang, "时段", "Hour"),
                a.by_hour,
            ),
        ),
        (
            "attendance-by-audience",
            table(
                pick(lang, "各人群参与人次", "By audience group"),
                pick(lang, "人群", "Group"),
                a.by_audience,
                lambda k: audience_label(k, lang),
            ),
        ),
        # Said only when there is something to say (no empty CSV files or sheets).
        *((stem, t) for stem, t in extra if t.rows),
    ]


def charts(report: Report) -> list[str]:
    """SVG charts: the arrival curve and the breakdowns."""
    lang = report.event.lang
    return [
        bar_chart(table.title, dict(table.rows), lang=lang)
        for stem, table in attendance_tables(report)
        if table.rows and stem.removeprefix("attendance-") in CHARTED
    ]


def to_markdown(report: Report) -> str:
    """The report as Markdown; text from the event file and the store cannot carry HTML."""
    lang = report.event.lang
    lines = [f"# {_md(report.event.title)}{pick(lang, '总结', ' — report')}", ""]
    lines += [*map(_md, report.narrative), ""]
    for table in (summary_table(report), *(t for _s, t in attendance_tables(report))):
        lines += _markdown_table(table)
    for section in report.sections:
        lines += [f"## {_md(section.title)}", "", *map(_md, section.text), ""]
        for table in section.tables:
            lines += _markdown_table(table)
    if report.media:
        lines += [f"## {pick(lang, '媒体报道', 'Coverage')}", ""]
        for m in report.media:
            day = date_text(m.day, lang) if m.day else ""
            title = _md(m.title or m.link)
            if _WEB_LINK.match(m.link):
                title = f"[{title}](<{m.link}>)"
            lines.append(f"- {_md(m.outlet)} {day} {title}".rstrip())
        lines.append("")
    notes = report.event.report
    if notes.highlights or notes.notes:
        lines += [f"## {pick(lang, '亮点和体会', 'Highlights and notes')}", ""]
        lines += [f"- {_md(h)}" for h in notes.highlights]
        lines += ["", _md(notes.notes), ""] if notes.notes else [""]
    if report.photos:
        lines += [f"## {pick(lang, '图片', 'Photos')}", ""]
        lines += [f"![{_md(p.stem)}](<photos/{p.name}>)" for p in report.photos]
    return "\n".join(lines).rstrip() + "\n"


# A link is kept only when it is a plain web address that cannot close the <...> around it.
_WEB_LINK = re.compile(r"https?://[^\s<>]+\Z")


def _md(text: object) -> str:
    """Plain text for Markdown: HTML escaped, so a title cannot become a tag on the page."""
    return html.escape(str(text), quote=False)


def _markdown_table(table: Table) -> list[str]:
    if not table.rows:
        return []

    def cell(value) -> str:
        return _md(value).replace("|", "\\|").replace("\n", " ")

    lines = [
        f"### {_md(table.title)}",
        "",
        "| " + " | ".join(map(cell, table.header)) + " |",
        "|" + "---|" * len(table.header),
    ]
    lines += ["| " + " | ".join(map(cell, row)) + " |" for row in table.rows]
    return [*lines, ""]


def all_tables(report: Report) -> list[tuple[str, Table]]:
    """Every table of the report with a file stem: attendance first, then the sections'."""
    tables = attendance_tables(report)
    for section in report.sections:
        for index, table in enumerate(section.tables, start=1):
            tables.append((f"{section.id}-{index}", table))
    return tables


def data_tables(report: Report) -> list[tuple[str, Table]]:
    """The tables of the CSV files and the workbook's sheets: the totals first (as numbers),
    then :func:`all_tables`."""
    return [("attendance-summary", summary_table(report, numbers=True)), *all_tables(report)]


def csv_files(report: Report) -> dict[str, bytes]:
    """Every table as a CSV file, safe to open in Excel and WPS."""
    return {f"{stem}.csv": csv_bytes(t.header, t.rows) for stem, t in data_tables(report)}


def render_html(report: Report) -> str:
    """The print-ready report page."""
    import markupsafe

    from kexie_events.kit import environment

    lang = report.event.lang
    env = environment(lang, [])
    title = pick(lang, f"{report.event.title}总结", f"{report.event.title}: report")
    return env.get_template("report.html").render(
        report=report,
        event=report.event,
        lang=lang,
        title=title,
        summary=summary_table(report),
        tables=[t for _s, t in attendance_tables(report)],
        charts=[markupsafe.Markup(chart) for chart in charts(report)],
    )


def write(report: Report, out: Path, formats: tuple[str, ...]) -> list[Path]:
    """Write the report files into ``out``, replacing the previous report whole.

    ``out`` may only be a new or empty folder or an earlier report (see ``output``).
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise UsageError(f"unknown format {unknown[0]!r}; formats: {', '.join(FORMATS)}")
    with output.building(
        out, "kexie report", protect=(report.event.folder,), legacy=_report_of_old_release
    ) as staging:
        if report.photos:
            (staging / "photos").mkdir()
            for photo in report.photos:
                shutil.copyfile(photo, staging / "photos" / photo.name)
        page = render_html(report)
        if "html" in formats:
            (staging / "report.html").write_text(page, encoding="utf-8")
        if "docx" in formats:
            from kexie_events.docx_writer import html_to_docx

            data = html_to_docx(
                page, title=report.event.title, lang=report.event.lang, base=staging
            )
            (staging / "report.docx").write_bytes(data)
        if "md" in formats:
            (staging / "report.md").write_text(to_markdown(report), encoding="utf-8")
        if "csv" in formats:
            for name, data in csv_files(report).items():
                (staging / name).write_bytes(data)
        if "xlsx" in formats:
            from kexie_events.xlsx_export import workbook_bytes

            tables = [(t.title, t.header, t.rows) for _stem, t in data_tables(report)]
            (staging / "report.xlsx").write_bytes(workbook_bytes(tables))
        (staging / "report.json").write_text(
            json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return sorted(p for p in out.rglob("*") if p.is_file())


def _report_of_old_release(folder: Path) -> bool:
    """A report written before ``build-info.json`` named its maker: only report files in it."""
    if not (folder / "report.json").is_file():
        return False
    for path in folder.rglob("*"):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            return False
        if path.is_dir():
            if name != "photos":
                return False
        elif not (
            name.startswith(("report.", "photos/")) or (name.endswith(".csv") and "/" not in name)
        ):
            return False
    return True
