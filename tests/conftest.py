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

TEMPLATES = (
    "solar-eclipse-observation",
    "science-day",
    "lecture-tour",
    "lunar-eclipse-night",
    "meteor-shower-night",
)


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


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """``kexie serve`` in a real process on 127.0.0.1, stopped at the end of the test."""

    def __init__(self, folder: Path, *, https: bool = False):
        import subprocess
        import sys

        self.port = free_port()
        self.url = f"{'https' if https else 'http'}://127.0.0.1:{self.port}"
        command = [
            sys.executable,
            "-m",
            "kexie_events",
            "serve",
            str(folder),
            "--port",
            str(self.port),
        ]
        self.process = subprocess.Popen(
            [*command, "--https"] if https else command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        # Readiness only; tests that care about the certificate check it themselves.
        self._wait_until_ready(verify=not https)

    def _wait_until_ready(self, timeout: float = 30.0, verify: bool = True) -> None:
        # Readiness is a condition we poll (the port answers), bounded by a deadline.
        import time

        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stderr.read().decode()}")
            try:
                httpx.get(self.url + "/api/v1/me", timeout=1.0, verify=verify)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("server did not start")

    def kill(self) -> None:
        """SIGKILL: no chance to flush or clean up, like a power cut."""
        import signal

        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except Exception:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def live_server():
    """Start servers for event folders; every one is stopped after the test."""
    servers = []

    def start(folder: Path, **options) -> LiveServer:
        servers.append(LiveServer(folder, **options))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser():
    """Debian's chromium driven by playwright; CI (KEXIE_REQUIRE_BROWSER=1) fails without it."""
    import os

    if not Path(CHROMIUM).exists():
        if os.environ.get("KEXIE_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()
