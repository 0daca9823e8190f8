"""Eclipse glasses: stock, allocations to units, the on-site handout plan, and handouts.

Stock can never go negative: a handout that would take more pairs than are left is refused,
inside the same transaction that would record it.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from pathlib import Path

import attrs

from kexie_events.csv_export import csv_bytes
from kexie_events.errors import KexieError, Problem, UsageError
from kexie_events.fields import TableReader, suggest
from kexie_events.i18n import pick
from kexie_events.model import Event
from kexie_events.store import EventStore, now
from kexie_events.table_import import (
    Column,
    ImportProblem,
    ImportRefused,
    is_workbook,
    read_table,
)
from kexie_events.xlsx_export import workbook_bytes
from kexie_plugins.eclipse_glasses import ledger

NAME = "eclipse-glasses"
DEFAULT_ALLOCATIONS = "glasses-allocations.csv"


@attrs.frozen
class Allocation:
    """Pairs set aside for a school, agency or township to collect before the day."""

    line: int
    name: str
    contact: str
    pairs: int


@attrs.frozen
class GlassesPlan:
    """The stock and where it is meant to go: ``[plugins.eclipse-glasses]`` as read, which the
    plugin's hooks get as ``config``.

    Attributes:
        onsite_people: people expected to get glasses at the gates.
        onsite_planned: pairs for them, with pairs per person and the safety margin.
        per_gate: the on-site pairs split over the gates, ``{gate: pairs}``.
        allocations_problems: what is wrong in the allocations file, one line each (its
            good rows are in ``allocations``); reported by ``kexie check``.
        allocations_warnings: what is odd in it.
    """

    stock: int
    pairs_per_person: float
    safety_margin: float
    allocations: tuple[Allocation, ...]
    onsite_people: int
    onsite_planned: int
    per_gate: dict[str, int]
    allocations_file: str
    allocations_problems: tuple[str, ...] = ()
    allocations_warnings: tuple[str, ...] = ()

    @property
    def allocated(self) -> int:
        """Pairs allocated to units."""
        return sum(a.pairs for a in self.allocations)

    @property
    def need(self) -> int:
        """Planned need: allocations plus the on-site handouts."""
        return self.allocated + self.onsite_planned

    @property
    def shortfall(self) -> int:
        """Pairs missing to cover the plan (0 when the stock suffices)."""
        return max(0, self.need - self.stock)


ALLOCATION_COLUMNS = (
    Column("name", ("单位名称", "单位", "学校", "unit")),
    Column("contact", ("联系人",)),
    Column("phone", ("电话", "联系电话", "手机")),
    Column("pairs", ("数量", "副数", "数量（副）")),
)
MAX_PAIRS = 1_000_000


@attrs.frozen
class AllocationsFile:
    """A file of units as read: the units, every problem (with its line), the warnings and
    the notes (how the file was read)."""

    units: tuple[Allocation, ...]
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...] = ()


def read_allocations(path: Path, *, sheet: str | None = None, lang: str = "en") -> AllocationsFile:
    """Units from a CSV or workbook (name, contact, phone, pairs, or 单位名称, 联系人, 电话,
    数量), read strictly (see :mod:`kexie_events.table_import`); every bad row is reported with
    its line, in ``lang``. A phone column is added to the contact (``王老师 13910002000``)."""
    if not path.exists():
        missing = ImportProblem(path, None, pick(lang, "没有这个文件", "no such file"))
        return AllocationsFile((), (missing,), ())
    table = read_table(
        path,
        columns=ALLOCATION_COLUMNS,
        required=("name", "pairs"),
        unique=("name",),
        sheet=sheet,
        lang=lang,
    )
    units, problems = [], list(table.problems)
    for row in table.rows:
        name, raw = row.values["name"], row.values["pairs"]
        contact = " ".join(v for v in (row.values["contact"], row.values["phone"]) if v)
        if not name:
            empty = pick(lang, "单位名称是空的", "the unit's name is empty")
            problems.append(table.at(row.line, empty, "name"))
        elif not raw:
            empty = pick(lang, f"“{name}”没有填写数量", f"pairs for {name!r} are missing")
            problems.append(table.at(row.line, empty, "pairs"))
        elif not re.fullmatch(r"[0-9]+", raw):
            not_whole = pick(
                lang,
                f"“{name}”的数量应为整数，这里是“{raw}”",
                f"pairs for {name!r} must be a whole number, got {raw!r}",
            )
            problems.append(table.at(row.line, not_whole, "pairs"))
        elif int(raw) > MAX_PAIRS:
            too_many = pick(
                lang,
                f"“{name}”的数量{raw}超过了{MAX_PAIRS:,}",
                f"pairs for {name!r}: {raw} is more than {MAX_PAIRS:,}",
            )
            problems.append(table.at(row.line, too_many, "pairs"))
        else:
            units.append(Allocation(row.line, name, contact, int(raw)))
    return AllocationsFile(tuple(units), tuple(problems), table.warnings, table.notes)


def _split(total: int, gates: list[str]) -> dict[str, int]:
    if not gates:
        return {}
    share, extra = divmod(total, len(gates))
    return {gate: share + (1 if index < extra else 0) for index, gate in enumerate(gates)}


def read_plan(reader: TableReader, event: Event) -> GlassesPlan:
    """The glasses plan of the event, from its section and its allocations file.

    Problems in the section go to ``reader``; the allocations file's are kept in the plan
    (:func:`allocation_problems`), so that an event whose file is broken still loads for
    ``kexie glasses import`` to replace it.
    """
    stock = reader.integer("stock", 0, required=True)
    per_person = reader.number("pairs_per_person", 1.0, minimum=0, maximum=10)
    margin = reader.number("safety_margin", 0.05, minimum=0, maximum=1)
    onsite_people = reader.integer("onsite_people", event.expected_attendance)
    file_name = reader.text("allocations", DEFAULT_ALLOCATIONS) or DEFAULT_ALLOCATIONS
    path = event.folder / file_name
    found = AllocationsFile((), (), ())
    if path.exists() or reader.has("allocations"):
        found = read_allocations(path)
    onsite = math.ceil(onsite_people * per_person * (1 + margin))
    gates = [
        g
        for site in event.sites
        if site.kind in ("plaza", "field", "school", "community", "village")
        for g in site.gates
    ]
    gates = gates or [g for site in event.sites for g in site.gates]
    shares = reader.table("per_gate")
    per_gate = {}
    for gate in shares.names():
        pairs = shares.integer(gate)
        if gate not in {g for s in event.sites for g in s.gates}:
            shares.error(gate, f"no gate {gate!r}{suggest(gate, gates)}")
        elif pairs is not None:
            per_gate[gate] = pairs
    if per_gate and sum(per_gate.values()) != onsite:
        shares.warning(
            (),
            pick(
                event.lang,
                f"各入口计划合计{sum(per_gate.values())}副，与现场计划{onsite}副不一致",
                f"the gates' shares add up to {sum(per_gate.values())}, "
                f"the on-site plan is {onsite}",
            ),
        )
    return GlassesPlan(
        stock,
        per_person,
        margin,
        found.units,
        onsite_people,
        onsite,
        per_gate or _split(onsite, gates),
        file_name,
        found.problems,
        found.warnings,
    )


def allocation_problems(plan: GlassesPlan) -> list[Problem]:
    """The allocations file's problems (errors and warnings), at the section's ``allocations``
    key: every bad row with its line."""
    key = ("plugins", NAME, "allocations")
    return [Problem(key, error) for error in plan.allocations_problems] + [
        Problem(key, warning, "warning") for warning in plan.allocations_warnings
    ]


def import_allocations(
    event: Event, plan: GlassesPlan, source: Path, *, sheet: str | None = None, lang: str = "en"
) -> tuple[AllocationsFile, bool]:
    """Check a file of units and make it the event's allocations, all or nothing.

    A file of the kind the event's file is (CSV, or a workbook's first sheet) is copied as it
    is; otherwise its units are written in that kind, with the columns name, contact, pairs.
    Returns what was read and whether the event's file changed (importing the file that is
    already the event's changes nothing). What is wrong with the file is said in ``lang``.
    """
    found = read_allocations(source, sheet=sheet, lang=lang)
    if found.problems:
        raise ImportRefused(found.problems)
    if not found.units:
        raise ImportRefused(
            [ImportProblem(source, None, pick(lang, "文件中没有单位", "no units in the file"))]
        )
    target = event.folder / plan.allocations_file
    if is_workbook(source) == is_workbook(target) and sheet is None:
        data = source.read_bytes()
    else:
        header = ("name", "contact", "pairs")
        rows = [(unit.name, unit.contact, unit.pairs) for unit in found.units]
        if is_workbook(target):
            data = workbook_bytes([("allocations", header, rows)])
        else:
            data = csv_bytes(header, rows)
    if target.exists() and target.read_bytes() == data:
        return found, False
    # A name of its own for the new file, so that no other file is overwritten on the way.
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".new")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(name, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return found, True


def hand_out(
    event: Event,
    store: EventStore,
    plan: GlassesPlan,
    pairs: int,
    *,
    by: str,
    gate: str | None = None,
    unit: str | None = None,
    site: str | None = None,
) -> int:
    """Record pairs handed out at a gate or collected by a unit; return the pairs left."""
    if pairs < 1:
        raise UsageError("pairs must be at least 1")
    if (gate is None) == (unit is None):
        raise UsageError("say either the gate (on site) or the unit (collected beforehand)")
    if unit is not None and unit not in {a.name for a in plan.allocations}:
        names = [a.name for a in plan.allocations]
        raise UsageError(f"no unit {unit!r} in {plan.allocations_file}{suggest(unit, names)}")
    if gate is not None and gate not in {g for s in event.sites for g in s.gates}:
        raise UsageError(f"no gate {gate!r}")
    try:
        return ledger.hand_out(
            store,
            stock=plan.stock,
            pairs=pairs,
            at=now().astimezone(event.tz),
            by=by,
            unit=unit,
            gate=gate,
            site=site,
        )
    except ledger.OutOfStock as short:
        raise KexieError(
            pick(
                event.lang,
                f"库存不足：只剩{short.left}副，不能发放{pairs}副",
                f"not enough glasses: {short.left} pairs left, cannot hand out {pairs}",
            )
        ) from None
