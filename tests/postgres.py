"""A fresh PostgreSQL database for each test, on the server named by ``KEXIE_TEST_DATABASE_URL``.

The server is usually a throwaway cluster from ``scripts/throwaway-postgres``, which is also the
library to use for a test that needs a cluster of its own (:func:`throwaway_postgres`).
psycopg is imported only when a server is used, so the SQLite runs do not need it.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import secrets
import shlex
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

#: The environment variable naming the test server: a SQLAlchemy URL of a database on it.
SERVER_VARIABLE = "KEXIE_TEST_DATABASE_URL"
#: The environment variable the product reads; each test's database is put there.
PRODUCT_VARIABLE = "KEXIE_DATABASE_URL"
#: The prefix of the databases made for tests, so that leftovers are recognisable.
DATABASE_PREFIX = "kexie_t_"
#: The script that starts and stops a throwaway cluster.
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "throwaway-postgres"


def how_to_run(tests: str = "") -> str:
    """The shell commands that run ``tests`` (a pytest node id or path) on PostgreSQL."""
    return (
        'eval "$(scripts/throwaway-postgres start)" && '
        f"python -m pytest {shlex.quote(tests or 'tests')}; "
        'scripts/throwaway-postgres stop "$KEXIE_TEST_POSTGRES_DIR"'
    )


def libpq_url(url: str) -> str:
    """``url`` (SQLAlchemy, ``postgresql+psycopg://``) as psycopg's own ``connect`` takes it."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def with_database(url: str, database: str) -> str:
    """``url`` pointing at ``database`` on the same server."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def database_name(url: str) -> str:
    """The database a URL points at."""
    return urlsplit(url).path.lstrip("/")


def without_password(url: str) -> str:
    """``url`` safe to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class Server:
    """The PostgreSQL server at ``url``; makes and drops databases for tests.

    Keeps one autocommit connection to ``url``'s database for ``CREATE``/``DROP DATABASE``, and
    reconnects if it was lost.
    """

    def __init__(self, url: str):
        self.url = url
        self._connection = None

    def _admin(self):
        import psycopg

        if self._connection is None or self._connection.closed or self._connection.broken:
            self._connection = psycopg.connect(libpq_url(self.url), autocommit=True)
        return self._connection

    def check(self) -> None:
        """Raise psycopg's error if the server cannot be reached."""
        self._admin().execute("SELECT 1")

    def create_database(self) -> str:
        """Create an empty database with a new random name; returns its SQLAlchemy URL."""
        from psycopg import sql

        name = DATABASE_PREFIX + secrets.token_hex(6)
        self._admin().execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return with_database(self.url, name)

    def drop_database(self, url: str) -> None:
        """Drop the database at ``url``, disconnecting whoever is still connected to it."""
        from psycopg import sql

        statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        self._admin().execute(statement.format(sql.Identifier(database_name(url))))

    def close(self) -> None:
        """Close the connection used for creating and dropping."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def throwaway_postgres():
    """``scripts/throwaway-postgres`` as a module: ``create_cluster()``, ``Cluster``."""
    name = "throwaway_postgres"
    if name not in sys.modules:
        loader = importlib.machinery.SourceFileLoader(name, str(SCRIPT))
        module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
        sys.modules[name] = module
        loader.exec_module(module)
    return sys.modules[name]
