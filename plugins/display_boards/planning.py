"""Display boards and printed materials: quantities per site and day, and the board rotation.

Quantities are either fixed or derived from expected attendance (a per-person ratio), spread
over the days and sites of the schedule by how many people each can hold, and rounded up to
print batches. Boards move between sites; the rotation says which boards stand where on
which day, and from it follow the transport plan and the problems: a day on which a site has
no boards, or two sites that need the same board on the same day.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict

import attrs

from kexie_events.fields import TableReader, suggest
from kexie_events.model import Event

NAME = "display-boards"
KINDS = ("board", "wall-chart", "leaflet", "reader", "banner", "poster", "other")
#: Kinds that are shown and move on to the next site; the rest are handed out and used up.
SHOWN = ("board", "wall-chart", "banner", "poster")


@attrs.frozen
class Item:
    """A printed or displayed item and its plan.

    Attributes:
        per_site_day: planned quantity per ``(site, day)``.
        order_quantity: what to order: the total rounded up to whole print batches.
    """

    id: str
    name: str
    kind: str
    size: str
    unit: str
    batch: int
    ordered: int
    per_site_day: dict[tuple[str, dt.date], int]

    @property
    def shown(self) -> bool:
        """Whether the item is shown and reused on the next day (boards), not used up."""
        return self.kind in SHOWN

    @property
    def planned(self) -> int:
        """How many are needed: the sum for items used up, the busiest day for shown ones."""
        if not self.shown:
            return sum(self.per_site_day.values())
        per_day: dict[dt.date, int] = defaultdict(int)
        for (_site, day), quantity in self.per_site_day.items():
            per_day[day] += quantity
        return max(per_day.values(), default=0)

    @property
    def order_quantity(self) -> int:
        """The planned quantity rounded up to whole batches."""
        return math.ceil(self.planned / self.batch) * self.batch if self.planned else 0


@attrs.frozen
class Move:
    """Boards carried from one site to another before a day."""

    day: dt.date
    source: str | None
    target: str
    boards: tuple[str, ...]


@attrs.frozen
class MaterialsPlan:
    """Every item, the boards with their topics, and the rotation: ``[plugins.display-boards]``
    as read, which the plugin's hooks get as ``config``."""

    items: tuple[Item, ...]
    boards: dict[str, str]
    rotation: dict[tuple[dt.date, str], tuple[str, ...]]
    site_days: tuple[tuple[str, dt.date], ...]

    def item(self, key: str) -> Item | None:
        """The item with this id or name."""
        return next((i for i in self.items if key in (i.id, i.name)), None)

    def moves(self) -> list[Move]:
        """The transport plan: which boards go from where to where, before which day."""
        where: dict[str, str | None] = dict.fromkeys(self.boards)
        moves: dict[tuple[dt.date, str | None, str], list[str]] = defaultdict(list)
        for (day, site), boards in sorted(self.rotation.items()):
            for board in boards:
                if where.get(board) != site:
                    moves[(day, where.get(board), site)].append(board)
                    where[board] = site
        return [
            Move(day, source, target, tuple(boards))
            for (day, source, target), boards in sorted(moves.items(), key=_move_order)
        ]

    def idle(self, day: dt.date) -> list[str]:
        """Boards not shown anywhere on ``day`` (left in store or where they last stood)."""
        shown = {b for (d, _site), boards in self.rotation.items() if d == day for b in boards}
        return [b for b in self.boards if b not in shown]

    def days(self) -> list[dt.date]:
        """Days the rotation or the schedule uses."""
        return sorted({day for _site, day in self.site_days} | {d for d, _s in self.rotation})


def _move_order(entry):
    (day, source, target), _boards = entry
    return (day, source or "", target)


_RANGE = re.compile(r"^([A-Za-z]*)(\d+)-\1?(\d+)$")


def expand(spec: str) -> list[str]:
    """``"B01-B05"`` → ``["B01", ..., "B05"]``; anything else is one id."""
    match = _RANGE.match(spec)
    if not match:
        return [spec]
    prefix, first, last = match.group(1), match.group(2), match.group(3)
    width = len(first)
    return [f"{prefix}{n:0{width}d}" for n in range(int(first), int(last) + 1)]


def site_days(event: Event) -> list[tuple[str, dt.date]]:
    """The (site, day) pairs the schedule uses; every site on every day if it names none."""
    pairs = sorted({(item.site, item.start.date()) for item in event.schedule if item.site})
    return pairs or [(site.id, day) for site in event.sites for day in event.days]


def _weights(event: Event, pairs: list[tuple[str, dt.date]]) -> dict:
    capacity = {s.id: s.capacity for s in event.sites}
    raw = {pair: capacity.get(pair[0]) or 1 for pair in pairs}
    total = sum(raw.values())
    return {pair: value / total for pair, value in raw.items()}


def _spread(total: int, weights: dict) -> dict:
    """Split ``total`` by ``weights`` in whole numbers that add up to it exactly."""
    shares = {key: total * weight for key, weight in weights.items()}
    result = {key: math.floor(share) for key, share in shares.items()}
    left = total - sum(result.values())
    for key in sorted(shares, key=lambda k: shares[k] - result[k], reverse=True)[:left]:
        result[key] += 1
    return result


def read_plan(reader: TableReader, event: Event) -> MaterialsPlan:
    """The materials plan, from the section ``reader`` reads (which keeps its problems)."""
    pairs = site_days(event)
    sites = {s.id for s in event.sites}
    boards: dict[str, str] = {}
    for table in reader.tables("boards"):
        ids = table.text("ids") or table.text("id")
        if ids is None:
            table.error("id", 'give id = "B01" or ids = "B01-B30"')
        topic = table.text("topic", "") or ""
        for board in expand(ids or ""):
            if board in boards:
                table.error("ids" if table.has("ids") else "id", f"board {board} is listed twice")
            boards[board] = topic
        table.finish()
    rotation: dict[tuple[dt.date, str], tuple[str, ...]] = {}
    holder: dict[tuple[dt.date, str], str] = {}
    for table in reader.tables("rotation"):
        day = table.day("day", required=True)
        site = table.text("site", required=True)
        if site and site not in sites:
            table.error("site", f"no site {site!r}{suggest(site, sorted(sites))}")
        shown = [b for spec in table.texts("boards", required=True) for b in expand(spec)]
        for board in shown:
            if board not in boards:
                table.error("boards", f"no board {board!r} in [[plugins.{NAME}.boards]]")
            elif day and (day, board) in holder and holder[(day, board)] != site:
                table.error(
                    "boards",
                    f"board {board} is needed at {holder[(day, board)]} and at {site} on {day}",
                )
            elif day:
                holder[(day, board)] = site
        if day and site:
            rotation[(day, site)] = rotation.get((day, site), ()) + tuple(shown)
        table.finish()
    without = reader.texts("no_boards")
    for index, site in enumerate(without):
        if site not in sites:
            reader.error(("no_boards", index), f"no site {site!r}{suggest(site, sorted(sites))}")
    if rotation:
        for site, day in pairs:
            if site not in without and (day, site) not in rotation:
                reader.warning("rotation", f"site {site!r} has no boards on {day}")
    weights = _weights(event, pairs)
    items = []
    for table in reader.tables("items"):
        item_id = table.text("id", required=True) or ""
        kind = table.text("kind", "other", choices=KINDS)
        fixed = table.integer("quantity")
        ratio = table.number("per_person", minimum=0)
        if (fixed is None) == (ratio is None) and not (kind == "board" and boards):
            table.error("quantity", "give either quantity (fixed) or per_person (from attendance)")
        chosen = table.texts("sites")
        for index, site in enumerate(chosen):
            if site not in sites:
                table.error(("sites", index), f"no site {site!r}{suggest(site, sorted(sites))}")
        scope = {p: w for p, w in weights.items() if not chosen or p[0] in chosen}
        total_weight = sum(scope.values()) or 1
        scope = {p: w / total_weight for p, w in scope.items()}
        if kind == "board" and boards and fixed is None and ratio is None:
            per_site_day = {(site, day): len(b) for (day, site), b in rotation.items()}
        elif ratio is not None:
            people = _spread(event.expected_attendance, scope)
            per_site_day = {p: math.ceil(n * ratio) for p, n in people.items()}
        elif kind in SHOWN:
            # Shown items move on: every day's sites share the whole quantity.
            per_site_day = {}
            for day in sorted({d for _s, d in scope}):
                today = {p: w for p, w in scope.items() if p[1] == day}
                weight = sum(today.values()) or 1
                per_site_day |= _spread(fixed or 0, {p: w / weight for p, w in today.items()})
        else:
            per_site_day = _spread(fixed or 0, scope)
        items.append(
            Item(
                id=item_id,
                name=table.text("name", required=True) or item_id,
                kind=kind,
                size=table.text("size", "") or "",
                unit=table.text("unit", "") or "",
                batch=table.integer("batch", 1, minimum=1),
                ordered=table.integer("ordered", 0),
                per_site_day=per_site_day,
            )
        )
        table.finish()
    return MaterialsPlan(tuple(items), boards, rotation, tuple(pairs))
