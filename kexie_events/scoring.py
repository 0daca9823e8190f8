"""Township scoring (考核): each unit's events added up, scored against a rubric, and ranked.

A target file may list units with their own targets and a rubric (see ``docs/report.md``)::

    [[units]]
    name = "绿水乡"
    targets = { training = 3000, lectures = 2 }

    [rubric]
    title = "2027年度乡镇科普工作考核得分表"   # optional
    rewards = [1000, 800, 600]        # yuan, for ranks 1, 2, 3

    [[rubric.items]]
    indicator = "training"            # a [[targets]] id: its measure and kinds
    weight = 40                       # points for meeting the unit's target
    cap = 44                          # most points (default: the weight)
    target = 2000                     # the target of units that set none

    [[rubric.bonus]]
    unit = "绿水乡"
    points = 2                        # negative for a deduction
    reason = "获评省级科普示范乡镇"

One rule scores every item: ``weight × actual ÷ the unit's target``, at most ``cap``, rounded to
two decimals; "2 points a lecture, at most 10" is ``target = 5, weight = 10``. A unit's total is
its points plus its bonus items. Units with the same total share a rank and the next rank is
skipped (1, 2, 2, 4); a reward goes to every unit holding its rank. Events that name no unit are
added up apart, under "no unit", and not ranked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from kexie_events.errors import EventFileError, LocatedProblem, Problem, UsageError
from kexie_events.fields import TableReader, suggest
from kexie_events.i18n import pick
from kexie_events.model import Event
from kexie_events.tomlsource import KeyLines

#: How ties are ranked, as ``--json`` names it.
TIES = "shared"


@attrs.frozen
class UnitTargets:
    """A unit (乡镇, 街道, 学会) of the target file, and its own target per indicator id."""

    name: str
    targets: Mapping[str, float]
    key: tuple = ()
    line: int = 0


@attrs.frozen
class RubricItem:
    """How one indicator is scored.

    Attributes:
        indicator: the id of a ``[[targets]]`` indicator (its measure and kinds are used).
        weight: the points for meeting the unit's target in full; fewer in proportion.
        cap: the most points the item gives, however far the target is passed.
        target: the target of units that set none in ``[[units]]``; ``None`` when each must.
    """

    indicator: str
    weight: float
    cap: float
    target: float | None = None
    key: tuple = attrs.field(default=(), repr=False)
    line: int = attrs.field(default=0, repr=False)


@attrs.frozen
class Bonus:
    """Points given (or, when negative, taken) by hand, with the reason the sheet prints."""

    unit: str
    points: float
    reason: str
    key: tuple = attrs.field(default=(), repr=False)
    line: int = attrs.field(default=0, repr=False)


@attrs.frozen
class Rubric:
    """The scoring rubric: items, hand-entered bonus points, and rewards by rank.

    Attributes:
        title: the score sheet's title (``"2027年度乡镇科普工作考核得分表"``); empty for the
            default.
    """

    items: tuple[RubricItem, ...]
    bonus: tuple[Bonus, ...] = ()
    rewards: tuple[float | str, ...] = ()
    title: str = ""

    def reward(self, rank: int | None) -> float | str | None:
        """The reward of ``rank`` (1 is first), or ``None``."""
        if rank is None or rank > len(self.rewards):
            return None
        return self.rewards[rank - 1]


def read_units(
    reader: TableReader, lines: KeyLines, indicators: Sequence[str]
) -> tuple[tuple[UnitTargets, ...], Rubric | None]:
    """Read ``[[units]]`` and ``[rubric]`` of a target file into records.

    ``indicators`` are the ids of its ``[[targets]]``; problems go to ``reader`` with their keys.
    """
    units = []
    seen: set[str] = set()
    for index, table in enumerate(reader.tables("units")):
        name = (table.text("name", required=True) or "").strip()
        if name and name in seen:
            table.error("name", f"unit {name!r} is listed twice")
        seen.add(name)
        targets = {}
        given = table.table("targets")
        for key in indicators:
            value = given.number(key)
            if value is not None and value <= 0:
                given.error(key, f"must be more than 0, got {value:g}")
            elif value is not None:
                targets[key] = value
        given.finish()
        table.finish()
        if name:
            key = ("units", index)
            units.append(UnitTargets(name, targets, key, lines.line_of((*key, "name"))))
    if not reader.has("rubric"):
        return tuple(units), None
    return tuple(units), _rubric(reader.table("rubric"), lines, indicators)


def _rubric(table: TableReader, lines: KeyLines, indicators: Sequence[str]) -> Rubric:
    title = (table.text("title", "") or "").strip()
    items = []
    scored: set[str] = set()
    item_tables = table.tables("items", required=True)
    if not item_tables and isinstance(table.raw("items"), list):
        table.error("items", "list at least one [[rubric.items]]")
    for item in item_tables:
        indicator = item.text("indicator", required=True)
        if indicator is not None and indicator not in indicators:
            hint = _hint(indicator, indicators, "indicators")
            item.error("indicator", f"no indicator {indicator!r}{hint}")
            indicator = None
        elif indicator in scored:
            item.error("indicator", f"{indicator!r} is scored twice")
        weight = item.number("weight", required=True, minimum=0)
        if weight == 0:
            item.error("weight", "must be more than 0 (leave out an item that gives no points)")
            weight = None
        cap = item.number("cap", weight, minimum=0)
        if weight is not None and cap is not None and cap < weight:
            item.error("cap", f"must be at least the weight ({weight:g}), got {cap:g}")
        target = item.number("target")
        if target is not None and target <= 0:
            item.error("target", f"must be more than 0, got {target:g}")
        item.finish()
        if indicator and weight is not None and cap is not None:
            scored.add(indicator)
            line = lines.line_of((*item.path, "indicator"))
            items.append(RubricItem(indicator, weight, cap, target, item.path, line))
    bonus = []
    for entry in table.tables("bonus"):
        unit = (entry.text("unit", required=True) or "").strip()
        points = entry.number("points", required=True)
        reason = entry.text("reason", required=True)
        if points == 0:
            entry.error("points", "must not be 0")
        entry.finish()
        if unit and points and reason:
            line = lines.line_of((*entry.path, "unit"))
            bonus.append(Bonus(unit, points, reason, entry.path, line))
    rewards = []
    raw_rewards = table.raw("rewards", [])
    if not isinstance(raw_rewards, list):
        table.error("rewards", "expected a list, by rank, like [1000, 800, 600]")
        raw_rewards = []
    for index, reward in enumerate(raw_rewards):
        if isinstance(reward, bool) or not isinstance(reward, int | float | str):
            table.error(("rewards", index), f"expected an amount or a text, got {reward!r}")
        elif isinstance(reward, str) and not reward.strip():
            table.error(("rewards", index), "must not be empty")
        elif not isinstance(reward, str) and reward < 0:
            table.error(("rewards", index), f"must be at least 0, got {reward:g}")
        else:
            rewards.append(reward)
    table.finish()
    return Rubric(tuple(items), tuple(bonus), tuple(rewards), title)


def _hint(word: str, choices: Sequence[str], what: str) -> str:
    return suggest(word, choices) or f"; {what}: {', '.join(choices) or 'none'}"


def ranks(totals: Sequence[float]) -> list[int]:
    """Competition ranks of ``totals``: equal totals share a rank, the next is skipped."""
    return [1 + sum(other > total for other in totals) for total in totals]


def points(rubric_item: RubricItem, actual: float, target: float) -> float:
    """The points of one item: ``weight × actual ÷ target``, at most ``cap``, to 2 decimals."""
    return round(min(rubric_item.weight * actual / target, rubric_item.cap), 2)


def score(
    events: Sequence[tuple[Event, Mapping[str, float]]],
    indicators: Sequence[str],
    units: Sequence[UnitTargets],
    rubric: Rubric,
    path: Path | None,
    lang: str = "zh",
) -> tuple[dict, list[str]]:
    """Score every unit: its events' figures, points per item, total, rank and reward.

    ``events`` are ``(event, figures)`` pairs, the figures being the event's value of each of
    the ``indicators`` (ids); ``units`` and ``rubric`` come from the target file at ``path``.
    Returns the ``units`` list ``--json`` prints with the ``scoring`` details beside it, and
    warnings in ``lang``. An event naming a unit the file does not list, a bonus for a unit not
    in the roll-up and a unit without a target for a scored item are errors naming file, line
    and key.
    """
    groups, apart, problems = _grouped(events, units)
    if not groups and not problems:
        raise UsageError(
            f'{path}: nothing to score: no event names its unit (unit = "..." at the top of '
            "event.toml) and the file lists no [[units]]"
        )
    for entry in rubric.bonus:
        if entry.unit not in groups:
            hint = _hint(entry.unit, list(groups), "units")
            message = f"no unit {entry.unit!r} in this roll-up{hint}"
            problems.append(
                LocatedProblem(path, entry.line, Problem((*entry.key, "unit"), message))
            )
    targets = _unit_targets(list(groups), units, rubric, path, problems)
    if problems:
        raise EventFileError(problems)

    warnings = [
        pick(
            lang,
            f"{name}：本次汇总中没有该单位承办的活动，各项得分为0",
            f"unit {name}: no event of this roll-up names it; it scores 0",
        )
        for name, held in groups.items()
        if not held
    ]
    if apart:
        names = [event.folder.name for event, _figures in apart]  # the events' ids
        warnings.append(
            pick(
                lang,
                f"{len(apart)}项活动未注明承办单位（unit），单独汇总，不参加排名：{'、'.join(names)}",
                f"events without a unit ({len(apart)}), added up apart and not ranked: "
                + ", ".join(names),
            )
        )
    rows = []
    for name, held in groups.items():
        figures = _added_up(held, indicators)
        scored = {
            item.indicator: points(item, figures[item.indicator], targets[name][item.indicator])
            for item in rubric.items
        }
        if rubric.bonus:
            given = [entry.points for entry in rubric.bonus if entry.unit == name]
            scored["bonus"] = round(float(sum(given)), 2)
        total = round(sum(scored.values()), 2)
        rows.append({"unit": name, "figures": figures, "points": scored, "total": total})
    for row, rank in zip(rows, ranks([row["total"] for row in rows]), strict=True):
        row["rank"] = rank
        row["reward"] = rubric.reward(rank)
    details = {
        "title": rubric.title,
        "items": [_public(item) for item in rubric.items],
        "bonus": [_public(entry) for entry in rubric.bonus],
        "rewards": list(rubric.rewards),
        "ties": TIES,
        "targets": targets,
        "events": {name: [str(e.folder) for e, _f in held] for name, held in groups.items()},
        "no_unit": {
            "events": [str(event.folder) for event, _figures in apart],
            "figures": _added_up(apart, indicators),
        }
        if apart
        else None,
    }
    # Python's sort is stable: tied units keep the target file's order, then the events'.
    return {"units": sorted(rows, key=lambda row: row["rank"]), "scoring": details}, warnings


def _grouped(events, units: Sequence[UnitTargets]) -> tuple[dict, list, list[LocatedProblem]]:
    """The events by unit (listed units first, even without events), those naming none, and
    the events naming a unit the target file does not list."""
    from kexie_events.eventfile import locate

    listed = [unit.name for unit in units]
    groups: dict[str, list] = {name: [] for name in listed}
    apart, problems = [], []
    for event, figures in events:
        if not event.unit:
            apart.append((event, figures))
        elif listed and event.unit not in listed:
            hint = _hint(event.unit, listed, "units")
            message = f"unit {event.unit!r} is not listed in the target file{hint}"
            problems += locate(event, [Problem(("unit",), message)])
        else:
            groups.setdefault(event.unit, []).append((event, figures))
    return groups, apart, problems


def _unit_targets(
    names: list[str],
    units: Sequence[UnitTargets],
    rubric: Rubric,
    path: Path | None,
    problems: list[LocatedProblem],
) -> dict[str, dict[str, float]]:
    """Each unit's targets: its own, else the rubric item's; a scored item with neither is a
    problem, located where the target should be written."""
    own = {unit.name: unit for unit in units}
    targets: dict[str, dict[str, float]] = {}
    for name in names:
        targets[name] = dict(own[name].targets) if name in own else {}
        for item in rubric.items:
            if item.indicator in targets[name]:
                continue
            if item.target is not None:
                targets[name][item.indicator] = item.target
            elif name in own:
                message = f"no target for {item.indicator!r}, which the rubric scores"
                problem = Problem((*own[name].key, "targets"), message)
                problems.append(LocatedProblem(path, own[name].line, problem))
            else:
                message = (
                    f"unit {name!r} has no target for {item.indicator!r}: give `target` here "
                    "or list the unit under [[units]] with its targets"
                )
                problem = Problem((*item.key, "target"), message)
                problems.append(LocatedProblem(path, item.line, problem))
    return targets


def _added_up(held: list, indicators: Sequence[str]) -> dict[str, float]:
    added = {}
    for key in indicators:
        total = sum(figures[key] for _event, figures in held)
        added[key] = round(total, 2) if isinstance(total, float) else total
    return added


def _public(record) -> dict:
    return attrs.asdict(record, filter=lambda field, _value: field.name not in ("key", "line"))
