"""The console's year roll-up: the events an organiser may see, added up against a targets file.

Mount :func:`routes` in the console's app (behind :class:`~.auth.ConsoleAuth`):

- ``GET  /console/rollup``: the events to add up (those the organiser may see, never another),
  the upload of a targets file, and the organiser's last roll-up with its downloads.
- ``POST /console/rollup`` (``multipart/form-data``: ``csrf`` first, ``event`` repeated, the
  file ``targets``, optional): what ``kexie rollup DIR... --targets FILE`` does; 303 back, or
  422 with the targets file's problems (line and key) beside the upload field.
- ``GET  /console/rollup/files/{path}``: a file of that roll-up.

Each organiser's roll-up is written to ``ROOT/rollups/{key}/`` (replaced whole, as ``kexie
rollup --out`` replaces its folder) with ``ROOT/rollups/{key}.json`` beside it: whose it is,
which events it adds up and its figures. It is shown, and its files served, only to that
organiser and only while they may still see every one of those events.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tempfile
import threading
import tomllib
from pathlib import Path
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kexie_events.errors import EventFileError, KexieError, Problem
from kexie_events.eventfile import EVENT_FILE
from kexie_events.i18n import count_text, decimal_text
from kexie_events.plugins import Plugins
from kexie_events.store import now

from . import files
from .accounts import Organiser
from .auth import csrf_token, organiser_of, require_event
from .day_pages import format_label, no_file, page, problem_lines, when
from .day_words import WORDS
from .problem_words import DID_YOU_MEAN, suggestion
from .root import Root

#: The folder of ROOT that holds every organiser's last roll-up.
ROLLUP_FOLDER = "rollups"
#: The largest targets file taken (a year's targets are a few hundred bytes).
TARGETS_LIMIT = 1024 * 1024
PATH = "/console/rollup"
_YEAR_WARNING = re.compile(
    r"(?P<folder>.+): the event is in (?P<event>\d+), the targets are for (?P<targets>\d+)"
)


class RollupProblems(Exception):
    """A roll-up that was not made: ``{field: [lines]}`` to show beside the fields."""

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        super().__init__("; ".join(line for lines in problems.values() for line in lines))


def _key(organiser: Organiser) -> str:
    """The name of an organiser's roll-up files: their name hashed, safe whatever the name."""
    return hashlib.sha256(organiser.name.encode()).hexdigest()[:16]


def visible_events(root: Root, organiser: Organiser) -> dict[str, Path]:
    """The events of ``root`` the organiser may see, by id."""
    return {id_: folder for id_, folder in root.events().items() if organiser.may_see(id_)}


def event_titles(events: dict[str, Path]) -> dict[str, str]:
    """Each event's title, read from its file without checking the rest (a broken file still
    has its title); the event's id when there is none to read."""
    titles = {}
    for event_id, folder in events.items():
        try:
            title = tomllib.loads((folder / EVENT_FILE).read_text(encoding="utf-8-sig"))["title"]
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError):
            title = None
        titles[event_id] = title.strip() if isinstance(title, str) and title.strip() else event_id
    return titles


def read_targets(data: bytes, name: str, lang: str):
    """The targets file uploaded as ``data`` (named ``name``), checked as ``kexie rollup
    --targets`` checks it; :class:`RollupProblems` with its errors by line and key."""
    from kexie_events import rollup

    words = WORDS[lang]
    if len(data) > TARGETS_LIMIT:
        raise RollupProblems({"targets": [words["targets_too_large"]]})
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")  # Notepad's byte-order mark
    except UnicodeDecodeError:
        raise RollupProblems({"targets": [words["targets_not_text"]]}) from None
    with tempfile.TemporaryDirectory(prefix="kexie-targets-") as folder:
        path = Path(folder) / "targets.toml"
        path.write_text(text, encoding="utf-8")
        try:
            return rollup.read_targets(path)
        except EventFileError as error:
            raise RollupProblems({"targets": _problems(error, lang, name)}) from None


_MEASURE = re.compile(r"expected attendance, events, .* got '(?P<got>.*)'")
_AUDIENCE = re.compile(r"no audience '(?P<got>[^']*)'; groups: (?P<groups>.*)")
_UNREPORTED = re.compile(r"no event in this roll-up reports '(?P<got>[^']*)'.*")


# The scoring rubric's checks (kexie_events.scoring), with the hint they may end with: a
# suggestion (", did you mean 'x'?") or what there is ("; units: a, b").
_HINT = r"(?:" + DID_YOU_MEAN + r"|; \w+: (?P<listed>.*))?"
_SCORING = (
    (re.compile(r"unit '(?P<got>[^']*)' is listed twice"), "单位“{got}”列了两次"),
    (re.compile(r"no indicator '(?P<got>[^']*)'" + _HINT), "没有指标“{got}”{hint}"),
    (re.compile(r"'(?P<got>[^']*)' is scored twice"), "指标“{got}”计了两次分"),
    (
        re.compile(r"must be at least the weight \((?P<weight>[^)]*)\), got (?P<got>.*)"),
        "封顶分不能低于权重分（{weight}分），这里是{got}",
    ),
    (re.compile(r"must be more than 0, got (?P<got>.*)"), "应大于0，这里是{got}"),
    (re.compile(r"must be at least 0, got (?P<got>.*)"), "不能小于0，这里是{got}"),
    (re.compile(r"expected an amount or a text, got (?P<got>.*)"), "应填写金额或文字"),
    (
        re.compile(r"no unit '(?P<got>[^']*)' in this roll-up" + _HINT),
        "本次汇总的活动中没有单位“{got}”{hint}",
    ),
    (
        re.compile(r"unit '(?P<got>[^']*)' is not listed in the target file" + _HINT),
        "承办单位“{got}”不在指标文件的单位名单（[[units]]）中{hint}",
    ),
    (
        re.compile(r"no target for '(?P<got>[^']*)', which the rubric scores"),
        "评分细则给指标“{got}”计分，但这里没有它的目标值",
    ),
    (
        re.compile(r"unit '(?P<unit>[^']*)' has no target for '(?P<got>[^']*)'.*"),
        "单位“{unit}”没有指标“{got}”的目标值：请在这里填写 target，或在 [[units]] 中为该单位"
        "填写各项目标",
    ),
)


def targets_text(problem: Problem, lang: str) -> str | None:
    """The roll-up's own checks of a targets file in Chinese (``None``: not one of them)."""
    if lang != "zh":
        return None
    message = problem.message
    if found := _MEASURE.fullmatch(message):
        return (
            f"无法识别的统计口径“{found['got']}”；可以写 attendance（人次）、events（活动数）、"
            "sessions（场次）、audience.人群 或 figure.插件.数字"
        )
    if found := _AUDIENCE.fullmatch(message):
        return f"没有人群“{found['got']}”；可以写：{found['groups']}"
    if found := _UNREPORTED.fullmatch(message):
        return f"参加汇总的活动都没有“{found['got']}”这项数字（请检查拼写）"
    for pattern, words in _SCORING:
        if found := pattern.fullmatch(message):
            values = found.groupdict()
            hint = suggestion(found) if "close" in values else ""  # patterns with a hint
            if values.get("listed"):
                hint = f"；现有：{values['listed'].replace(', ', '、')}"
            return words.format(**{**values, "hint": hint})
    return None


def _problems(error: EventFileError, lang: str, name: str) -> list[str]:
    lines = problem_lines(error.problems, lang, file=name, say=targets_text)
    return [WORDS[lang]["targets_errors"].format(count=len(lines)), *lines]


def make_rollup(
    root: Root, plugins: Plugins, organiser: Organiser, chosen: list[str], targets, name: str
) -> None:
    """Add up the ``chosen`` events against ``targets`` as ``kexie rollup`` does, and keep the
    result as the organiser's last roll-up. Every chosen event must be one they may see."""
    from kexie_events import rollup

    lang = organiser.lang
    events = root.events()
    folders = [events[event_id] for event_id in chosen]
    by_unit = targets is not None and targets.rubric is not None  # kexie rollup --by unit
    try:
        result = rollup.rollup(folders, plugins, targets, by_unit=by_unit)
    except EventFileError as error:
        raise RollupProblems(_event_problems(error, lang, events, name)) from None
    except KexieError as error:
        raise RollupProblems({"form": [WORDS[lang]["rollup_failed"], str(error)]}) from None
    key = _key(organiser)
    base = root.folder / ROLLUP_FOLDER
    rollup.write(result, base / key, tuple(folders))
    record = {
        "organiser": organiser.name,
        "events": chosen,
        "targets": name,
        "built_at": now().isoformat(),
        "result": result,
    }
    text = json.dumps(record, ensure_ascii=False, indent=2, default=str)
    (base / f"{key}.json").write_text(text + "\n", encoding="utf-8")


def _event_problems(
    error: EventFileError, lang: str, events: dict[str, Path], targets_name: str
) -> dict[str, list[str]]:
    """The problems of a failed roll-up: the targets file's (a measure no event reports), or
    an event file's."""
    words = WORDS[lang]
    by_folder = {folder.resolve(): event_id for event_id, folder in events.items()}
    first = error.problems[0].path if error.problems else None
    event_id = by_folder.get(Path(first).resolve().parent) if first else None
    if event_id is None:
        return {"targets": _problems(error, lang, targets_name)}
    lines = problem_lines(error.problems, lang, say=targets_text)
    return {"form": [words["rollup_event_broken"].format(event=event_id), *lines]}


def last_rollup(root: Root, organiser: Organiser) -> dict | None:
    """The organiser's last roll-up, while they may still see every event it adds up."""
    path = root.folder / ROLLUP_FOLDER / f"{_key(organiser)}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("organiser") != organiser.name:
        return None
    events = record.get("events")
    if not isinstance(events, list) or not all(organiser.may_see(str(e)) for e in events):
        return None
    return record


def _shown(record: dict, organiser: Organiser, tz: dt.tzinfo | None) -> dict:
    """What the page shows of a roll-up: its figures and files, in the organiser's words."""
    lang = organiser.lang
    result = record["result"]
    totals = result["totals"]
    indicators = [
        {
            "name": item["name"],
            "target": decimal_text(item["target"], 2),
            "actual": decimal_text(item["actual"], 2),
            "progress": "" if item["progress"] is None else f"{decimal_text(item['progress'])}%",
            "events": item["events"],
        }
        for item in result["indicators"]
    ]
    built = dt.datetime.fromisoformat(record["built_at"])
    if result.get("events"):  # the clock of the events added up (the county's)
        tz = dt.datetime.fromisoformat(result["events"][0]["start"]).tzinfo
    return {
        "title": result["title"],
        "summary": WORDS[lang]["rollup_built"].format(
            time=when(built, lang, tz),
            events=count_text(totals["events"], lang),
            people=count_text(totals["attendance"], lang),
        ),
        "indicators": indicators,
        "warnings": [_warning(text, lang) for text in result.get("warnings", ())],
        "scores": _scores(result),
    }


def _scores(result: dict) -> dict | None:
    """The units' scores and ranks (``kexie rollup --by unit``), when the targets file has a
    ``[rubric]``: its title, the table's header and rows."""
    from kexie_events import score_sheet

    if "units" not in result:
        return None
    header, rows = score_sheet.points_table(result)
    return {"title": score_sheet.sheet_title(result), "header": header, "rows": rows}


def _warning(text: str, lang: str) -> str:
    """A roll-up warning in the organiser's words, the event named by its id, not its path."""
    found = _YEAR_WARNING.fullmatch(text)
    if found is None:
        return text
    event = Path(found["folder"]).name
    if lang == "zh":
        return f"活动“{event}”在{found['event']}年举行，指标文件是{found['targets']}年的。"
    return f"“{event}” is in {found['event']}, the targets are for {found['targets']}."


def _file_label(name: str, lang: str) -> str:
    """A roll-up file in words: its kind, and for the score sheet's files what they are."""
    label = format_label(name, lang)
    if name.startswith("scores."):
        return WORDS[lang]["scores_file"].format(label=label)
    return label


def _folder(root_folder: Path, organiser: Organiser) -> Path:
    return root_folder / ROLLUP_FOLDER / _key(organiser)


class _Pages:
    """The handlers of :func:`routes`."""

    def __init__(self, root: Root, plugins: Plugins):
        self.root = root
        self.plugins = plugins
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def _values(self, organiser: Organiser, **changes) -> dict:
        record = last_rollup(self.root, organiser)
        shown = None
        if record is not None:
            # The server's own clock: a county's server keeps the county's time.
            shown = _shown(record, organiser, None)
            names = files.listing(_folder(self.root.folder, organiser))
            first = ("rollup.html", "rollup.docx", "rollup.xlsx", "scores.html", "scores.docx")
            order = {name: index for index, name in enumerate((*first, "scores.csv"))}
            names = sorted(names, key=lambda name: (order.get(name, len(order)), name))
            shown["files"] = [
                (_file_label(name, organiser.lang), quote(name, safe="/"))
                for name in names
                if name != "build-info.json"
            ]
        visible = visible_events(self.root, organiser)
        return {
            "events": list(event_titles(visible).items()),
            "chosen": list(visible),
            "rollup": shown,
            "problems": {},
            **changes,
        }

    async def page(self, request: Request) -> Response:
        organiser = organiser_of(request)
        values = await run_in_threadpool(self._values, organiser)
        return _page(request, organiser, values)

    async def run(self, request: Request) -> Response:
        organiser = organiser_of(request)
        lang = organiser.lang
        async with request.form(max_files=1, max_fields=1000) as form:
            chosen = [str(value) for value in form.getlist("event")]
            upload = form.get("targets")
            data, name = b"", ""
            if isinstance(upload, UploadFile) and upload.filename:
                data = await upload.read(TARGETS_LIMIT + 1)
                name = files.file_name(Path(upload.filename).name, "", "targets.toml")
        for event_id in chosen:
            require_event(request, event_id)  # never an event the organiser may not see

        def make() -> None:
            problems: dict[str, list[str]] = {}
            known = self.root.events()
            if not chosen or any(event_id not in known for event_id in chosen):
                problems["event"] = [WORDS[lang]["rollup_no_events"]]
            targets = None
            if name:
                try:
                    targets = read_targets(data, name, lang)
                except RollupProblems as error:
                    problems.update(error.problems)
            if problems:
                raise RollupProblems(problems)
            with self._lock(organiser):
                make_rollup(self.root, self.plugins, organiser, chosen, targets, name)

        try:
            await run_in_threadpool(make)
        except RollupProblems as error:
            values = await run_in_threadpool(
                self._values, organiser, chosen=chosen, problems=error.problems
            )
            return _page(request, organiser, values, 422)
        return RedirectResponse(PATH, status_code=303)

    def _lock(self, organiser: Organiser) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(organiser.name, threading.Lock())

    async def file(self, request: Request) -> Response:
        organiser = organiser_of(request)
        record = await run_in_threadpool(last_rollup, self.root, organiser)
        if record is None:
            return no_file(organiser.lang)
        folder = _folder(self.root.folder, organiser)
        relative = request.path_params["path"]
        found = files.inside(folder, relative)
        if found is None:
            return no_file(organiser.lang)
        title = str(record.get("result", {}).get("title") or "")
        return files.file_response(found, files.file_name(title, found.suffix, found.name))


def _page(request: Request, organiser: Organiser, values: dict, status: int = 200) -> Response:
    return page(
        "docs/rollup.html",
        organiser.lang,
        status,
        csrf=csrf_token(request),
        organiser=organiser,
        **values,
    )


def routes(root: Root, plugins: Plugins) -> list[Route]:
    """The roll-up's routes (see the module's text) over the events of ``root``."""
    handlers = _Pages(root, plugins)
    return [
        Route(PATH, handlers.page, methods=["GET"]),
        Route(PATH, handlers.run, methods=["POST"]),
        Route(f"{PATH}/files/{{path:path}}", handlers.file, methods=["GET"]),
    ]
