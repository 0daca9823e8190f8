"""Ready-made events: list them and copy one into a new event folder (``kexie new``)."""

from __future__ import annotations

import re
from importlib.resources.abc import Traversable
from pathlib import Path

from kexie_events.errors import UsageError
from kexie_events.fields import suggest
from kexie_events.plugins import Plugins
from kexie_events.records import EventTemplate

_LANG_SUFFIX = re.compile(r"\.(zh|en)(?=\.[^.]+$)")


def available(plugins: Plugins) -> dict[str, EventTemplate]:
    """Every template the plugins offer, by name (a name offered twice is a plugin error)."""
    records = plugins.collect("kexie_event_templates", EventTemplate, unique_by="name")
    return {t.name: t for t in sorted(records, key=lambda t: t.name)}


def find(plugins: Plugins, name: str) -> EventTemplate:
    """The template called ``name``, or an error listing the ones there are."""
    templates = available(plugins)
    if name not in templates:
        hint = suggest(name, list(templates)) or "; templates: " + ", ".join(templates)
        raise UsageError(f"no template {name!r}{hint}")
    return templates[name]


def create(template: EventTemplate, folder: Path, lang: str) -> list[Path]:
    """Copy ``template`` into ``folder`` in ``lang``; refuse to touch an existing event.

    Files named ``NAME.LANG.EXT`` are copied only for the chosen language, as ``NAME.EXT``;
    ``template.toml`` (the template's own description) is not copied. Returns the files written.
    """
    if lang not in template.languages:
        raise UsageError(
            f"template {template.name!r} comes in {', '.join(template.languages)}, not {lang!r}"
        )
    if (folder / "event.toml").exists():
        raise UsageError(f"{folder} already holds an event (event.toml); choose another folder")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} exists and is not a folder")
    written: list[Path] = []
    folder.mkdir(parents=True, exist_ok=True)
    _copy(template.folder, folder, lang, written, top=True)
    return written


def _copy(source: Traversable, target: Path, lang: str, written: list[Path], top: bool) -> None:
    for entry in sorted(source.iterdir(), key=lambda e: e.name):
        name = entry.name
        if name.startswith((".", "__")) or (top and name == "template.toml"):
            continue
        if entry.is_dir():
            (target / name).mkdir(exist_ok=True)
            _copy(entry, target / name, lang, written, top=False)
            continue
        match = _LANG_SUFFIX.search(name)
        if match:
            if match.group(1) != lang:
                continue
            name = name[: match.start()] + name[match.end() :]
        destination = target / name
        destination.write_bytes(entry.read_bytes())
        written.append(destination)
