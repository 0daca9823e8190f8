"""Shared fixtures: events made from the real templates, the CLI, and temporary plugins."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import postgres
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
    "youth-contest",
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
        stores.append(event_store(folder))
        return stores[-1]

    yield open_store
    for store in stores:
        store.close()


def event_store(folder: Path, plugins: Plugins | None = None) -> EventStore:
    """The store of the event in ``folder``, wherever the run keeps it (``event.db``, or the
    test's PostgreSQL database), with every plugin's tables, opened the way the commands open
    it (:func:`~kexie_events.store.open_event_store`). Close it when done."""
    from kexie_events.eventfile import load_event
    from kexie_events.store import open_event_store

    plugins = plugins or Plugins.load(environ={})
    return open_event_store(load_event(folder, plugins), plugins)


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


def console_login(app, accounts, name: str, page: str = "/console/", **account):
    """A browser logged in to the console of ``app`` as ``name`` (an account added with
    ``account``: ``role``, ``events``), and the CSRF token of its session, read from ``page``.
    """
    from starlette.testclient import TestClient

    link = accounts.add(name, by="县科协", **account)
    browser = TestClient(app, follow_redirects=False)
    answer = browser.post("/console/login", data={"token": link.token})
    assert answer.status_code == 303, answer.text
    return browser, csrf_in(browser.get(page).text)


def csrf_in(page: str) -> str:
    """The CSRF token a console page's forms carry."""
    return page.split('name="csrf" value="')[1].split('"')[0]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """``kexie serve`` in a real process on 127.0.0.1, stopped at the end of the test.

    ``folder`` is its ROOT (a folder, or a database's address); ``options`` go on its command
    line."""

    def __init__(self, folder: Path | str, *, https: bool = False, options: tuple = ()):
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
            *options,
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


# PostgreSQL: with KEXIE_TEST_DATABASE_URL set (see scripts/throwaway-postgres), every test gets
# a fresh database of its own in KEXIE_DATABASE_URL; without it, the run is on SQLite.


def pytest_configure(config):
    """Register the ``sqlite_only`` marker."""
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): run on SQLite even when the run uses PostgreSQL "
        "(KEXIE_TEST_DATABASE_URL); the reason says why, e.g. 'checks the bytes of event.db'",
    )


def pytest_report_header(config):
    """Say which database backend the run uses."""
    url = os.environ.get(postgres.SERVER_VARIABLE)
    if url:
        return (
            f"database backend: PostgreSQL, a fresh database per test on "
            f"{postgres.without_password(url)} (tests marked sqlite_only: SQLite)"
        )
    return f"database backend: SQLite (for PostgreSQL: {postgres.how_to_run()})"


@pytest.fixture(scope="session")
def postgres_server():
    """The run's PostgreSQL server (``KEXIE_TEST_DATABASE_URL``), or ``None`` on SQLite runs.

    A server that cannot be reached stops the run at the first test, with the reason.
    """
    url = os.environ.get(postgres.SERVER_VARIABLE)
    if not url:
        yield None
        return
    server = postgres.Server(url)
    try:
        server.check()
    except Exception as error:
        pytest.exit(
            f"{postgres.SERVER_VARIABLE}={postgres.without_password(url)}: cannot connect: {error}",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
    yield server
    server.close()


@pytest.fixture(autouse=True)
def per_test_database(request, environment_kept, monkeypatch, postgres_server):
    """Every test's database: its URL, or ``None`` when the test runs on SQLite.

    On PostgreSQL runs, a new empty database is made for each test and put in
    ``KEXIE_DATABASE_URL`` (so the product, and ``kexie serve`` processes, use it); it is dropped
    afterwards. Tests marked ``sqlite_only`` and SQLite runs get ``KEXIE_DATABASE_URL`` removed,
    so a developer's own setting never reaches the tests.
    """
    monkeypatch.delenv(postgres.PRODUCT_VARIABLE, raising=False)
    marker = request.node.get_closest_marker("sqlite_only")
    if marker is not None:
        reason = marker.kwargs.get("reason", marker.args[0] if marker.args else None)
        if not isinstance(reason, str) or not reason.strip():
            pytest.fail(
                "@pytest.mark.sqlite_only needs a reason, e.g. "
                '@pytest.mark.sqlite_only("checks the bytes of event.db")',
                pytrace=False,
            )
    if marker is not None or postgres_server is None:
        yield None
        return
    url = postgres_server.create_database()
    monkeypatch.setenv(postgres.PRODUCT_VARIABLE, url)
    try:
        yield url
    finally:
        postgres_server.drop_database(url)


@pytest.fixture
def environment_kept():
    """Fails a test after which ``KEXIE_DATABASE_URL`` is not what it was before it (checked
    once ``monkeypatch`` has undone what the test set): only a server process sets it, for
    itself; changed in the test process, later tests would run on another database."""
    before = os.environ.get(postgres.PRODUCT_VARIABLE)
    yield
    after = os.environ.get(postgres.PRODUCT_VARIABLE)
    if after != before:
        if before is None:
            del os.environ[postgres.PRODUCT_VARIABLE]
        else:
            os.environ[postgres.PRODUCT_VARIABLE] = before
        pytest.fail(f"the test left {postgres.PRODUCT_VARIABLE}={after!r} set", pytrace=False)


@pytest.fixture
def postgres_url(request, postgres_server):
    """A fresh, empty PostgreSQL database for a test that needs PostgreSQL whatever the run.

    The database is the test's own (not the one in ``KEXIE_DATABASE_URL``, which is left as
    it is); the test points the product at it itself, e.g. with ``monkeypatch.setenv``. Skipped,
    saying how to run it, when the run has no PostgreSQL server.
    """
    if postgres_server is None:
        pytest.skip(
            f"needs PostgreSQL ({postgres.SERVER_VARIABLE} is not set); run: "
            + postgres.how_to_run(request.node.nodeid)
        )
    url = postgres_server.create_database()
    try:
        yield url
    finally:
        postgres_server.drop_database(url)
