"""Make ``tests/data/release-0.1/``: an event store written by the last release before Alembic.

The release is kexie-events 0.1.0, commit ``da51f70`` (the raw-sqlite3 store, with its
``schema_migrations`` table). ``tests/test_upgrade_release.py`` copies the folder and runs the
new code's ``kexie db upgrade`` and ``kexie report`` on it: ``event.db`` must be upgraded
without losing a row, and every figure the release counted must be counted again (issue 14).
The committed folder was made on 2026-11-29 (China time), so its event ran 2026-11-28/29.

Run it with the release's code, never the working tree's::

    git worktree add /tmp/release da51f70
    python3 -m venv /tmp/releasevenv
    /tmp/releasevenv/bin/pip install -e '/tmp/release[test]'
    /tmp/releasevenv/bin/python tests/data/make_release_store.py [--out DIR] [--replace]

It drives only what an organiser and volunteers use: the release's ``kexie`` command (the one
beside this interpreter) and the HTTP API of its ``kexie serve`` (on 127.0.0.1, a free port,
stopped before the store is checkpointed). What it makes, in this order:

- ``kexie new --template solar-eclipse-observation --lang zh``, then ``event.toml`` edited as an
  organiser would: an exit gate ``西出口`` on the plaza, and a ``[registration]`` section (5
  places per site, parties of up to 4, a question) for self-service sign-up at ``/r/``;
- 40 tickets (issued per audience, and 6 named ones imported from a CSV), one revoked; the kit
  built (outside the folder: it fills ``calendar_entries``); ticks and an untick of the
  emergency checklist, glasses collected by units, boards and leaflets recorded; the phase
  moved plan → materials, then forced on to launch and onsite with a reason;
- an offline bundle for the hall's laptop; the server started; a lead (张敏) and a scanner
  (李强) given logins; sign-ups through ``/r/`` (the challenge is solved here, as the page's
  script does), one of them waitlisted and moved up when another is cancelled (and, once the
  server has stopped, their reminders sent with ``kexie registrations remind``);
- check-ins through the API: admitted (by code and by typed number), a retried ``scan_id``, a
  duplicate, a forged code, a text that is no code, a revoked ticket, a ticket scanned at the
  exit gate; walk-ins ``+1`` and ``+45``, people going out, a mistaken tap undone, a lead's
  estimate for yesterday; the phone buttons: glasses at two gates, leaflets, an incident, a
  checklist tick;
- after the server stopped: scans on the laptop with ``kexie checkin`` (one of a ticket
  admitted earlier at the plaza, one forged) merged with ``kexie journal merge``; a paper count
  with ``kexie headcount add``; an incident logged with ``--at``; press coverage.

Then ``kexie report --json`` and ``kexie status`` (plain and ``--json``) of the release are
saved, every table's row count goes to ``expected-rows.json``, and ``event.db`` is
checkpointed (``PRAGMA wal_checkpoint(TRUNCATE)``) so no ``-wal`` or ``-shm`` file is left.
Only ``event.toml``, ``event.db``, the two key files (test data, not secrets of any real
event), ``glasses-allocations.csv`` and those outputs are copied to the output folder; the
kit, the report's files, the bundle and the caches stay in a temporary folder.

Times. The release records live scans, offline scans and button presses at the computer's
clock and refuses (or, for ``kexie journal merge``, rejects) anything more than a day outside
the event's dates. So the event is moved to the day the script runs, in China time: it starts
yesterday at 06:30 and ends today at 23:59 (every ``2035-09-02`` of the template becomes
today; the title still names 2035). Yesterday is a day of the event in the past, which is what
``--date`` (paper count, leaflets) and ``--at`` (incident) and the estimate's ``at`` are used
for; everything else happens now. Run it before 23:59 China time. The observation plugin warns
that the eclipse is not visible on that day; that is only a warning.

Who: every record names one of the fixed people below (``--by``, or the volunteer's login);
``KEXIE_USER`` is set for the commands without ``--by``, so no computer login is recorded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "release-0.1"
RELEASE = "da51f70"
#: The template's time zone (``timezone = "Asia/Shanghai"``).
ZONE = ZoneInfo("Asia/Shanghai")
#: The county office's staff member who issues tickets, moves phases and types paper counts.
ORGANISER = "刘洋"
#: The volunteers with logins (the template's lead and the north gate's scanner).
LEAD, SCANNER = "张敏", "李强"
#: The volunteer scanning on the hall's laptop, offline.
OFFLINE_SCANNER = "赵磊"
DEVICE = "hall-laptop"
BUNDLE = Path("hall.bundle")
#: Files of the event folder that are test data; everything else stays behind.
KEPT = (
    "event.toml",
    "event.db",
    "ticket-signing.key",
    "volunteer-login.key",
    "glasses-allocations.csv",
)
NAMED_TICKETS = """姓名,手机,人群,场地
孙丽,13900001001,城镇劳动者,县行政中心广场
钱进,13900001002,农民,plaza
吴芳,13900001003,其他,plaza
郑浩,13900001004,领导干部和公务员,plaza
冯雪,13900001005,未成年人,hall
何亮,13900001006,农民,hall
"""


def registration_section(opens: dt.date, closes: dt.datetime) -> str:
    """The ``[registration]`` section appended to the template's ``event.toml``."""
    return f"""
[registration]
opens = {opens.isoformat()}T00:00:00
closes = {closes:%Y-%m-%dT%H:%M:%S}
fields = ["name", "phone", "audience"]
party_max = 4
capacity = 5                    # places per site: small, so the waiting list is used
intro = "请选择观测场地，每份报名最多4人。"
bring = "身份证件；现场发放日食观测镜。"

[[registration.questions]]
id = "school"
label = "学校"
required = false
choices = ["××县第一中学", "××县第二中学", "其他"]
"""


class Failure(RuntimeError):
    """A step did not do what this script expects of the release."""


def expect(condition: bool, what: str) -> None:
    """Stop with ``what`` unless ``condition`` holds."""
    if not condition:
        raise Failure(what)


class Kexie:
    """The release's ``kexie`` command, run with a fixed environment."""

    def __init__(self, work: Path):
        self.program = Path(sys.executable).with_name("kexie")
        self.work = work
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("KEXIE_") and key != "PYTHONPATH"
        }
        self.env["KEXIE_USER"] = ORGANISER

    def __call__(self, *args: object, codes: tuple[int, ...] = (0,), **options: object) -> str:
        """Run ``kexie ARGS --OPTION VALUE...``; its stdout (``flag=True`` gives ``--flag``).

        Any exit code not in ``codes`` stops the script.
        """
        command = [str(self.program), *map(str, args)]
        for name, value in options.items():
            command.append(f"--{name.replace('_', '-')}")
            if value is not True:
                command.append(str(value))
        done = subprocess.run(
            command, cwd=self.work, env=self.env, capture_output=True, text=True, check=False
        )
        if done.returncode not in codes:
            raise Failure(
                f"{' '.join(command[1:3])}... exit {done.returncode}:\n{done.stdout}{done.stderr}"
            )
        print(f"  kexie {' '.join(map(str, args[:3]))} ... ok", file=sys.stderr)
        return done.stdout

    def json(self, *args: object, **options: object):
        """Run a command with ``--json`` and parse its output."""
        return json.loads(self(*args, **options, json=True))


class Server:
    """``kexie serve DIR`` on 127.0.0.1 and a free port, until :meth:`stop`."""

    def __init__(self, kexie: Kexie, folder: Path):
        """Start serving ``folder`` (relative to the work folder) and wait until it answers."""
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (kexie.work / "serve.log").open("w")
        self.process = subprocess.Popen(
            [str(kexie.program), "serve", str(folder), "--port", str(self.port)],
            cwd=kexie.work,
            env=kexie.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_ready(kexie.work / folder)

    def _wait_until_ready(self, folder: Path, timeout: float = 30.0) -> None:
        # Polled condition with a deadline: the server answers and has written where it runs.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            expect(self.process.poll() is None, "kexie serve exited; see serve.log")
            try:
                with urllib.request.urlopen(self.url + "/r/", timeout=1):
                    if (folder / ".kexie-serve.json").exists():
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise Failure("kexie serve did not start")

    def stop(self) -> None:
        """Stop it as Ctrl+C does, and wait until it has exited."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def call(url: str, method: str = "GET", body: dict | None = None, token: str | None = None):
    """One HTTP request; ``(status, parsed JSON answer)``."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def solve(token: str, bits: int) -> str:
    """The sign-up page's proof of work: SHA-256 of ``token:answer`` starts with ``bits`` zeros."""
    answer = 0
    while int.from_bytes(hashlib.sha256(f"{token}:{answer}".encode()).digest()) >> (256 - bits):
        answer += 1
    return str(answer)


def guard_release() -> None:
    """Refuse to run with the new code: the fixture must be the release's own."""
    expect(
        importlib.util.find_spec("kexie_events.migrations") is None,
        "this interpreter has the new storage layer; run with the release's venv "
        f"(commit {RELEASE}), see this file's description",
    )


def edit_event_file(folder: Path, today: dt.date) -> None:
    """Move the event to yesterday and today, add the exit gate and sign-up."""
    yesterday = today - dt.timedelta(days=1)
    path = folder / "event.toml"
    text = path.read_text(encoding="utf-8")

    def replace(old: str, new: str, count: int = 1) -> None:
        nonlocal text
        expect(old in text, f"{old!r} is not in the template's event.toml")
        text = text.replace(old, new, count)

    replace("2035-09-02", today.isoformat(), -1)
    # The first start and end lines are the event's own (schedule and shifts come later).
    replace(f"\nstart = {today}T06:30:00\n", f"\nstart = {yesterday}T06:30:00\n")
    replace(f"\nend = {today}T10:30:00\n", f"\nend = {today}T23:59:00\n")
    replace(
        'gates = ["北门", "东门", "南门"]\n',
        'gates = ["北门", "东门", "南门", "西出口"]\nexits = ["西出口"]\n',
    )
    closes = dt.datetime.combine(today, dt.time(23, 59))
    path.write_text(text + registration_section(yesterday, closes), encoding="utf-8")


def prepare(kexie: Kexie, folder: Path, today: dt.date) -> dict:
    """Before the day: the event, tickets, kit, checklist, allocations, phases, the bundle."""
    work = kexie.work
    yesterday = today - dt.timedelta(days=1)
    kexie("new", folder, template="solar-eclipse-observation", lang="zh")
    edit_event_file(work / folder, today)
    kexie("check", folder)
    for count, site, audience in (
        (20, "plaza", "minors"),
        (10, "plaza", "cadres"),
        (4, "hall", "others"),
    ):
        kexie("tickets", "issue", folder, count=count, site=site, audience=audience, by=ORGANISER)
    names = Path("报名表.csv")
    (work / names).write_text(NAMED_TICKETS, encoding="utf-8")
    kexie("tickets", "import", folder, names, by=ORGANISER)
    kexie("tickets", "revoke", folder, 30, reason="lost", by=ORGANISER)
    tickets = {t["number"]: t for t in kexie.json("tickets", "list", folder)}
    expect(len(tickets) == 40, f"40 tickets expected, got {len(tickets)}")
    kexie("kit", folder, out="kit")

    items = kexie.json("checklist", folder)
    plan_items = [i["id"] for i in items if i["phase"] == "plan" and i["critical"]]
    for item in plan_items[:4]:
        kexie("checklist", folder, "tick", item, by=ORGANISER)
    kexie("checklist", folder, "untick", plan_items[3], note="检测报告还没到", by=ORGANISER)
    for unit, pairs in (("××县第一中学", 120), ("××县民族中学", 150)):
        kexie("glasses", "handout", folder, pairs=pairs, unit=unit, by=ORGANISER)
    for item, quantity in (("boards", 21), ("leaflets", 600)):
        kexie(
            "materials",
            "record",
            folder,
            item,
            quantity=quantity,
            site="plaza",
            date=yesterday,
            by=ORGANISER,
        )

    kexie("advance", folder, by=ORGANISER)
    for reason in ("检测报告当天上午送到，先启动", "现场检查项由负责人在手机上勾选"):
        kexie("advance", folder, force=True, reason=reason, by=ORGANISER)
    kexie("bundle", folder, BUNDLE, device=DEVICE)
    return {"tickets": tickets, "checklist": items}


def forged(code: str) -> str:
    """The code with its last signature character changed: a forgery."""
    return code[:-1] + ("B" if code[-1] != "B" else "C")


def sign_ups(url: str) -> dict:
    """Sign-ups through ``/r/``: confirmed, waitlisted, one cancelled (the list moves up)."""
    people = [
        ("a", "王小明", "13800138001", "minors", "plaza", 2, "××县第一中学"),
        ("b", "李华", "138 0013 8002", "urban_workers", "plaza", 3, None),
        ("c", "陈晨", "+86 13800138003", "others", "plaza", 2, "其他"),
        ("d", "周杰", "13800138004", "farmers", "hall", 1, None),
    ]
    made = {}
    for key, name, phone, audience, slot, party, school in people:
        status, challenge = call(url + "/r/api/v1/challenge")
        expect(status == 200, f"challenge: {status} {challenge}")
        body = {
            "name": name,
            "phone": phone,
            "audience": audience,
            "slot": slot,
            "party": party,
            "answers": {"school": school} if school else {},
            "challenge": {
                "token": challenge["token"],
                "answer": solve(challenge["token"], challenge["bits"]),
            },
        }
        status, answer = call(url + "/r/api/v1/registrations", "POST", body)
        expect(status == 201, f"sign-up {name}: {status} {answer}")
        made[key] = answer
    expect(made["c"]["status"] == "waitlisted", f"the third plaza party waits: {made['c']}")
    secret = made["a"]["manage_url"].rstrip("/").rsplit("/", 1)[-1]
    status, answer = call(url + f"/r/api/v1/registrations/{secret}/cancel", "POST", {})
    expect(status == 200 and answer["status"] == "cancelled", f"cancel: {status} {answer}")
    secret = made["c"]["manage_url"].rstrip("/").rsplit("/", 1)[-1]
    status, made["c"] = call(url + f"/r/api/v1/registrations/{secret}")
    expect(made["c"]["status"] == "confirmed", f"moved up from the waiting list: {made['c']}")
    return made


def on_the_day(url: str, logins: tuple[str, str], book: dict, made: dict, today: dt.date) -> None:
    """Scans, walk-ins, exits, an undo, an estimate and button presses through the API."""
    lead, scanner = logins
    tickets, items = book["tickets"], book["checklist"]
    yesterday = (today - dt.timedelta(days=1)).isoformat()

    def scan(token, code, gate, scan_id, result, site=None):
        body = {"code": code, "gate": gate, "scan_id": scan_id}
        if site:
            body["site"] = site
        status, answer = call(url + "/api/v1/checkins", "POST", body, token)
        expect(status == 200 and answer["result"] == result, f"{scan_id}: {status} {answer}")
        return answer

    for number in range(1, 13):
        token, gate = (lead, "东门") if number % 2 else (scanner, "北门")
        scan(token, tickets[number]["code"], gate, f"scan-{number:03d}", "admitted")
    scan(scanner, "13", "北门", "scan-013", "admitted")  # a typed ticket number
    scan(scanner, "13", "北门", "scan-013", "admitted")  # the phone resent it: counted once
    for number in (21, 22, 35, 36, 37):
        scan(lead, tickets[number]["code"], "东门", f"scan-{number:03d}", "admitted")
    scan(scanner, tickets[1]["code"], "北门", "scan-dup-001", "duplicate")
    answer = scan(scanner, forged(tickets[2]["code"]), "北门", "scan-forged", "rejected")
    expect(answer["reason"].startswith("伪造"), f"forged: {answer}")
    scan(scanner, "HELLO-KEXIE", "北门", "scan-junk", "rejected")
    scan(lead, tickets[30]["code"], "东门", "scan-revoked", "rejected")
    for key, count in (("b", 2), ("d", 1)):
        for ticket in made[key]["tickets"][:count]:
            gate, site = ("东门", None) if key == "b" else ("正门", "hall")
            scan(lead, ticket["code"], gate, f"scan-r{ticket['number']:03d}", "admitted", site)
    scan(lead, tickets[3]["code"], "西出口", "scan-out-003", "out")

    def count(token, body, expected=200):
        status, answer = call(url + "/api/v1/headcounts", "POST", body, token)
        expect(status == expected, f"{body}: {status} {answer}")
        return answer

    count(scanner, {"gate": "北门", "audience": "others", "delta": 1, "scan_id": "walk-001"})
    count(lead, {"gate": "东门", "audience": "minors", "delta": 45, "scan_id": "walk-class-1"})
    count(scanner, {"gate": "北门", "audience": "farmers", "delta": 1, "scan_id": "walk-oops"})
    count(lead, {"gate": "南门", "direction": "out", "delta": 8, "scan_id": "out-001"})
    count(
        lead,
        {
            "site": "hall",
            "audience": "others",
            "delta": 30,
            "source": "estimate",
            "at": yesterday,
            "note": "报告厅直播，目测约30人",
            "scan_id": "estimate-hall",
        },
    )
    status, answer = call(url + "/api/v1/undo", "POST", {"scan_id": "walk-oops"}, scanner)
    expect(status == 200 and answer["recorded"], f"undo: {status} {answer}")

    def press(token, action, body):
        status, answer = call(url + f"/api/v1/actions/{action}", "POST", body, token)
        expect(status == 200, f"{action}: {status} {answer}")

    press(lead, "glasses", {"pairs": 40, "gate": "东门", "scan_id": "glasses-e1"})
    press(scanner, "glasses", {"pairs": 25, "gate": "北门", "scan_id": "glasses-n1"})
    press(scanner, "materials", {"choice": "leaflets", "quantity": 300, "scan_id": "leaf-n1"})
    press(
        lead,
        "incident",
        {
            "choice": "lost-child",
            "what": "一名约6岁男孩与家长走散",
            "done": "广播寻人，10分钟后在东门交还家长",
            "gate": "东门",
            "scan_id": "incident-1",
        },
    )
    onsite = next(i["id"] for i in items if i["phase"] == "onsite" and i["critical"])
    press(lead, "checklist-tick", {"choice": onsite, "scan_id": "tick-onsite-1"})
    status, stats = call(url + "/api/v1/stats", token=lead)
    expect(status == 200, f"stats: {status} {stats}")
    print(f"  live stats: {json.dumps(stats, ensure_ascii=False)}", file=sys.stderr)


def give_logins(kexie: Kexie, folder: Path) -> tuple[str, str]:
    """Logins for the lead and the scanner; their tokens."""
    tokens = []
    for name, role, gate in ((LEAD, "lead", "东门"), (SCANNER, "scanner", "北门")):
        out = kexie("volunteers", "add", folder, name, role=role, gate=gate, by=ORGANISER)
        line = next(line for line in out.splitlines() if line.strip().startswith("token:"))
        tokens.append(line.split(":", 1)[1].strip())
    return tokens[0], tokens[1]


def offline_and_after(kexie: Kexie, folder: Path, tickets: dict, today: dt.date) -> None:
    """The hall's laptop, its merge, and what the office types in after the day."""
    yesterday = today - dt.timedelta(days=1)
    hall = {"gate": "正门", "site": "hall", "by": OFFLINE_SCANNER}
    for code in ("31", tickets[32]["code"], tickets[39]["code"], tickets[1]["code"]):
        kexie("checkin", BUNDLE, code, **hall)
    kexie("checkin", BUNDLE, forged(tickets[33]["code"]), **hall, codes=(1,))  # not admitted
    merged = kexie("journal", "merge", folder, BUNDLE, json=True)
    print(f"  merge: {merged.strip()}", file=sys.stderr)
    kexie(
        "headcount",
        "add",
        folder,
        site="hall",
        date=yesterday,
        audience="others",
        count=57,
        gate="正门",
        source="paper",
        note="签到表2页",
        by=ORGANISER,
        json=True,
    )
    kexie(
        "incident",
        "add",
        folder,
        type="heat",
        what="一位老人在南门排队时头晕",
        done="扶到医疗点休息，饮水后好转",
        site="plaza",
        gate="南门",
        at=f"{yesterday}T09:40",
        by=LEAD,
    )
    kexie(
        "report",
        "add-media",
        folder,
        outlet="××县融媒体中心",
        date=today,
        title="我县组织群众集中观测日食",
        by=ORGANISER,
    )


def row_counts(database: Path) -> dict[str, int]:
    """Every table's number of rows."""
    db = sqlite3.connect(database)
    try:
        names = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {name: db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}
    finally:
        db.close()


def checkpoint(database: Path) -> None:
    """Fold the WAL into ``event.db``; closing the last connection removes ``-wal``, ``-shm``."""
    db = sqlite3.connect(database)
    try:
        busy, _log, _done = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        expect(busy == 0, "event.db is still in use; is a kexie serve running?")
    finally:
        db.close()
    for suffix in ("-wal", "-shm"):
        expect(not Path(f"{database}{suffix}").exists(), f"{database.name}{suffix} is left")


def write_json(path: Path, data) -> None:
    """JSON as the repository keeps it: UTF-8, indented, one newline at the end."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def build(out: Path) -> None:
    """Make the event in a temporary folder and copy the test data to ``out``."""
    today = dt.datetime.now(ZONE).date()
    with tempfile.TemporaryDirectory(prefix="kexie-release-") as scratch:
        work = Path(scratch)
        # Commands name the folder relatively (as an organiser types it), so outputs read
        # "release-0.1", not the temporary folder.
        folder, place = Path(out.name), work / out.name
        kexie = Kexie(work)
        book = prepare(kexie, folder, today)
        server = Server(kexie, folder)
        try:
            logins = give_logins(kexie, folder)
            made = sign_ups(server.url)
            on_the_day(server.url, logins, book, made, today)
        finally:
            server.stop()
        kexie("registrations", "remind", folder, day=today - dt.timedelta(days=1))
        offline_and_after(kexie, folder, book["tickets"], today)

        report = kexie.json("report", folder, out="report")
        status_text = kexie("status", folder)
        status_json = kexie.json("status", folder)
        checkpoint(place / "event.db")
        rows = row_counts(place / "event.db")
        checkpoint(place / "event.db")

        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        for name in KEPT:
            shutil.copy2(place / name, out / name)
        write_json(out / "expected-report.json", report)
        write_json(out / "expected-status.json", status_json)
        (out / "status.txt").write_text(status_text, encoding="utf-8")
        write_json(out / "expected-rows.json", rows)
    size = sum(path.stat().st_size for path in out.iterdir())
    expect(size < 1_000_000, f"{out} holds {size} bytes; keep it under 1 MB")
    print(f"wrote {out} ({size:,} bytes, {sum(rows.values())} rows)", file=sys.stderr)


def main() -> None:
    """``python make_release_store.py [--out DIR] [--replace]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the folder to write")
    parser.add_argument("--replace", action="store_true", help="replace an existing folder")
    args = parser.parse_args()
    guard_release()
    if args.out.exists() and not args.replace:
        sys.exit(f"{args.out} exists; give --replace to make it again")
    try:
        build(args.out.resolve())
    except Failure as failure:
        sys.exit(f"error: {failure}")


if __name__ == "__main__":
    main()
