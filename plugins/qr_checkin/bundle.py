"""Offline scanning: a scanner bundle for a laptop with no network, and merging its journal.

A bundle is one SQLite file with the event's public key, the ticket numbers with their site
and audience, the revocations, and an empty journal: no private key, no names, no phone numbers.
``kexie checkin`` records into the bundle's own journal; ``kexie journal merge`` copies the
journals into the event store. Scans are identified by ``scan_id``, so merging twice adds
nothing, and who counts as admitted is derived (earliest admission wins), so the order of
merges does not matter.

``kexie bundle DIR OUT`` never writes over a file it did not make: an existing OUT is replaced
only when it is an earlier bundle of the same event whose every scan is in the event already
(:func:`check_replaceable`), and the new bundle is written under a name of its own and moved
to OUT only if nothing appeared there meanwhile.

A bundle comes back from outside, so it is read with care:

- SQLite never opens the file given to ``merge`` (or to ``checkin`` before it is known to be a
  bundle): a private copy is read, with its write-ahead log when one lies beside it (a laptop
  that lost power keeps its last scans there). Opening a file read-only is not enough: SQLite
  creates ``-wal`` and ``-shm`` files beside a WAL database even then.
- A file that is not SQLite, an SQLite file without the bundle's tables, a bundle of another
  event or made with another ticket key is refused with a message naming it.
- Every journal row is checked (:mod:`~kexie_plugins.qr_checkin.journal_rules`) before
  anything is written; one bad row refuses its bundle whole, and the merge writes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs
from sqlalchemy.engine import Connection

from kexie_events import inputs
from kexie_events.errors import KexieError, UsageError
from kexie_events.fields import time_zone
from kexie_events.model import LANGUAGES, Event
from kexie_events.store import EventStore, StoreUnavailable, now
from kexie_plugins.qr_checkin import bundle_format, ledger
from kexie_plugins.qr_checkin.admission import RULES, Gatekeeper
from kexie_plugins.qr_checkin.bundle_format import FORMAT
from kexie_plugins.qr_checkin.codes import Verifier
from kexie_plugins.qr_checkin.config import config_of
from kexie_plugins.qr_checkin.journal_rules import JournalRules, outside_event, parse_time
from kexie_plugins.qr_checkin.ledger import ON_SITE_DEVICES
from kexie_plugins.qr_checkin.tickets import PUBLIC_KEY

SQLITE_HEADER = b"SQLite format 3\x00"
REQUIRED_META = (
    "format",
    "event_id",
    "event_title",
    PUBLIC_KEY,
    "admission",
    "timezone",
    "lang",
    "device",
    "sites",
)
COLUMNS = {
    "meta": ("key", "value"),
    "qr_tickets": ("number", "site", "audience"),
    "qr_revocations": ("number", "at"),
    "qr_scans": (
        "id",
        "scan_id",
        "code",
        "ticket",
        "result",
        "reason",
        "admit_key",
        "gate",
        "site",
        "at",
        "by",
        "device",
        "response",
    ),
    "qr_headcounts": ("id", "scan_id", "gate", "site", "audience", "delta", "at", "by", "device"),
}
MAX_SHOWN = 20
"""Problems listed per refused bundle; the rest are counted."""


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    return db


@attrs.frozen
class Written:
    """A bundle written: how many tickets it holds, and whether it replaced an earlier one."""

    tickets: int
    replaced: bool


def write(event: Event, store: EventStore, out: Path, *, device: str) -> Written:
    """Write a bundle for ``device`` to ``out``.

    ``out`` is replaced only when it is an earlier bundle of this event whose scans are all
    merged into the event (:func:`check_replaceable`); any other file there is left as it is
    and :class:`UsageError` says why. The bundle is written under a name of its own beside
    ``out`` and moved there at the end, so a failure leaves ``out`` as it was.
    """
    device = inputs.text(device, "device", lang="en", limit=inputs.NAME_LIMIT)
    if device in ON_SITE_DEVICES:
        raise UsageError(f"--device {device!r} is reserved for the event's own records")
    public = store.meta(PUBLIC_KEY)
    if public is None:
        raise KexieError("no tickets issued yet: kexie tickets issue DIR --count N")
    earlier = check_replaceable(out, store) if out.exists() or out.is_symlink() else None
    try:
        handle, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".partial")
    except OSError as error:
        raise UsageError(f"{out}: cannot write there: {error.strerror or error}") from None
    os.close(handle)
    partial = Path(name)
    os.chmod(partial, 0o644)  # as SQLite would make it: a bundle holds no secret
    try:
        count = _fill(partial, event, store, public, device)
        _install(partial, out, earlier)
    finally:
        for path in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            path.unlink(missing_ok=True)
    return Written(count, earlier is not None)


def _fill(path: Path, event: Event, store: EventStore, public: str, device: str) -> int:
    """Write the bundle's tables into the empty SQLite file ``path``; return its tickets."""
    meta = {
        "format": FORMAT,
        "event_id": store.event_id,
        "event_title": event.title,
        PUBLIC_KEY: public,
        "admission": config_of(event).admission,
        "timezone": event.timezone,
        "lang": event.lang,
        "device": device,
        "created_at": now().isoformat(),
        "sites": json.dumps({s.id: list(s.gates) for s in event.sites}, ensure_ascii=False),
        # So that the laptop refuses scans no merge would take (a clock set wrong).
        "starts_at": event.start.isoformat(),
        "ends_at": event.end.isoformat(),
    }
    with store.reading() as events:
        tickets = ledger.bundle_tickets(events)
        revocations = ledger.revocation_rows(events)
    db = _connect(path)
    try:
        bundle_format.create(db, meta, tickets, revocations)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    return len(tickets)


def check_replaceable(out: Path, store: EventStore) -> tuple:
    """Check that the existing ``out`` may be replaced by a new bundle, or raise
    :class:`UsageError` saying why not.

    Only a bundle of this event (a derived file) may be replaced, and only when every scan and
    head count in it, its write-ahead log included, is in the event already: overwriting
    unmerged scans would lose admissions. Returns the file's stamp, to see that nobody
    writes to it before it is replaced.
    """
    keep = "it was left as it is: name another file for the new bundle"
    if out.is_dir():
        raise UsageError(f"{out} is a folder; name a file for the bundle")
    if not out.exists():
        raise UsageError(f"{out} is a link to a missing file; {keep}")
    stamp = _stamp(out, Path(f"{out}-wal"))
    try:
        journal = read_journal(out)
    except UsageError as error:
        raise UsageError(f"{error}; {keep}") from None
    except OSError as error:
        raise UsageError(f"{out}: cannot read it ({error.strerror or error}); {keep}") from None
    if journal.meta["event_id"] != store.event_id:
        title = journal.meta["event_title"][:100]
        raise UsageError(f"{out} is a scanner bundle of another event ({title}); {keep}")
    if journal.meta[PUBLIC_KEY] != store.meta(PUBLIC_KEY):
        raise UsageError(f"{out} is a bundle made with another ticket key; {keep}")
    with store.reading() as db:
        scans = sum(
            not ledger.scan_merged(
                db,
                scan_id=row["scan_id"],
                device=row["device"],
                ticket=row["ticket"],
                result=row["result"],
            )
            for row in journal.scans
        )
        headcounts = sum(
            ledger.headcount_device(db, _headcount_key(journal.device, row)) != row["device"]
            for row in journal.headcounts
        )
    if scans or headcounts:
        what = " and ".join(
            text
            for count, text in (
                (scans, f"{scans} scan{'s' if scans != 1 else ''}"),
                (headcounts, f"{headcounts} head count{'s' if headcounts != 1 else ''}"),
            )
            if count
        )
        raise UsageError(
            f"{out} holds {what} from {journal.device!r} not merged into the event yet, so "
            f"it was not overwritten: merge it first (kexie journal merge DIR {out}), or "
            "name another file for the new bundle"
        )
    return stamp


def _install(partial: Path, out: Path, earlier: tuple | None) -> None:
    """Move the finished bundle to ``out``: onto nothing, or onto the bundle checked earlier."""
    wal = Path(f"{out}-wal")
    appeared = UsageError(f"{out} appeared while the bundle was written; it was left as it is")
    if earlier is None:
        try:
            os.link(partial, out)  # unlike a rename, never onto a file made meanwhile
        except FileExistsError:
            raise appeared from None
        except OSError:  # no hard links on this disk (a FAT USB stick)
            if out.exists() or out.is_symlink():
                raise appeared from None
            os.replace(partial, out)
        return
    if _stamp(out, wal) != earlier:
        raise UsageError(
            f"{out} changed while the new bundle was written (a scan?); it was left as it is: "
            "merge it, then make the bundle again"
        )
    # The old bundle's log and index would be read as the new file's: they go with it.
    for stale in (wal, Path(f"{out}-shm")):
        stale.unlink(missing_ok=True)
    os.replace(partial, out)


# --- reading a bundle without touching it ---------------------------------------------------


def _stamp(*paths: Path) -> tuple:
    """Size and modification time of each path (``None`` for a missing one)."""
    stamps = []
    for path in paths:
        try:
            stat = path.stat()
        except FileNotFoundError:
            stamps.append(None)
        else:
            stamps.append((stat.st_size, stat.st_mtime_ns))
    return tuple(stamps)


@contextlib.contextmanager
def _snapshot(path: Path) -> Iterator[sqlite3.Connection]:
    """The bundle at ``path`` as SQLite sees it, from a private copy made in a temporary folder.

    The copy takes the write-ahead log beside the file too, when there is one: committed scans
    a laptop had not yet moved into the file (it lost power) are in it and must count.
    """
    if not path.is_file():
        raise UsageError(f"{path}: not a file")
    with path.open("rb") as file:
        header = file.read(len(SQLITE_HEADER))
    if not header:
        raise UsageError(f"{path}: an empty file, not a scanner bundle")
    if header != SQLITE_HEADER:
        raise UsageError(f"{path}: not a scanner bundle (not an SQLite file)")
    wal = Path(f"{path}-wal")
    with tempfile.TemporaryDirectory(prefix="kexie-bundle-") as folder:
        copy = Path(folder) / "bundle.db"
        copy_wal = Path(f"{copy}-wal")
        for _attempt in range(3):
            before = _stamp(path, wal)
            shutil.copyfile(path, copy)
            if wal.is_file():
                shutil.copyfile(wal, copy_wal)
            else:
                copy_wal.unlink(missing_ok=True)
            if _stamp(path, wal) == before:
                break
        else:
            raise UsageError(f"{path} is being written to; stop kexie checkin and try again")
        db = sqlite3.connect(copy, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            yield db
        except sqlite3.DatabaseError as error:
            raise UsageError(f"{path}: a damaged scanner bundle ({error})") from None
        finally:
            db.close()


def _meta(db: sqlite3.Connection, path: Path) -> dict[str, str]:
    """The bundle's facts, once its pages and tables are known to be sound, checked."""
    _check_pages(db, path)
    _check_tables(db, path)
    meta = {str(key): value for key, value in db.execute("SELECT key, value FROM meta").fetchall()}
    if meta.get("format") != FORMAT:
        what = (
            "an event's event.db?"
            if "format" not in meta and "event_id" in meta
            else f"format {str(meta.get('format'))[:40]!r}"
        )
        raise UsageError(f"{path}: not a scanner bundle ({what})")
    _check_facts(meta, path)
    return meta


def _check_pages(db: sqlite3.Connection, path: Path) -> None:
    """A file cut short or overwritten in part is damaged, whatever it was meant to be."""
    try:
        damage = [row[0] for row in db.execute("PRAGMA quick_check(5)")]
    except sqlite3.DatabaseError as error:
        damage = [str(error)]
    if damage != ["ok"]:
        raise UsageError(f"{path}: a damaged SQLite file, not readable ({'; '.join(damage)})")


def _check_tables(db: sqlite3.Connection, path: Path) -> None:
    """The tables and columns a bundle has; another program's SQLite file lacks them."""
    tables = {
        table: {row[1] for row in db.execute(f"PRAGMA table_info({table})")} for table in COLUMNS
    }
    if not tables["meta"]:
        raise UsageError(f"{path}: not a scanner bundle (an SQLite file without its tables)")
    missing = [
        f"{table}.{column}"
        for table, columns in COLUMNS.items()
        for column in columns
        if column not in tables[table]
    ]
    if missing:
        raise UsageError(f"{path}: not a scanner bundle (no {', '.join(missing[:5])})")


def _check_facts(meta: dict, path: Path) -> None:
    """Each fact of a bundle's meta table is one :func:`write` could have written."""
    problems = [f"no {key}" for key in REQUIRED_META if not isinstance(meta.get(key), str)]
    if problems:
        raise UsageError(f"{path}: a damaged scanner bundle: {', '.join(problems)}")
    if not re.fullmatch(r"[0-9a-f]{64}", meta[PUBLIC_KEY]):
        problems.append("the public key is not 32 bytes in hex")
    if meta["admission"] not in RULES:
        problems.append(f"admission {meta['admission'][:20]!r} is not one of {', '.join(RULES)}")
    if meta["lang"] not in LANGUAGES:
        problems.append(f"lang {meta['lang'][:20]!r} is not one of {', '.join(LANGUAGES)}")
    try:
        time_zone(meta["timezone"])
    except ValueError as error:
        problems.append(str(error))
    try:
        device = inputs.text(meta["device"], "device", lang="en", limit=inputs.NAME_LIMIT)
        if device != meta["device"] or device in ON_SITE_DEVICES:
            problems.append(f"device {meta['device']!r} is not a device's name")
    except inputs.InputError as error:
        problems.append(str(error))
    try:
        sites = json.loads(meta["sites"])
        if not isinstance(sites, dict) or not all(
            isinstance(gates, list) and all(isinstance(g, str) for g in gates)
            for gates in sites.values()
        ):
            raise ValueError
    except ValueError:
        problems.append("sites is not a JSON object of gate lists")
    for key in ("starts_at", "ends_at"):
        if key in meta:  # bundles made before these were written lack them
            try:
                parse_time(meta[key])
            except inputs.InputError as error:
                problems.append(f"{key}: {error}")
    if problems:
        raise UsageError(f"{path}: a damaged scanner bundle: {'; '.join(problems)}")


@attrs.frozen
class Bundle:
    """An opened bundle: its connection, its gatekeeper, and the event's sites and gates.

    Attributes:
        window: the event's start and end when the bundle carries them (bundles made
            before they were written do not).
    """

    db: sqlite3.Connection
    keeper: Gatekeeper
    meta: dict
    sites: dict[str, list[str]]
    window: tuple[dt.datetime, dt.datetime] | None = None

    @classmethod
    def open(cls, path: Path) -> Bundle:
        """Open a bundle file written by :func:`write` for recording scans.

        It is checked first from a copy, so that a file that is not a bundle is refused
        without being changed.
        """
        with _snapshot(path) as copy:
            meta = _meta(copy, path)
        try:
            db = _connect(path)
        except sqlite3.DatabaseError as error:
            raise UsageError(f"{path}: cannot open the bundle ({error})") from None
        keeper = Gatekeeper(
            Verifier(bytes.fromhex(meta[PUBLIC_KEY])),
            time_zone(meta["timezone"]),
            meta["lang"],
            meta["admission"],
            device=meta["device"],
        )
        window = None
        if "starts_at" in meta and "ends_at" in meta:
            window = (parse_time(meta["starts_at"]), parse_time(meta["ends_at"]))
        return cls(db, keeper, meta, json.loads(meta["sites"]), window)

    def outside_event(self, at: dt.datetime) -> str | None:
        """Why a scan at ``at`` would not be merged (a wrong clock), or ``None``."""
        return outside_event(at, *self.window) if self.window else None


@attrs.frozen
class Journal:
    """What a bundle brings: its checked facts and its journal rows, read from a copy."""

    path: Path
    meta: dict[str, str]
    scans: tuple[dict, ...]
    headcounts: tuple[dict, ...]
    known_revoked: frozenset[int] = frozenset()

    @property
    def device(self) -> str:
        """The device the bundle was made for."""
        return self.meta["device"]


def read_journal(path: Path) -> Journal:
    """The journal of the bundle at ``path``, which is never opened by SQLite itself."""
    with _snapshot(path) as db:
        meta = _meta(db, path)
        scans = [dict(row) for row in db.execute(f"SELECT {_names('qr_scans')} FROM qr_scans")]
        headcounts = [
            dict(row) for row in db.execute(f"SELECT {_names('qr_headcounts')} FROM qr_headcounts")
        ]
        # The revocations the laptop knew: an admission of one of those is the bundle's fault.
        known = frozenset(n for (n,) in db.execute("SELECT number FROM qr_revocations"))
    return Journal(path, meta, tuple(scans), tuple(headcounts), known)


def _names(table: str) -> str:
    return ", ".join(f'"{column}"' for column in COLUMNS[table])


# --- merging --------------------------------------------------------------------------------


@attrs.frozen
class MergeResult:
    """What one bundle's journal brought into the event store.

    ``revoked_later`` counts admissions of tickets revoked after the bundle was made: the laptop
    could not refuse them, the people were let in, so they are merged as they happened.
    """

    device: str
    new_scans: int
    already_merged: int
    admitted_on_device: int
    counted_as_duplicates: int
    new_headcounts: int
    revoked_later: int = 0


def merge(event: Event, store: EventStore, paths: Sequence[Path]) -> list[MergeResult]:
    """Copy bundles' journals into the event store (idempotent, order-independent).

    Every row of every bundle is checked before anything is written, and all are written in one
    transaction: when any bundle is refused, nothing is merged and :class:`UsageError` lists
    why. The slow checks (signatures, texts) run before the write lock is taken, so that a
    running server's check-ins do not wait for them; what may change meanwhile (revocations,
    scans recorded under the same ids, head-count totals) is checked inside the transaction.
    """
    journals = [read_journal(path) for path in paths]
    public = store.meta(PUBLIC_KEY)
    facts = {"event_id": store.event_id, PUBLIC_KEY: public}
    rules = JournalRules.of(
        event,
        store,
        verifier=Verifier(bytes.fromhex(public)) if public else None,
        rule=config_of(event).admission,
        device="",
    )
    found = [_row_problems(journal, rules, facts) for journal in journals]
    attempt = 1
    while True:
        try:
            return _merge_checked(event, store, journals, rules, facts, found)
        except StoreUnavailable as error:
            # PostgreSQL chose the merge to give way to a server's check-ins (a deadlock on the
            # counters): nothing was written, and the merge as a whole runs again.
            if error.kind != "busy" or attempt >= MERGE_ATTEMPTS:
                raise
            attempt += 1


#: How often a merge runs again when the database makes it give way to the servers.
MERGE_ATTEMPTS = 5


def _merge_checked(event, store, journals, rules, facts, found) -> list[MergeResult]:
    """Write checked journals in one transaction, unless the store refuses one of them now."""
    with store.transaction() as db:
        now_rules = attrs.evolve(rules, revoked=ledger.revocations(db))
        if now_rules.revoked != rules.revoked:  # a ticket was revoked meanwhile
            found = [_row_problems(journal, now_rules, facts) for journal in journals]
        refusals = []
        for journal, problems in zip(journals, found, strict=True):
            problems = sorted(problems + _store_problems(db, journal))
            if problems:
                shown = [f"  {text}" for _order, text in problems[:MAX_SHOWN]]
                more = len(problems) - MAX_SHOWN
                refusals.append(
                    "\n".join(
                        [
                            f"{journal.path}: refused ({journal.device}):",
                            *shown,
                            *([f"  ... and {more} more"] if more > 0 else []),
                        ]
                    )
                )
        if refusals:
            raise UsageError("\n".join(refusals) + "\nnothing was merged")
        revoked = ledger.revocations(db)
        return [
            attrs.evolve(
                _insert(db, event, journal), revoked_later=_revoked_later(journal, revoked)
            )
            for journal in journals
        ]


def _revoked_later(journal: Journal, revoked: dict) -> int:
    """Admissions in ``journal`` of tickets revoked after the bundle was made."""
    return sum(
        row["result"] == "admitted"
        and row["ticket"] in revoked
        and row["ticket"] not in journal.known_revoked
        for row in journal.scans
    )


Located = tuple[tuple[int, int], str]
"""A problem with where it sorts: (0, 0) the bundle, (1, id) a scan, (2, id) a head count."""


def _row_problems(journal: Journal, rules: JournalRules, facts: dict) -> list[Located]:
    """Why ``journal`` cannot be merged, from the bundle and its rows alone.

    ``facts`` are the event's ``event_id`` and public key.
    """
    meta = journal.meta
    if meta["event_id"] != facts["event_id"]:
        return [((0, 0), f"the bundle belongs to another event ({meta['event_title'][:100]})")]
    if meta[PUBLIC_KEY] != facts[PUBLIC_KEY]:
        return [((0, 0), "the bundle was made with another ticket key than the event's")]
    problems: list[Located] = []
    if meta["admission"] != rules.rule:
        problems.append(
            (
                (0, 0),
                f"the bundle was made for admission = {meta['admission']!r}; the event's rule "
                f"is now {rules.rule!r}",
            )
        )
    # A ticket revoked after the bundle was made could not be refused on the laptop: the
    # person was let in, and that admission is merged as it happened. Only revocations the
    # bundle carried make an admission wrong.
    knew = {n: at for n, at in rules.revoked.items() if n in journal.known_revoked}
    rules = attrs.evolve(rules, device=journal.device, revoked=knew)
    seen: set = set()
    for row in journal.scans:
        found = rules.scan(row)
        if row["scan_id"] in seen:
            found.append("its scan id is used twice in the bundle")
        seen.add(row["scan_id"])
        problems += [((1, row["id"]), f"scan row {row['id']}: {p}") for p in found]
    for row in journal.headcounts:
        problems += [
            ((2, row["id"]), f"head-count row {row['id']}: {p}") for p in rules.headcount(row)
        ]
    return problems


def _store_problems(db: Connection, journal: Journal) -> list[Located]:
    """Why ``journal`` cannot be merged into the store as it is now: scan ids recorded before
    with other content, and head counts that would take a count below zero."""
    problems: list[Located] = []
    for row in journal.scans:
        earlier = ledger.scan_facts(db, row["scan_id"])
        if earlier and earlier != (row["device"], row["ticket"], row["result"]):
            problems.append(
                (
                    (1, row["id"]),
                    f"scan row {row['id']}: its scan id was merged before with other content "
                    f"(from {earlier[0]!r})",
                )
            )
    totals: dict[tuple, int] = defaultdict(int)
    for row in journal.headcounts:
        earlier = ledger.headcount_device(db, _headcount_key(journal.device, row))
        if earlier is not None and earlier != row["device"]:
            problems.append(
                (
                    (2, row["id"]),
                    f"head-count row {row['id']}: its scan id was merged before from {earlier!r}",
                )
            )
        elif earlier is None and isinstance(row["delta"], int):
            totals[(row["gate"], row["site"], row["audience"])] += row["delta"]
    for (gate, site, audience), delta in totals.items():
        counted = ledger.counted_here(db, gate=gate, site=site, audience=audience)
        if counted + delta < 0:
            problems.append(
                (
                    (3, 0),
                    f"head counts at {gate} for {audience} would come to {counted + delta}, "
                    "below 0",
                )
            )
    return problems


def _headcount_key(device: str, row: dict) -> str:
    """A head count's id in the store: its own, or one made from the device and row id."""
    return row["scan_id"] or f"{device}:{row['id']}"


def _insert(db: Connection, event: Event, journal: Journal) -> MergeResult:
    """Write a checked journal; rows merged before are left as they are."""
    received = now().isoformat()
    device = journal.device

    def local(at: str) -> str:
        # Stored in the event's zone like the server's scans (the counters read its day).
        return dt.datetime.fromisoformat(at).astimezone(event.tz).isoformat()

    new_scans = sum(
        ledger.merge_scan(
            db,
            ledger.Scan(
                scan_id=row["scan_id"],
                code=row["code"],
                ticket=row["ticket"],
                result=row["result"],
                reason=row["reason"],
                admit_key=row["admit_key"],
                gate=row["gate"],
                site=row["site"],
                at=local(row["at"]),
                by=row["by"],
                device=row["device"],
                received_at=received,
                response=row["response"],
            ),
        )
        for row in journal.scans
    )
    new_headcounts = sum(
        ledger.merge_headcount(
            db,
            ledger.Headcount(
                scan_id=_headcount_key(device, row),
                gate=row["gate"],
                site=row["site"],
                audience=row["audience"],
                delta=row["delta"],
                at=local(row["at"]),
                by=row["by"],
                device=row["device"],
            ),
        )
        for row in journal.headcounts
    )
    admitted, beaten = ledger.device_admissions(db, device)
    return MergeResult(
        device,
        new_scans,
        len(journal.scans) - new_scans,
        admitted,
        beaten,
        new_headcounts,
    )
