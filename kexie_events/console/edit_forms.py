"""The console's edit forms: which values of ``event.toml`` each page shows, how what was typed
becomes TOML values, and beside which field each problem of the check belongs.

A form is made from the file as it is (:class:`Source`): one :class:`Field` per value, addressed
by its path in the file, grouped per site, schedule item, volunteer or shift (:class:`Group`),
with one empty group at the end of each list for adding one. Reading a submission
(:func:`read_submission`) turns what was typed into values, with the organiser's mistakes
("not a number") beside their fields, and into :class:`~.eventfile_edit.Edits` holding only
what changed. The check's problems carry the paths of the saved text; :func:`place_problems`
maps them back to the form's fields, across removed and added tables.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zoneinfo
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import attrs

from kexie_events.errors import LocatedProblem
from kexie_events.eventfile import VOLUNTEER_ROLES
from kexie_events.fields import time_zone
from kexie_events.i18n import date_text
from kexie_events.model import SCHEDULE_KINDS, TOP_LEVEL_SECTIONS
from kexie_events.tomlsource import KeyLines

from .edit_words import CHOICE_LABELS, FIELD_LABELS, PLUGIN_KEYS, PLUGIN_NAMES, WORDS
from .eventfile_edit import Edits, Path, comment_at, parse, same_value, value_at

#: The index of a table the form adds (``("sites", NEW, "name")``).
NEW = "new"
#: The zone of times when the file names none that exists.
DEFAULT_ZONE = "Asia/Shanghai"
#: Plugin settings that list site ids: shown as the sites' names to tick.
SITE_LISTS = frozenset({("observation", "sites"), ("display-boards", "no_boards")})
_MOMENT_FORMATS = (
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
)
_DAY_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")
_INTEGER = re.compile(r"[+-]?\d+")


class FieldError(Exception):
    """What was typed into a field cannot be its value; the message says what is expected."""


@attrs.frozen
class Source:
    """The event file a form is made from, read once.

    Attributes:
        text: the file's text.
        document: its tomlkit document (comments and layout).
        data: its values as plain Python (dicts, lists, str, datetime...).
        zone: the event's time zone (times are shown and typed in it).
        lines: the line of every key, for problems shown away from their field.
    """

    text: str
    document: Any
    data: dict
    zone: zoneinfo.ZoneInfo
    lines: KeyLines

    @classmethod
    def of(cls, text: str) -> Source:
        """The source of ``text``; :class:`~.eventfile_edit.TextUnreadable` when not TOML."""
        document = parse(text)
        data = document.unwrap()
        try:
            zone = time_zone(str(data.get("timezone", DEFAULT_ZONE)))
        except ValueError:
            zone = zoneinfo.ZoneInfo(DEFAULT_ZONE)
        return cls(text, document, data, zone, KeyLines(text.removeprefix("\ufeff")))

    @property
    def lang(self) -> str:
        """The event's language (Chinese unless the file says English)."""
        return "en" if self.data.get("lang") == "en" else "zh"

    @property
    def title(self) -> str:
        """The event's title as the file has it."""
        title = self.data.get("title")
        return title if isinstance(title, str) else ""

    def tables(self, key: str, within: Mapping | None = None) -> list[dict]:
        """The tables of the array ``key`` (``[[sites]]``), or none when it is not one."""
        found = (self.data if within is None else within).get(key)
        if not isinstance(found, list):
            return []
        return [item if isinstance(item, dict) else {} for item in found]

    def site_names(self) -> dict[str, str]:
        """Each site's name by its id."""
        names = {}
        for site in self.tables("sites"):
            site_id, name = site.get("id"), site.get("name")
            if isinstance(site_id, str):
                names[site_id] = name if isinstance(name, str) and name else site_id
        return names

    def moment(self, value: Any) -> Any:
        """A date-time of the file as the form shows it: in the event's zone, without one."""
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(self.zone).replace(tzinfo=None)
        return value

    def plugin_sections(self) -> list[tuple[str, Path]]:
        """Every plugin section of the file, ``(plugin, path)``, in the file's order."""
        found = []
        plugins = self.data.get("plugins")
        if isinstance(plugins, dict):
            found += [(n, ("plugins", n)) for n, v in plugins.items() if isinstance(v, dict)]
        found += [
            (name, (name,)) for name in TOP_LEVEL_SECTIONS if isinstance(self.data.get(name), dict)
        ]
        return found


@attrs.frozen
class Field:
    """One value of the file on a form.

    Attributes:
        path: where the value is in the file; an added table's index is :data:`NEW`.
        kind: ``text``, ``longtext``, ``integer``, ``number``, ``boolean``, ``moment`` (date
            and time), ``day``, ``lines`` (a list of texts, one per line), ``choice`` or
            ``choices`` (several of ``choices``).
        label: what the page calls it.
        value: its value in the file (``None`` when the file has none).
        required: the file must have it.
        choices: ``(value, label)`` pairs for ``choice`` and ``choices``.
        default: what the event assumes when the file has no value; typing it in changes
            nothing.
        hint: a line explaining it (the comment beside it in the file, say).
    """

    path: Path
    kind: str
    label: str
    value: Any = None
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    default: Any = None
    hint: str = ""

    @property
    def name(self) -> str:
        """The form field's name: the path joined with dots (``sites.0.capacity``)."""
        return ".".join(str(part) for part in self.path)

    @property
    def html_id(self) -> str:
        """The input's id (the label's ``for``)."""
        return "f-" + re.sub(r"[^\w-]", "_", self.name.replace(".", "-"))

    @property
    def step(self) -> int:
        """Seconds between the times a ``moment`` field offers (seconds only when needed)."""
        value = self.value
        return 1 if isinstance(value, dt.datetime) and value.second else 60

    def shown(self, value: Any = attrs.NOTHING) -> str:
        """``value`` (by default the file's) as the input shows it."""
        value = self.value if value is attrs.NOTHING else value
        if value is None:
            return ""
        if self.kind == "moment" and isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%dT%H:%M:%S" if value.second else "%Y-%m-%dT%H:%M")
        if self.kind == "day" and isinstance(value, dt.date):
            return value.isoformat()
        if self.kind in ("lines", "choices") and isinstance(value, list):
            return "\n".join(str(item) for item in value)
        if self.kind == "boolean":
            return "on" if value else ""
        return str(value)

    def options(self) -> list[str]:
        """The values a ``choice`` or ``choices`` field offers: its choices, and the file's
        value even when it is none of them (so that saving other fields keeps it)."""
        offered = [value for value, _label in self.choices]
        current = self.value if isinstance(self.value, list) else [self.value]
        return offered + [str(v) for v in current if v is not None and str(v) not in offered]

    def said(self, value: Any, lang: str) -> str:
        """``value`` as a sentence shows it (the file's value beside a field, after a
        conflict)."""
        if isinstance(value, dt.datetime):
            return f"{date_text(value.date(), lang)} {value:%H:%M}"
        if isinstance(value, dt.date):
            return date_text(value, lang)
        labels = dict(self.choices)
        if isinstance(value, list):
            separator = "、" if lang == "zh" else ", "
            return separator.join(labels.get(str(item), str(item)) for item in value)
        if isinstance(value, bool):
            return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
        return labels.get(str(value), str(value))

    def read(self, given: Sequence[str], lang: str) -> Any:
        """The value of what was typed (``given``: the submitted values of the field's name);
        ``None`` for nothing. :class:`FieldError` says what is wrong."""
        words = WORDS[lang]
        raw = given[0] if given else ""
        value = self._value(raw, given, words)
        if value is None and self.required:
            raise FieldError(words["required"].format(label=self.label))
        return value

    def _value(self, raw: str, given: Sequence[str], words: Mapping[str, str]) -> Any:
        kind = self.kind
        if kind == "boolean":
            return bool(raw)
        if kind == "choices":
            chosen = [value for value in given if value]
            known = {value for value, _label in self.choices} | set(self.value or ())
            if any(value not in known for value in chosen):
                raise FieldError(words["bad_choice"])
            return [value for value in self.options() if value in chosen] or None
        if kind == "longtext":
            return raw.replace("\r\n", "\n").strip() or None
        if kind == "lines":
            return [line.strip() for line in raw.splitlines() if line.strip()] or None
        text = raw.strip()
        if not text:
            return None
        if kind == "integer":
            compact = re.sub(r"[\s,，]", "", text)
            if not _INTEGER.fullmatch(compact):
                raise FieldError(words["bad_integer"])
            return int(compact)
        if kind == "number":
            compact = re.sub(r"[\s,，]", "", text)
            if _INTEGER.fullmatch(compact):
                return int(compact)
            try:
                number = float(compact)
            except ValueError:
                raise FieldError(words["bad_number"]) from None
            if not math.isfinite(number):
                raise FieldError(words["bad_number"])
            return number
        if kind == "moment":
            return _parsed(text, _MOMENT_FORMATS, words["bad_moment"])
        if kind == "day":
            return _parsed(text, _DAY_FORMATS, words["bad_day"]).date()
        known = {value for value, _label in self.choices}
        if kind == "choice" and text not in known and text != self.value:
            raise FieldError(words["bad_choice"])
        return text

    def changes(self, value: Any) -> bool:
        """Whether writing ``value`` changes what the file says."""
        current = self.default if self.value is None else self.value
        if value is None:
            return self.value is not None
        if current is None:
            return True
        if self.kind == "choices" and isinstance(current, list):
            return set(current) != set(value)  # ticked in the page's order, not the file's
        return not same_value(current, value)


def _parsed(text: str, formats: Sequence[str], message: str) -> dt.datetime:
    for form in formats:
        try:
            return dt.datetime.strptime(text, form)
        except ValueError:
            continue
    raise FieldError(message)


@attrs.frozen
class Group:
    """The fields of one thing on a form: the event, one site, one volunteer, one shift.

    Attributes:
        title: its heading.
        fields: its fields.
        item: the table's path when it is one of a list (``("sites", 0)``; ``("sites",
            NEW)`` for the one to add).
        remove_label: the label of its "remove" box (empty: it cannot be removed here).
        extra: what an added table gets besides its fields (its id).
        groups: the groups inside it (a volunteer's shifts).
        notes: lines shown under its heading.
    """

    title: str
    fields: tuple[Field, ...] = ()
    item: Path | None = None
    remove_label: str = ""
    extra: Mapping[str, Any] = attrs.field(factory=dict)
    groups: tuple[Group, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def is_new(self) -> bool:
        """Whether it is the empty group for adding a table."""
        return self.item is not None and self.item[-1] == NEW

    @property
    def name(self) -> str:
        """Its name: the table's path joined with dots (``sites.0``)."""
        return ".".join(str(part) for part in self.item or ())

    @property
    def remove_name(self) -> str:
        """The name of its "remove" box."""
        return self.name + ".remove"

    @property
    def html_id(self) -> str:
        """The id of its fieldset."""
        return "g-" + re.sub(r"[^\w-]", "_", "-".join(str(p) for p in self.item or ("event",)))


@attrs.frozen
class Form:
    """One page's form.

    Attributes:
        page: which page (``basics``, ``sites``, ``schedule``, ``volunteers``, ``plugin``).
        heading: the page's heading.
        groups: its groups.
        in_editor: parts of the file the form does not show, to change in the text editor:
            ``(label, line)``.
    """

    page: str
    heading: str
    groups: tuple[Group, ...]
    in_editor: tuple[tuple[str, int], ...] = ()

    def all_groups(self) -> Iterator[Group]:
        """Every group, the inner ones after their outer one."""
        stack = list(reversed(self.groups))
        while stack:
            group = stack.pop()
            yield group
            stack.extend(reversed(group.groups))

    def fields(self) -> Iterator[Field]:
        """Every field of every group."""
        for group in self.all_groups():
            yield from group.fields


# --- the forms -----------------------------------------------------------------------------


def _label(lang: str, key: str) -> str:
    return FIELD_LABELS[lang][key]


def basics_form(source: Source, lang: str) -> Form:
    """The title, theme, dates and expected attendance."""
    data, words = source.data, WORDS[lang]
    start, end = source.moment(data.get("start")), source.moment(data.get("end"))
    notes = ()
    if isinstance(start, dt.datetime) and isinstance(end, dt.datetime) and end > start:
        count = (end.date() - start.date()).days + 1
        days = [start.date() + dt.timedelta(days=n) for n in range(count)]
        shown = words["day_separator"].join(date_text(day, lang) for day in days[:7])
        if count > 7:
            shown += "……" if lang == "zh" else "…"
        notes = (words["days"].format(days=shown, count=count),)
    fields = (
        Field(("title",), "text", _label(lang, "title"), data.get("title"), required=True),
        Field(("theme",), "text", _label(lang, "theme"), data.get("theme")),
        Field(("start",), "moment", _label(lang, "start"), start, required=True),
        Field(("end",), "moment", _label(lang, "end"), end, required=True),
        Field(
            ("expected_attendance",),
            "integer",
            _label(lang, "expected_attendance"),
            data.get("expected_attendance"),
        ),
    )
    return Form("basics", words["basics"], (Group(words["basics"], fields, notes=notes),))


def sites_form(source: Source, lang: str) -> Form:
    """Each site's name, capacity, gates and exits; a site to add."""
    words, groups = WORDS[lang], []
    sites = source.tables("sites")
    for index, site in [*enumerate(sites), (NEW, {})]:
        item = ("sites", index)
        fields = (
            Field((*item, "name"), "text", _label(lang, "site.name"), site.get("name"), True),
            Field(
                (*item, "capacity"), "integer", _label(lang, "site.capacity"), site.get("capacity")
            ),
            Field(
                (*item, "gates"),
                "lines",
                _label(lang, "site.gates"),
                site.get("gates"),
                hint=words["lines_hint"],
            ),
            Field(
                (*item, "exits"),
                "lines",
                _label(lang, "site.exits"),
                site.get("exits"),
                hint=words["lines_hint"],
            ),
        )
        if index == NEW:
            taken = {s.get("id") for s in sites}
            extra = {"id": _fresh("site", taken)}
            groups.append(Group(words["add_site"], fields, item, extra=extra))
        else:
            title = _named(site.get("name"), words["site_n"].format(n=index + 1))
            groups.append(Group(title, fields, item, remove_label=words["remove_site"]))
    return Form("sites", words["sites"], tuple(groups))


def schedule_form(source: Source, lang: str) -> Form:
    """Each schedule item's title, times, site, kind and description; an item to add."""
    words, groups = WORDS[lang], []
    items = source.tables("schedule")
    sites = _site_choices(source, words["any_site"])
    kinds = tuple((kind, CHOICE_LABELS[lang]["kind"][kind]) for kind in SCHEDULE_KINDS)
    for index, entry in [*enumerate(items), (NEW, {})]:
        item = ("schedule", index)
        fields = (
            Field((*item, "title"), "text", _label(lang, "item.title"), entry.get("title"), True),
            Field(
                (*item, "start"),
                "moment",
                _label(lang, "start"),
                source.moment(entry.get("start")),
                True,
            ),
            Field(
                (*item, "end"), "moment", _label(lang, "end"), source.moment(entry.get("end")), True
            ),
            Field(
                (*item, "site"),
                "choice",
                _label(lang, "item.site"),
                entry.get("site"),
                choices=sites,
            ),
            Field(
                (*item, "kind"),
                "choice",
                _label(lang, "item.kind"),
                entry.get("kind"),
                choices=kinds,
                default="session",
            ),
            Field(
                (*item, "description"),
                "longtext",
                _label(lang, "item.description"),
                entry.get("description"),
            ),
        )
        if index == NEW:
            taken = {i.get("id") for i in items}
            extra = {"id": _fresh("item", taken)}
            groups.append(Group(words["add_item"], fields, item, extra=extra))
        else:
            title = _named(entry.get("title"), words["item_n"].format(n=index + 1))
            groups.append(Group(title, fields, item, remove_label=words["remove_item"]))
    return Form("schedule", words["schedule"], tuple(groups))


def volunteers_form(source: Source, lang: str) -> Form:
    """Each volunteer's name, role, phone and shifts; a volunteer and a shift to add."""
    words, groups = WORDS[lang], []
    roles = tuple((role, CHOICE_LABELS[lang]["role"][role]) for role in VOLUNTEER_ROLES)
    for index, volunteer in [*enumerate(source.tables("volunteers")), (NEW, {})]:
        item = ("volunteers", index)
        fields = (
            Field(
                (*item, "name"), "text", _label(lang, "volunteer.name"), volunteer.get("name"), True
            ),
            Field(
                (*item, "role"),
                "choice",
                _label(lang, "volunteer.role"),
                volunteer.get("role"),
                choices=roles,
                default="scanner",
            ),
            Field(
                (*item, "phone"), "text", _label(lang, "volunteer.phone"), volunteer.get("phone")
            ),
        )
        shifts = _shift_groups(source, lang, item, source.tables("shifts", volunteer))
        if index == NEW:
            groups.append(Group(words["add_volunteer"], fields, item, groups=shifts))
        else:
            title = _named(volunteer.get("name"), words["volunteer_n"].format(n=index + 1))
            groups.append(
                Group(title, fields, item, remove_label=words["remove_volunteer"], groups=shifts)
            )
    return Form("volunteers", words["volunteers"], tuple(groups))


def _shift_groups(source: Source, lang: str, volunteer: Path, shifts: list[dict]) -> tuple:
    words = WORDS[lang]
    sites = _site_choices(source, words["any_site"])
    gates = _gate_choices(source, words["any_gate"])
    groups = []
    for index, shift in [*enumerate(shifts), (NEW, {})]:
        item = (*volunteer, "shifts", index)
        fields = (
            Field(
                (*item, "start"),
                "moment",
                _label(lang, "start"),
                source.moment(shift.get("start")),
                True,
            ),
            Field(
                (*item, "end"), "moment", _label(lang, "end"), source.moment(shift.get("end")), True
            ),
            Field(
                (*item, "site"),
                "choice",
                _label(lang, "shift.site"),
                shift.get("site"),
                choices=sites,
            ),
            Field(
                (*item, "gate"),
                "choice",
                _label(lang, "shift.gate"),
                shift.get("gate"),
                choices=gates,
            ),
            Field((*item, "duty"), "text", _label(lang, "shift.duty"), shift.get("duty")),
        )
        if index == NEW:
            groups.append(Group(words["add_shift"], fields, item))
        else:
            title = words["shift_n"].format(n=index + 1)
            groups.append(Group(title, fields, item, remove_label=words["remove_shift"]))
    return tuple(groups)


def plugin_form(source: Source, plugin: str, lang: str) -> Form | None:
    """The settings of one plugin's section, a field per value of the kinds a form can show;
    ``None`` when the file has no such section."""
    path = dict(source.plugin_sections()).get(plugin)
    if path is None:
        return None
    section = value_at(source.data, path)
    known = PLUGIN_KEYS[lang].get(plugin, {})
    sites = tuple(source.site_names().items())
    fields, in_editor = [], []
    for key, value in section.items():
        where = (*path, key)
        label = known.get(key) or comment_at(source.document, where) or key
        hint = comment_at(source.document, where) if key in known else ""
        if hint == label:
            hint = ""
        kind = _kind_of(value, (plugin, key), sites)
        if kind is None:
            in_editor.append((label, source.lines.line_of(where)))
            continue
        shown = source.moment(value) if kind == "moment" else value
        choices = sites if kind == "choices" else ()
        fields.append(Field(where, kind, label, shown, choices=choices, hint=hint))
    heading = PLUGIN_NAMES[lang].get(plugin, plugin)
    return Form("plugin", heading, (Group(heading, tuple(fields)),), tuple(in_editor))


def plugin_title(plugin: str, lang: str) -> str:
    """What the pages call ``plugin``."""
    return PLUGIN_NAMES[lang].get(plugin, plugin)


def _kind_of(value: Any, setting: tuple[str, str], sites: tuple) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "longtext" if "\n" in value or len(value) > 80 else "text"
    if isinstance(value, dt.datetime):
        return "moment"
    if isinstance(value, dt.date):
        return "day"
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        ids = {site_id for site_id, _name in sites}
        if setting in SITE_LISTS or (value and ids and set(value) <= ids):
            return "choices"
        return "lines"
    return None


def _named(name: Any, fallback: str) -> str:
    return name if isinstance(name, str) and name.strip() else fallback


def _fresh(prefix: str, taken: set) -> str:
    number = 1
    while f"{prefix}-{number}" in taken:
        number += 1
    return f"{prefix}-{number}"


def _site_choices(source: Source, anywhere: str) -> tuple[tuple[str, str], ...]:
    return (("", anywhere), *source.site_names().items())


def _gate_choices(source: Source, anywhere: str) -> tuple[tuple[str, str], ...]:
    where: dict[str, list[str]] = {}
    for site in source.tables("sites"):
        gates = site.get("gates")
        for gate in gates if isinstance(gates, list) else ():
            if isinstance(gate, str):
                where.setdefault(gate, []).append(_named(site.get("name"), str(site.get("id"))))
    choices = [("", anywhere)]
    for gate, sites in where.items():
        choices.append((gate, f"{gate}（{'、'.join(sites)}）"))
    return tuple(choices)


# --- a submission --------------------------------------------------------------------------


@attrs.frozen
class Submission:
    """What was sent with a form, read.

    Attributes:
        given: what was typed, by field name (each name's values), to show again.
        errors: the organiser's mistakes, by field name.
        edits: what to change in the file (only what differs from it).
        changed: the keys changed, as ``sites[0].capacity`` (for the journal).
        removed: the names of the groups ticked for removal.
    """

    given: Mapping[str, Sequence[str]]
    errors: Mapping[str, tuple[str, ...]]
    edits: Edits
    changed: tuple[str, ...]
    removed: frozenset[str]


def read_submission(form: Form, given: Mapping[str, Sequence[str]], lang: str) -> Submission:
    """Read what was sent (``given``: every name's values) against ``form``.

    An added group left empty adds nothing; one with anything typed in must be complete. A
    group ticked for removal is removed, whatever its fields say.
    """
    errors: dict[str, tuple[str, ...]] = {}
    values: dict[Path, Any] = {}
    added: dict[Path, list[dict]] = {}
    removed: dict[Path, list[int]] = {}
    ticked = set()
    changed = []

    def read(field: Field) -> Any:
        try:
            return field.read(given.get(field.name, ()), lang)
        except FieldError as error:
            errors[field.name] = (str(error),)
            return None

    def visit(group: Group, into: dict | None) -> None:
        if group.is_new:
            if not typed_in(group, given):
                return
            table = {**group.extra}
            for field in group.fields:
                table[field.path[-1]] = read(field)
            for inner in group.groups:
                visit(inner, table)
            array = group.item[:-1]
            if into is not None:
                into.setdefault(array[-1], []).append(table)
            else:
                added.setdefault(array, []).append(table)
                changed.append(_dotted(array))
            return
        if group.item is not None and given.get(group.remove_name):
            ticked.add(group.remove_name)
            removed.setdefault(group.item[:-1], []).append(group.item[-1])
            changed.append(_dotted(group.item))
            return
        for field in group.fields:
            value = read(field)
            if field.name not in errors and field.changes(value):
                values[field.path] = value
                changed.append(_dotted(field.path))
        for inner in group.groups:
            visit(inner, None)

    for group in form.groups:
        visit(group, None)
    edits = Edits(values, {k: v for k, v in added.items()}, removed)
    return Submission(given, errors, edits, tuple(changed), frozenset(ticked))


def typed_in(group: Group, given: Mapping[str, Sequence[str]] | None) -> bool:
    """Whether anything was typed into ``group`` (an added group left empty adds nothing; a
    list left at what it offers first is left empty)."""
    return given is not None and any(
        _typed(field, given.get(field.name, ())) for field in _fields_within(group)
    )


def _typed(field: Field, values: Sequence[str]) -> bool:
    untouched = str(field.default) if field.default is not None else ""
    return any(value.strip() and value != untouched for value in values)


def _fields_within(group: Group) -> Iterator[Field]:
    yield from group.fields
    for inner in group.groups:
        yield from _fields_within(inner)


def _dotted(path: Path) -> str:
    text = ""
    for part in path:
        text += (
            f"[{part}]"
            if isinstance(part, int) or part == NEW
            else (f".{part}" if text else str(part))
        )
    return text


# --- problems beside their fields ------------------------------------------------------------


@attrs.frozen
class Placed:
    """The check's problems, where the form shows them.

    Attributes:
        by_field: problems of a field, by the field's name.
        by_group: problems of a whole site, item or volunteer, by the group's item name.
        elsewhere: problems of values this form does not show.
    """

    by_field: Mapping[str, tuple[LocatedProblem, ...]]
    by_group: Mapping[str, tuple[LocatedProblem, ...]]
    elsewhere: tuple[LocatedProblem, ...]


def place_problems(
    form: Form, problems: Sequence[LocatedProblem], source: Source, edits: Edits
) -> Placed:
    """Each problem beside the field (or group) it names, in the form's own indexes.

    The problems' keys are paths in the text that was checked, where tables were added and
    removed; they are mapped back to the file the form was made from.
    """
    fields = {field.path: field.name for field in form.fields()}
    groups = {group.item: group.name for group in form.all_groups() if group.item}
    by_field: dict[str, list] = {}
    by_group: dict[str, list] = {}
    elsewhere = []
    for located in problems:
        path = _form_path(located.problem.key, source.data, edits)
        target = _longest(path, fields)
        if target is not None:
            by_field.setdefault(fields[target], []).append(located)
            continue
        target = _longest(path, groups)
        if target is not None:
            by_group.setdefault(groups[target], []).append(located)
            continue
        elsewhere.append(located)
    return Placed(
        {k: tuple(v) for k, v in by_field.items()},
        {k: tuple(v) for k, v in by_group.items()},
        tuple(elsewhere),
    )


def _longest(path: Path, known: Mapping[Path, Any]) -> Path | None:
    for depth in range(len(path), 0, -1):
        if path[:depth] in known:
            return path[:depth]
    return None


def _form_path(path: Path, data: Mapping, edits: Edits) -> Path:
    """``path`` in the checked text as a path in the file the form was made from.

    An index past the tables kept of an array is the table the form added (:data:`NEW`).
    """
    out: list[Any] = []
    index = 0
    while index < len(path):
        out.append(path[index])
        following = path[index + 1] if index + 1 < len(path) else None
        if isinstance(following, int) and not isinstance(following, bool):
            array = tuple(out)
            had = value_at(data, array) if NEW not in array else []
            count = len(had) if isinstance(had, list) else 0
            gone = set(edits.removed.get(array, ()))
            kept = [n for n in range(count) if n not in gone]
            out.append(kept[following] if following < len(kept) else NEW)
            index += 2
            continue
        index += 1
    return tuple(out)
