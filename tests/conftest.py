"""Shared fixtures: events made from the real templates, the CLI, and temporary plugins."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kexie_events.cli import cli
from kexie_events.plugins import Plugins
from kexie_events.store import EventStore
from kexie_events.templates import create, find

TEMPLATES = ("solar-eclipse-observation", "science-day", "lecture-tour")


@pytest.fixture
def plugins() -> Plugins:
    """The installed plugins, freshly loaded."""
    return Plugins.load(environ={})


@pytest.fixture
def register(plugins):
    """Register plugin objects for one test; they are unregistered afterwards."""
    names = []

    def register(plugin: object, name: str) -> object:
        plugins.register(plugin, name, "test")
        plugins.check_pending()
        names.append(name)
        return plugin

    try:
        yield register
    finally:
        for name in names:
            plugins.unregister(name)


@pytest.fixture
def make_event(tmp_path, plugins):
    """Create an event folder from a template, as ``kexie new`` does; returns its path."""

    def make(template: str = "solar-eclipse-observation", lang: str = "zh") -> Path:
        folder = tmp_path / f"{template}-{lang}"
        create(find(plugins, template), folder, lang)
        return folder

    return make


@pytest.fixture
def run(plugins):
    """Run a ``kexie`` command in-process with the test's plugins; returns the click result."""
    runner = CliRunner()

    def run(*args: str, **kwargs):
        return runner.invoke(cli, [str(a) for a in args], obj={"plugins": plugins}, **kwargs)

    return run


@pytest.fixture
def open_store():
    """Open an event's store; closed at the end of the test."""
    stores = []

    def open_store(folder: Path) -> EventStore:
        stores.append(EventStore.open(folder / "event.db"))
        return stores[-1]

    yield open_store
    for store in stores:
        store.close()


def edit(folder: Path, old: str, new: str, count: int = 1) -> None:
    """Replace text in an event file, failing loudly if the text is not there."""
    path = folder / "event.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(folder: Path, text: str) -> int:
    """The 1-based line number of the first line containing ``text``."""
    for number, line in enumerate((folder / "event.toml").read_text().splitlines(), 1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not found")


def copy_tree(source: Path, target: Path) -> Path:
    """Copy a folder (for tests that need two variants of one event)."""
    shutil.copytree(source, target)
    return target
