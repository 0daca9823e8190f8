"""What the kit, report, roll-up and on-the-day pages share: their words, problems with their
line, files that are not there, and times as people read them.

The pages speak the organiser's language (chosen in the console); what the event's own checks
say (a count out of range, a gate that does not exist) comes in the event's language.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

from starlette.responses import HTMLResponse, PlainTextResponse

from kexie_events.errors import LocatedProblem, Problem
from kexie_events.i18n import moment_text

from . import pages
from .day_words import WORDS

#: Answers that show what the event holds now are never cached.
NO_STORE = {"Cache-Control": "no-store"}


def render(template: str, lang: str, **values) -> str:
    """``template`` rendered in ``lang`` with the login pages' words ``t`` and these ``w``."""
    return pages.render(template, lang, w=WORDS[lang], **values)


def page(template: str, lang: str, status_code: int = 200, **values) -> HTMLResponse:
    """:func:`render` as an uncached HTML response."""
    return HTMLResponse(render(template, lang, **values), status_code, headers=NO_STORE)


def problem_lines(
    problems: Iterable[LocatedProblem],
    lang: str,
    file: str | None = None,
    say: Callable[[Problem, str], str | None] | None = None,
) -> list[str]:
    """Each error as ``event.toml 第12行，sites[0].capacity：...`` (warnings left out).

    The core words its checks in English for the terminal; a Chinese page says them in
    Chinese: ``say`` first (a page's own messages; ``None`` when it does not know one), then
    :func:`~.problem_words.problem_text`. ``file`` names the file instead of the path the
    problem carries (an upload read from a temporary copy).
    """
    from .problem_words import problem_text

    words = WORDS[lang]
    lines = []
    for located in problems:
        problem = located.problem
        if problem.severity != "error":
            continue
        values = {
            "file": file or (Path(located.path).name if located.path else ""),
            "line": located.line,
            "key": problem.dotted_key,
            "message": (say and say(problem, lang)) or problem_text(problem, lang),
        }
        lines.append(
            words["problem_line" if problem.key else "problem_line_nokey"].format(**values)
        )
    return lines


def no_file(lang: str) -> PlainTextResponse:
    """The answer for a file that is not there (or not served): 404."""
    return PlainTextResponse(WORDS[lang]["no_file"], 404, headers=NO_STORE)


def when(moment: dt.datetime, lang: str, tz) -> str:
    """``2035年9月2日 10:30``: a moment on the event's clock, as the page shows it."""
    return moment_text(moment.astimezone(tz), lang)


def built_at(folder: Path) -> dt.datetime | None:
    """When the command that wrote ``folder`` finished, from its ``build-info.json``."""
    info = build_info(folder)
    try:
        return dt.datetime.fromisoformat(info["built_at"])
    except (KeyError, TypeError, ValueError):
        return None


def build_info(folder: Path) -> dict:
    """The ``build-info.json`` a kit, report or roll-up folder holds (empty when none)."""
    from kexie_events.output import BUILD_INFO

    try:
        info = json.loads((folder / BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def format_label(path: str, lang: str) -> str:
    """What kind of file ``path`` is, in words: 网页（可打印）, Word, 日历..."""
    words = WORDS[lang]
    suffix = PurePosixPath(path).suffix.lower().lstrip(".")
    return words.get(f"format_{suffix}", words["format_other"])
