"""The PostgreSQL test infrastructure: the throwaway cluster and the per-test databases."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import postgres
import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Names of the per-test databases seen so far in this run, in order.
seen_databases: list[str] = []


def connect(url: str):
    """An autocommit psycopg connection to a SQLAlchemy ``postgresql+psycopg://`` URL."""
    psycopg = pytest.importorskip("psycopg")
    return psycopg.connect(postgres.libpq_url(url), autocommit=True)


def user_tables(connection) -> list[str]:
    """The tables and views in a database that are not PostgreSQL's own."""
    rows = connection.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
    )
    return [row[0] for row in rows]


def databases_on(url: str) -> set[str]:
    """The names of the databases on the server of ``url``."""
    with connect(url) as connection:
        return {row[0] for row in connection.execute("SELECT datname FROM pg_database")}


@pytest.mark.parametrize("turn", ["first", "second"])
def test_each_test_has_a_fresh_empty_database_of_its_own(turn, per_test_database, request):
    if per_test_database is None:
        pytest.skip(f"needs PostgreSQL; run: {postgres.how_to_run(request.node.nodeid)}")
    assert os.environ["KEXIE_DATABASE_URL"] == per_test_database
    name = postgres.database_name(per_test_database)
    assert name.startswith(postgres.DATABASE_PREFIX)
    assert name not in seen_databases
    with connect(per_test_database) as connection:
        assert connection.execute("SELECT current_database()").fetchone()[0] == name
        assert user_tables(connection) == []
        # Left behind on purpose: the other turn must not see it.
        connection.execute("CREATE TABLE left_behind (id integer)")
    # Databases of finished tests are dropped, not left on the server.
    assert databases_on(per_test_database).isdisjoint(seen_databases)
    seen_databases.append(name)


@pytest.mark.sqlite_only("checks that the marker keeps the test on SQLite")
def test_sqlite_only_tests_have_no_database_url(per_test_database):
    assert per_test_database is None
    assert "KEXIE_DATABASE_URL" not in os.environ


def test_postgres_url_is_a_fresh_empty_database(postgres_url, per_test_database):
    assert postgres_url != per_test_database
    assert os.environ.get("KEXIE_DATABASE_URL") == per_test_database
    with connect(postgres_url) as connection:
        assert connection.execute("SELECT current_database()").fetchone()[0] == (
            postgres.database_name(postgres_url)
        )
        assert user_tables(connection) == []


def test_without_a_server_postgres_tests_skip_saying_how_to_run_them():
    test = "tests/test_postgres_infra.py::test_postgres_url_is_a_fresh_empty_database"
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("KEXIE_TEST_DATABASE_URL", "KEXIE_DATABASE_URL")
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", test, "-rs", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=dict(environment, COLUMNS="400"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "database backend: SQLite" in result.stdout
    assert "1 skipped" in result.stdout
    how_to = 'eval "$(scripts/throwaway-postgres start)" && python -m pytest ' + test
    assert how_to in result.stdout


def test_throwaway_cluster_starts_and_stops_without_leaving_anything():
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("needs Debian's postgresql package (apt-get install postgresql)")
    script = str(ROOT / "scripts" / "throwaway-postgres")
    started = subprocess.run(
        [script, "start"], capture_output=True, text=True, timeout=120, check=True
    )
    exported = dict(shlex.split(line)[1].split("=", 1) for line in started.stdout.splitlines())
    url = exported["KEXIE_TEST_DATABASE_URL"]
    directory = Path(exported["KEXIE_TEST_POSTGRES_DIR"])
    try:
        assert url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
        with connect(url) as connection:
            assert connection.execute("SHOW fsync").fetchone()[0] == "on"
            assert int(connection.execute("SHOW max_connections").fetchone()[0]) >= 200
            assert connection.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
        server_pid = int((directory / "data" / "postmaster.pid").read_text().split()[0])
    finally:
        stopped = subprocess.run(
            [script, "stop", str(directory)], capture_output=True, text=True, timeout=120
        )
    assert stopped.returncode == 0, stopped.stderr
    assert not directory.exists()
    assert not running(server_pid)


def running(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie nobody reaped does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
