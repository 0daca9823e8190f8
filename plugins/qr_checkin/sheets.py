"""Printable tickets for the kit: A4 sheets of ten with cut marks, and one SVG per ticket.

QR codes are drawn once per ticket, on every core, and only when the tickets changed: each
file carries a cache key made of everything printed on it, so a rebuild with nothing changed
copies the previous files.
"""

from __future__ import annotations

import hashlib
import html
import os
from concurrent.futures import ProcessPoolExecutor
from functools import cached_property

from kexie_events import qr
from kexie_events.i18n import date_text, moment_text, pick
from kexie_events.model import Event
from kexie_events.records import KitFile
from kexie_events.store import EventStore
from kexie_plugins.qr_checkin import ledger
from kexie_plugins.qr_checkin.config import config_of

PER_SHEET = 10
PER_FILE = 500
RENDERER = "tickets-1"

SHEET_CSS = """
@page { size: A4; margin: 8mm 10mm; }
body { margin: 0; font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
.sheet { display: grid; grid-template-columns: 95mm 95mm; grid-auto-rows: 56mm;
  width: 190mm; margin: 0 auto; page-break-after: always; break-after: page; }
.sheet:last-child { page-break-after: auto; }
.ticket { position: relative; display: flex; gap: 3mm; padding: 4mm; overflow: hidden;
  outline: 0.2mm dashed #999; }
.ticket::before, .ticket::after { content: ""; position: absolute; width: 4mm; height: 4mm;
  border: 0 solid #000; }
.ticket::before { top: 0; left: 0; border-top-width: .3mm; border-left-width: .3mm; }
.ticket::after { bottom: 0; right: 0; border-bottom-width: .3mm; border-right-width: .3mm; }
.qr { flex: 0 0 36mm; }
.info { font-size: 3.2mm; line-height: 1.35; min-width: 0; }
.title { font-weight: 700; font-size: 3.6mm; margin-bottom: 1.5mm; }
.number { font-size: 6mm; font-weight: 700; letter-spacing: .3mm; margin-top: 1.5mm; }
.note { color: #333; margin-top: 1mm; }
"""


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _render_qr(codes: list[str]) -> list[str]:
    return [qr.svg_path(qr.matrix(code)) for code in codes]


class TicketPrinter:
    """Renders the event's valid tickets."""

    def __init__(self, event: Event, rows: list[tuple]):
        self.event = event
        self.rows = rows  # (number, code, site, audience, name)
        self.note = config_of(event).ticket_note

    @cached_property
    def paths(self) -> dict[int, str]:
        """QR path data per ticket number, drawn in parallel on every core."""
        codes = [row[1] for row in self.rows]
        workers = min(os.cpu_count() or 1, 4)
        if len(codes) < 400 or workers == 1:
            drawn = _render_qr(codes)
        else:
            with ProcessPoolExecutor(workers) as pool:
                drawn = [p for part in pool.map(_render_qr, _chunks(codes, 250)) for p in part]
        return {row[0]: path for row, path in zip(self.rows, drawn, strict=True)}

    def _place(self, site_id: str | None) -> str:
        if site_id:
            return self.event.site(site_id).name
        return "、".join(s.name for s in self.event.sites[:1])

    def _ticket_html(self, row: tuple) -> str:
        number, _code, site, _audience, name = row
        event, lang = self.event, self.event.lang
        when = (
            moment_text(event.start, lang)
            if event.start.date() == event.end.date()
            else f"{date_text(event.start.date(), lang)} – {date_text(event.end.date(), lang)}"
        )
        side = 37 + 2 * qr.QUIET_ZONE
        lines = [
            f'<div class="title">{html.escape(event.title)}</div>',
            f"<div>{html.escape(when)}</div>",
            f"<div>{html.escape(self._place(site))}</div>",
        ]
        if name:
            lines.append(f"<div>{html.escape(name)}</div>")
        lines.append(f'<div class="number">{pick(lang, "票号", "No.")} {number:06d}</div>')
        if self.note:
            lines.append(f'<div class="note">{html.escape(self.note)}</div>')
        return (
            '<div class="ticket"><svg class="qr" viewBox="0 0 {s} {s}" width="36mm" '
            'height="36mm" shape-rendering="crispEdges"><rect width="{s}" height="{s}" '
            'fill="#fff"/><path d="{d}"/></svg><div class="info">{info}</div></div>'
        ).format(s=side, d=self.paths[number], info="".join(lines))

    def sheet_file(self, rows: list[tuple]) -> bytes:
        """An HTML file of A4 sheets, ten tickets each."""
        lang = self.event.lang
        pages = "".join(
            '<section class="sheet">' + "".join(self._ticket_html(r) for r in chunk) + "</section>"
            for chunk in _chunks(rows, PER_SHEET)
        )
        title = html.escape(f"{self.event.title} · {pick(lang, '门票', 'Tickets')}")
        return (
            f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
            f'<meta charset="utf-8"><title>{title}</title><style>{SHEET_CSS}</style></head>'
            f"<body>{pages}</body></html>\n"
        ).encode()

    def single(self, row: tuple) -> bytes:
        """One ticket as a standalone SVG, to send or print on its own."""
        number, _code, site, _audience, name = row
        event, lang = self.event, self.event.lang
        side = 37 + 2 * qr.QUIET_ZONE
        text = [event.title, moment_text(event.start, lang), self._place(site)]
        if name:
            text.append(name)
        lines = "".join(
            f'<text x="2" y="{side + 4 + 3.2 * i}" font-size="2.4">{html.escape(t)}</text>'
            for i, t in enumerate(text)
        )
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side + 22}" '
            f'width="60mm" height="{60 * (side + 22) / side:.1f}mm" '
            'font-family="Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif">'
            f'<rect width="{side}" height="{side + 22}" fill="#fff"/>'
            f'<path d="{self.paths[number]}" shape-rendering="crispEdges"/>{lines}'
            f'<text x="2" y="{side + 4 + 3.2 * len(text) + 1}" font-size="3.4" '
            f'font-weight="700">{pick(lang, "票号", "No.")} {number:06d}</text></svg>\n'
        ).encode()


def valid_rows(store: EventStore) -> list[tuple]:
    """Tickets to print: issued and not revoked, in number order."""
    with store.reading() as db:
        return ledger.printable_tickets(db)


def kit_files(event: Event, store: EventStore) -> list[KitFile]:
    """Sheets of 500 tickets per file and one SVG per ticket, with cache keys."""
    rows = valid_rows(store)
    if not rows:
        return []
    printer = TicketPrinter(event, rows)
    lang = event.lang
    context = "|".join(
        [
            RENDERER,
            event.title,
            event.start.isoformat(),
            event.end.isoformat(),
            lang,
            printer.note,
            *(f"{s.id}={s.name}" for s in event.sites),
        ]
    )

    def key(part: list[tuple]) -> str:
        digest = hashlib.sha256(context.encode())
        for row in part:
            digest.update(repr(row).encode())
        return digest.hexdigest()

    files = []
    parts = _chunks(rows, PER_FILE)
    for index, part in enumerate(parts, start=1):
        first, last = part[0][0], part[-1][0]
        files.append(
            KitFile(
                f"tickets/sheets-{index:03d}.html",
                pick(
                    lang,
                    f"门票打印页（{first:06d}–{last:06d}）",
                    f"Ticket sheets {first:06d}–{last:06d}",
                ),
                lambda part=part: printer.sheet_file(part),
                cache_key=key(part),
                description=pick(
                    lang, "A4，每页10张，沿虚线裁切", "A4, ten a page, cut on the marks"
                ),
                count=len(part),
                order=60,
                personal=any(row[4] for row in part),
            )
        )
    for row in rows:
        files.append(
            KitFile(
                f"tickets/single/{row[0]:06d}.svg",
                pick(lang, f"单张门票 {row[0]:06d}", f"Ticket {row[0]:06d}"),
                lambda row=row: printer.single(row),
                cache_key=key([row]),
                order=70,
                listed=False,
                folder_title=pick(
                    lang, "单张门票（每张一个文件）", "Single tickets, one file each"
                ),
                personal=bool(row[4]),
            )
        )
    return files
