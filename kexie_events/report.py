"""``kexie report``: the summary (总结) that goes to the leading group after the event.

Numbers first, then what happened, then pictures. Every figure comes from the store (through
the plugins' ``kexie_attendance`` and ``kexie_report_sections``) or from the event file; the
narrative is assembled from those figures and nothing else.
"""

from __future__ import annotations

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
from kexie_events.i18n import count_text, date_text, pick
from kexie_events.model import AUDIENCES, Event, Media
from kexie_events.plugins import Plugins
from kexie_events.records import Attendance, ReportSection, Table
from kexie_events.store import EventStore

FORMATS = ("html", "docx", "md", "csv", "xlsx")
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


def merge(records: list[Attendance]) -> dict:
    """Add up the plugins' attendance records into the report's ``attendance`` figures."""
    total: dict = {"admitted": 0, "unique": 0, "walk_in": 0, "duplicates": 0, "rejected": 0}
    counters = {
        key: Counter() for key in ("by_site", "by_day", "by_gate", "by_hour", "by_audience", "late")
    }
    volunteers: set[str] = set()
    for record in records:
        for key in total:
            total[key] += getattr(record, key)
        for key, counter in counters.items():
            counter.update(getattr(record, key))
        volunteers.update(record.volunteers)
    registered = total["admitted"]
    return {
        "total": registered + total["walk_in"],
        "unique": total["unique"],
        "registered": registered,
        "walk_in": total["walk_in"],
        "duplicates": total["duplicates"],
        "rejected": total["rejected"],
        "by_site": dict(sorted(counters["by_site"].items())),
        "by_day": dict(sorted(counters["by_day"].items())),
        "by_gate": dict(sorted(counters["by_gate"].items())),
        "by_hour": dict(sorted(counters["by_hour"].items())),
        "by_audience": {
            a: counters["by_audience"][a] for a in AUDIENCES if counters["by_audience"][a]
        },
        "late_uploads": dict(sorted(counters["late"].items())),
        "volunteers_on_duty": len(volunteers),
        "volunteers": sorted(volunteers),
    }


@attrs.frozen
class Report:
    """Everything the report shows, gathered once and rendered in every format."""

    event: Event
    attendance: dict
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
            "attendance": self.attendance,
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
            "kexie_report_sections", ReportSection, unique_by="id", event=event, store=store
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
    used = [s for s in event.sites if attendance["by_site"].get(s.id)] or event.sites
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
    total = attendance["total"]
    if total:

        def n(value: int) -> str:
            return count_text(value, lang)

        parts_zh = [f"本次活动共吸引{n(total)}人次参加"]
        parts_en = [f"{n(total)} person-times took part"]
        if attendance["registered"] and attendance["walk_in"]:
            parts_zh.append(
                f"其中凭票入场{n(attendance['registered'])}人次、"
                f"现场登记{n(attendance['walk_in'])}人次"
            )
            parts_en.append(
                f"{n(attendance['registered'])} with tickets and "
                f"{n(attendance['walk_in'])} counted at the gates"
            )
        groups = [(audience_label(a, lang), v) for a, v in attendance["by_audience"].items()]
        if groups:
            parts_zh.append("按人群分，" + "、".join(f"{g}{n(v)}人次" for g, v in groups))
            parts_en.append("by group: " + ", ".join(f"{g} {n(v)}" for g, v in groups))
        if len(attendance["by_day"]) > 1:
            parts_zh.append(f"活动历时{len(attendance['by_day'])}天")
            parts_en.append(f"over {len(attendance['by_day'])} days")
        sentences.append(pick(lang, "，".join(parts_zh) + "。", "; ".join(parts_en) + "."))
    for section in sections:
        sentences.extend(section.text)
    if attendance["volunteers_on_duty"]:
        sentences.append(
            pick(
                lang,
                f"{attendance['volunteers_on_duty']}名志愿者参与现场服务。",
                f"{attendance['volunteers_on_duty']} volunteers served on site.",
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


def attendance_tables(report: Report) -> list[tuple[str, Table]]:
    """The attendance breakdowns as (file stem, table)."""
    lang, a = report.event.lang, report.attendance
    names = {s.id: s.name for s in report.event.sites}
    person_times = pick(lang, "人次", "Person-times")

    def table(title, heading, data, label=lambda k: k):
        return Table(title, (heading, person_times), tuple((label(k), v) for k, v in data.items()))

    return [
        (
            "attendance-by-site",
            table(
                pick(lang, "各场地参与人次", "By site"),
                pick(lang, "场地", "Site"),
                a["by_site"],
                lambda k: names.get(k, k),
            ),
        ),
        (
            "attendance-by-day",
            table(pick(lang, "每日参与人次", "By day"), pick(lang, "日期", "Day"), a["by_day"]),
        ),
        (
            "attendance-by-gate",
            table(pick(lang, "各入口人次", "By gate"), pick(lang, "入口", "Gate"), a["by_gate"]),
        ),
        (
            "attendance-by-hour",
            table(
                pick(lang, "入场时间分布", "Arrivals by hour"),
                pick(lang, "时段", "Hour"),
                a["by_hour"],
            ),
        ),
        (
            "attendance-by-audience",
            table(
                pick(lang, "各人群参与人次", "By audience group"),
                pick(lang, "人群", "Group"),
                a["by_audience"],
                lambda k: audience_label(k, lang),
            ),
        ),
    ]


def charts(report: Report) -> list[str]:
    """SVG charts: the arrival curve and the breakdowns."""
    lang = report.event.lang
    return [
        bar_chart(table.title, dict(table.rows), lang=lang)
        for _stem, table in attendance_tables(report)
        if table.rows
    ]


def to_markdown(report: Report) -> str:
    """The report as Markdown; text from the event file and the store cannot carry HTML."""
    lang = report.event.lang
    lines = [f"# {_md(report.event.title)}{pick(lang, '总结', ' — report')}", ""]
    lines += [*map(_md, report.narrative), ""]
    for _stem, table in attendance_tables(report):
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


def csv_files(report: Report) -> dict[str, bytes]:
    """Every table as a CSV file, safe to open in Excel and WPS."""
    return {f"{stem}.csv": csv_bytes(t.header, t.rows) for stem, t in all_tables(report)}


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
        html = render_html(report)
        if "html" in formats:
            (staging / "report.html").write_text(html, encoding="utf-8")
        if "docx" in formats:
            from kexie_events.docx_writer import html_to_docx

            data = html_to_docx(
                html, title=report.event.title, lang=report.event.lang, base=staging
            )
            (staging / "report.docx").write_bytes(data)
        if "md" in formats:
            (staging / "report.md").write_text(to_markdown(report), encoding="utf-8")
        if "csv" in formats:
            for name, data in csv_files(report).items():
                (staging / name).write_bytes(data)
        if "xlsx" in formats:
            from kexie_events.xlsx_export import workbook_bytes

            tables = [(t.title, t.header, t.rows) for _stem, t in all_tables(report) if t.rows]
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
