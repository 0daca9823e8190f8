"""A county's year kept in PostgreSQL: ``kexie serve postgresql://...`` on several servers.

The events' folders are in the database (``kexie db put``, or 新建活动 in the console), each
server works on its own copy, and what one server's console changes, the other serves at its
next request: an edited title, a new event, a volunteer's login (its key file is made on the
first server and used by the second). A server started on a new machine with an empty working
folder serves everything from the database alone.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from functools import partial
from html import unescape
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import text

from kexie_events.console.database_root import (
    MARKER,
    DatabaseRoot,
    folders_in,
    prepare_workdir,
)
from kexie_events.console.kit_builds import KitBuilds
from kexie_events.errors import UsageError

from conftest import LiveServer, console_login, csrf_in, edit

ECLIPSE = "绿水乡日食观测"
SCIENCE_DAY = "science-day"


@pytest.fixture
def county(postgres_url, monkeypatch, make_event, run, tmp_path):
    """Two events made on a laptop (SQLite stores, one with 20 tickets), put in the database."""
    monkeypatch.delenv("KEXIE_DATABASE_URL", raising=False)
    eclipse = make_event("solar-eclipse-observation", "zh").rename(tmp_path / ECLIPSE)
    science = make_event("science-day", "en").rename(tmp_path / SCIENCE_DAY)
    assert run("tickets", "issue", eclipse, "--count", "20").exit_code == 0
    codes = [t["code"] for t in json.loads(run("tickets", "list", eclipse, "--json").output)]
    for folder in (eclipse, science):
        put = run("db", "put", folder, "--to", postgres_url, "--by", "县科协")
        assert put.exit_code == 0, put.output
    return {"url": postgres_url, "codes": codes, "eclipse": eclipse}


def server_on(url: str, workdir: Path) -> LiveServer:
    return LiveServer(url, options=("--workdir", str(workdir)))


def log_in(run, url: str, server: LiveServer) -> tuple[httpx.Client, str]:
    """An admin's browser logged in to ``server``'s console, and its CSRF token."""
    name = f"管理员{uuid.uuid4().hex[:6]}"
    added = run("organizers", "add", url, name, "--role", "admin", "--url", server.url + "/")
    assert added.exit_code == 0, added.output
    token = re.search(r"token=([\w-]+)", added.output)[1]
    browser = httpx.Client(base_url=server.url, headers={"Origin": server.url})
    answer = browser.post("/console/login", data={"token": token})
    assert answer.status_code == 303, answer.text
    return browser, csrf_in(browser.get("/console/").text)


def event_url(event_id: str) -> str:
    return f"/e/{quote(event_id)}/"


def test_two_servers_on_one_database_serve_one_county(county, run, tmp_path):
    url = county["url"]
    first = server_on(url, tmp_path / "server-a")
    second = server_on(url, tmp_path / "server-b")
    try:
        browser, csrf = log_in(run, url, first)
        # The put events are served by both, from their own copies.
        assert "××县2035年9月2日日全食大型集中观测活动" in browser.get("/console/").text
        assert (tmp_path / "server-b" / ECLIPSE / "event.toml").is_file()
        assert not (tmp_path / "server-b" / ECLIPSE / "event.db").exists()

        # The first server's text editor changes the title; the second serves the new one.
        page = browser.get(f"/console/events/{ECLIPSE}/edit/file").text
        text = unescape(re.search(r"<textarea[^>]*>\n?(.*?)</textarea>", page, re.S)[1])
        base = re.search(r'name="base" value="([^"]+)"', page)[1]
        renamed = text.replace(
            "××县2035年9月2日日全食大型集中观测活动", "绿水乡2035年日全食观测活动", 1
        )
        saved = browser.post(
            f"/console/events/{ECLIPSE}/edit/file",
            data={"csrf": csrf, "base": base, "text": renamed, "action": "save"},
        )
        assert saved.status_code == 303, saved.text
        other, other_csrf = log_in(run, url, second)
        assert "绿水乡2035年日全食观测活动" in other.get("/console/").text
        assert "绿水乡2035年日全食观测活动" in httpx.get(second.url + event_url(ECLIPSE)).text

        # A volunteer added on the first server logs in and checks a ticket in on the second:
        # the login key made by the first went through the database.
        added = browser.post(
            f"/console/events/{ECLIPSE}/volunteers/add",
            data={"csrf": csrf, "name": "张敏", "role": "scanner", "site": "plaza", "gate": "北门"},
        )
        assert added.status_code == 303, added.text
        login = unescape(browser.get(added.headers["location"]).text)
        token = re.search(r"#login=([\w-]+)", login)[1]
        phone = httpx.Client(base_url=second.url + event_url(ECLIPSE))
        bearer = {"Authorization": f"Bearer {token}"}
        assert phone.get("api/v1/me", headers=bearer).json()["name"] == "张敏"
        scan = {"code": county["codes"][0], "gate": "北门", "scan_id": uuid.uuid4().hex}
        admitted = phone.post("api/v1/checkins", json=scan, headers=bearer)
        assert admitted.status_code == 200 and admitted.json()["result"] == "admitted"

        # An event made in the second server's console is on the first at once, and theirs.
        made = other.post(
            "/console/new",
            data={
                "csrf": other_csrf,
                "template": "science-day",
                "lang": "zh",
                "folder": "青山镇科普日",
                "title": "青山镇2027年全国科普日活动",
            },
        )
        assert made.status_code == 303, made.text
        assert "青山镇2027年全国科普日活动" in browser.get("/console/").text
        assert browser.get(f"/console/events/{quote('青山镇科普日')}/").status_code == 200
    finally:
        first.stop()
        second.stop()

    # A new machine, an empty working folder: every event, every login and count is there.
    third = server_on(url, tmp_path / "server-c")
    try:
        phone = httpx.Client(base_url=third.url + event_url(ECLIPSE))
        assert phone.get("api/v1/me", headers=bearer).json()["name"] == "张敏"
        again = phone.post(
            "api/v1/checkins",
            json={**scan, "scan_id": uuid.uuid4().hex},
            headers=bearer,
        )
        assert again.json()["result"] == "duplicate"  # admitted on the other server
        browser, _csrf = log_in(run, url, third)
        home = browser.get("/console/").text
        for title in ("绿水乡2035年日全食观测活动", "青山镇2027年全国科普日活动"):
            assert title in home
    finally:
        third.stop()


def test_a_working_folder_with_other_files_is_refused_and_left_alone(county, run, tmp_path):
    mine = tmp_path / "my-year"
    mine.mkdir()
    (mine / "notes.txt").write_text("县科协2027年工作安排", encoding="utf-8")
    refused = run("serve", county["url"], "--workdir", mine)
    assert refused.exit_code == 2
    assert "must be empty" in refused.output
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


def test_another_database_in_the_environment_is_refused(county, run, monkeypatch, tmp_path):
    monkeypatch.setenv("KEXIE_DATABASE_URL", "postgresql://kexie@elsewhere/other")
    refused = run("organizers", "list", county["url"])
    assert refused.exit_code == 2
    assert "KEXIE_DATABASE_URL names another database" in refused.output


def test_db_put_refuses_an_event_already_there_and_db_get_writes_it_out(county, run, tmp_path):
    again = run("db", "put", county["eclipse"], "--to", county["url"])
    assert again.exit_code == 2
    assert "already has an event" in again.output

    out = tmp_path / "out" / ECLIPSE
    got = run("db", "get", county["url"], ECLIPSE, out)
    assert got.exit_code == 0, got.output
    for name in ("event.toml", "ticket-signing.key", "glasses-allocations.csv"):
        assert (out / name).read_bytes() == (county["eclipse"] / name).read_bytes()
    assert (out / "ticket-signing.key").stat().st_mode & 0o777 == 0o600
    assert not (out / "event.db").exists()
    assert run("db", "get", county["url"], ECLIPSE, out).exit_code == 2  # never over a folder
    missing = tmp_path / "no-such-event"
    assert run("db", "get", county["url"], "no-such-event", missing).exit_code == 2
    # The store is found by the folder's name: a folder named otherwise would get a new one.
    renamed = run("db", "get", county["url"], ECLIPSE, tmp_path / "got")
    assert renamed.exit_code == 2 and str(tmp_path / ECLIPSE) in renamed.output.replace("\n", "")
    assert not (tmp_path / "got").exists()


def test_a_database_that_cannot_be_reached_is_named_as_the_organiser_wrote_it(
    run, tmp_path, monkeypatch
):
    monkeypatch.delenv("KEXIE_DATABASE_URL", raising=False)
    url = "postgresql://kexie:secret@127.0.0.1:1/county2027"
    for args in (("db", "get", url, ECLIPSE, tmp_path / ECLIPSE), ("organizers", "list", url)):
        failed = run(*args)
        assert failed.exit_code == 1, failed.output
        assert "postgresql://kexie:***@127.0.0.1:1/county2027: cannot reach the database" in (
            failed.output
        )
        assert "secret" not in failed.output and "+psycopg" not in failed.output
        assert "Traceback" not in failed.output


def test_two_servers_never_share_one_working_folder(county, monkeypatch, tmp_path):
    monkeypatch.setenv("KEXIE_DATABASE_URL", county["url"])
    first = DatabaseRoot.open(county["url"], tmp_path / "copy")
    try:
        with pytest.raises(UsageError, match="another kexie serve works in this folder"):
            DatabaseRoot.open(county["url"], tmp_path / "copy")
    finally:
        first.close()
    DatabaseRoot.open(county["url"], tmp_path / "copy").close()  # free again once closed


@pytest.fixture
def two_copies(county, monkeypatch, tmp_path):
    """Two servers' copies of the county's folders, refreshed."""
    monkeypatch.setenv("KEXIE_DATABASE_URL", county["url"])
    roots = [DatabaseRoot.open(county["url"], tmp_path / name) for name in ("a", "b")]
    yield roots
    for root in roots:
        root.close()


def test_changes_travel_between_copies_by_the_rules(two_copies):
    a, b = two_copies
    a_folder, b_folder = a.folder / ECLIPSE, b.folder / ECLIPSE

    # A change on one copy reaches the other; an unchanged copy sends nothing.
    edit(a_folder, "stock = 10000", "stock = 12000")
    saved = a.folders.save(ECLIPSE, "王芳")
    assert saved.written == ("event.toml",)
    assert a.folders.save(ECLIPSE, "王芳") is None
    assert b.refresh() == {ECLIPSE}
    assert "stock = 12000" in (b_folder / "event.toml").read_text(encoding="utf-8")
    assert b.refresh() == set()

    # A file made on both copies at once: the first one saved stays, the other copy takes it.
    (a_folder / "volunteer-login.key").write_bytes(b"A" * 32)
    (b_folder / "volunteer-login.key").write_bytes(b"B" * 32)
    a.save(ECLIPSE, "王芳")
    kept = b.folders.save(ECLIPSE, "李明")
    assert kept.conflicts == ("volunteer-login.key",)
    assert (b_folder / "volunteer-login.key").read_bytes() == b"A" * 32

    # A deletion travels; hidden files, the SQLite store and links never leave the copy.
    (a_folder / "glasses-allocations.csv").unlink()
    (a_folder / ".notes").write_text("private", encoding="utf-8")
    (a_folder / "event.db").write_bytes(b"SQLite format 3\0")
    (a_folder / "elsewhere.csv").symlink_to("/etc/passwd")
    deleted = a.folders.save(ECLIPSE, "王芳")
    assert deleted.deleted == ("glasses-allocations.csv",) and deleted.written == ()
    b.refresh()
    assert not (b_folder / "glasses-allocations.csv").exists()
    assert not (b_folder / ".notes").exists() and not (b_folder / "elsewhere.csv").exists()


def test_a_kit_built_on_one_server_is_in_the_database(two_copies, plugins):
    a, b = two_copies
    builds = KitBuilds(a, plugins, executor=lambda work: work())
    _build, started = builds.start(ECLIPSE, by="王芳", lang="zh")
    assert started and builds.current(ECLIPSE).error is None
    b.refresh()
    index = b.folder / ECLIPSE / "kit" / "index.html"
    assert index.read_bytes() == (a.folder / ECLIPSE / "kit" / "index.html").read_bytes()


def test_a_working_folder_of_another_database_is_refused(tmp_path):
    folder = prepare_workdir(tmp_path / "copy", "postgresql://kexie@db.county.lan/county2027")
    assert (folder / MARKER).read_text(encoding="utf-8").strip().endswith("/county2027")
    assert prepare_workdir(folder, "postgresql://kexie@db.county.lan/county2027") == folder
    with pytest.raises(UsageError, match="events of another database"):
        prepare_workdir(folder, "postgresql://kexie@db.county.lan/county2028")


def test_db_put_names_the_events_the_database_holds(county):
    with contextlib.closing(folders_in(county["url"])) as folders:
        assert folders.ids() == sorted([ECLIPSE, SCIENCE_DAY])


def test_a_forged_event_id_neither_saves_nor_deletes_anything(county, tmp_path):
    """``..`` as an event id, sent without a login, to a server whose working folder sits
    inside an organiser's own folder (the careless set-up that would lose the most)."""
    import http.client

    mine = tmp_path / "my-event"
    mine.mkdir()
    (mine / "event.toml").write_text('title = "mine"\n', encoding="utf-8")
    server = server_on(county["url"], mine / "copy")
    try:
        for path in ("/console/events/%2e%2e/x", "/console/events/../x", "/console/events/./x"):
            connection = http.client.HTTPConnection("127.0.0.1", server.port)
            connection.request("POST", path, headers={"Origin": server.url})
            assert connection.getresponse().status in (401, 403, 404)
            connection.close()
        assert httpx.get(server.url + event_url(ECLIPSE)).status_code == 200
    finally:
        server.stop()
    assert (mine / "event.toml").read_text(encoding="utf-8") == 'title = "mine"\n'
    with contextlib.closing(folders_in(county["url"])) as folders:
        assert folders.ids() == sorted([ECLIPSE, SCIENCE_DAY])


def test_what_changed_while_no_server_ran_is_sent_not_overwritten(county, monkeypatch, tmp_path):
    monkeypatch.setenv("KEXIE_DATABASE_URL", county["url"])
    first = DatabaseRoot.open(county["url"], tmp_path / "a")
    folder = first.folder / ECLIPSE
    first.close()
    (folder / "kit").mkdir()
    (folder / "kit" / "index.html").write_text("<h1>资料包</h1>", encoding="utf-8")
    edit(folder, "stock = 10000", "stock = 12000")

    again = DatabaseRoot.open(county["url"], tmp_path / "a")  # the server starts again
    other = DatabaseRoot.open(county["url"], tmp_path / "b")
    try:
        for copy in (again.folder / ECLIPSE, other.folder / ECLIPSE):
            assert (copy / "kit" / "index.html").read_text(encoding="utf-8") == "<h1>资料包</h1>"
            assert "stock = 12000" in (copy / "event.toml").read_text(encoding="utf-8")
    finally:
        again.close()
        other.close()


def test_a_link_in_the_copy_is_never_written_or_deleted_through(two_copies, tmp_path):
    a, b = two_copies
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "index.html").write_text("the web root's own page", encoding="utf-8")
    (a.folder / ECLIPSE / "kit").symlink_to(outside, target_is_directory=True)

    (b.folder / ECLIPSE / "kit").mkdir()
    (b.folder / ECLIPSE / "kit" / "index.html").write_text("kit", encoding="utf-8")
    b.save(ECLIPSE, "李明")
    a.refresh()
    (b.folder / ECLIPSE / "kit" / "index.html").unlink()
    b.save(ECLIPSE, "李明")
    a.refresh()
    assert (outside / "index.html").read_text(encoding="utf-8") == "the web root's own page"


def test_two_copies_changing_one_file_keep_the_first_and_say_so(two_copies):
    a, b = two_copies
    edit(a.folder / ECLIPSE, "stock = 10000", "stock = 12000")
    edit(b.folder / ECLIPSE, "stock = 10000", "stock = 9000")
    assert a.folders.save(ECLIPSE, "王芳").written == ("event.toml",)
    clash = b.folders.save(ECLIPSE, "李明")
    assert clash.conflicts == ("event.toml",) and clash.written == ()
    assert "stock = 12000" in (b.folder / ECLIPSE / "event.toml").read_text(encoding="utf-8")


def test_the_console_says_a_change_met_another_servers_and_was_not_saved(two_copies, plugins):
    """Another server saves the same file between this server's refresh and its save: the
    organiser is answered 409, not "saved"."""
    here, elsewhere = two_copies

    def change():
        edit(elsewhere.folder / ECLIPSE, "stock = 10000", "stock = 12000")
        elsewhere.save(ECLIPSE, "李明")  # the other server, a moment earlier
        edit(here.folder / ECLIPSE, "stock = 10000", "stock = 9000")

    with console_changing(here, plugins, change) as post:
        answer = post()
    assert answer.status_code == 409
    assert "另一位组织者几乎同时修改了这个活动" in answer.text
    text = (here.folder / ECLIPSE / "event.toml").read_text(encoding="utf-8")
    assert "stock = 12000" in text  # the copy has what was saved first


@contextlib.contextmanager
def console_changing(root, plugins, change):
    """The console of ``root`` with one more page, ``POST /console/events/ECLIPSE/stock``,
    that calls ``change``; yields a function that posts it as a logged-in admin."""
    from starlette.responses import RedirectResponse
    from starlette.routing import Route

    from kexie_events.console.accounts import open_accounts
    from kexie_events.server import root_app

    async def endpoint(request):
        change()
        return RedirectResponse(request.url.path, status_code=303)

    path = f"/console/events/{ECLIPSE}/stock"
    app = root_app(root, plugins, console_routes=(Route(path, endpoint, methods=["POST"]),))
    try:
        with open_accounts(root) as accounts:
            browser, csrf = console_login(app, accounts, "王芳", role="admin")
            yield lambda: browser.post(quote(path), data={"csrf": csrf})
    finally:
        app.close()


def test_organizers_commands_on_a_database_write_nothing_to_the_disk(
    county, run, monkeypatch, tmp_path
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    added = run("organizers", "add", county["url"], "李明", "--events", ECLIPSE)
    assert added.exit_code == 0, added.output
    assert "请用 --url 给出组织者打开控制台的地址" in added.output  # it cannot know the servers
    unknown = run("organizers", "add", county["url"], "赵强", "--events", "no-such-event")
    assert unknown.exit_code == 2 and "绿水乡日食观测" in unknown.output
    assert not (tmp_path / "cache").exists()


def test_a_file_name_the_copy_cannot_take_is_skipped_not_fatal(
    county, monkeypatch, tmp_path, make_event, run
):
    """A name as long as the file system allows is copied (the copy writes beside it under a
    short name); one longer, written into the database by hand, is left out with a warning,
    and the event and every other event are served all the same."""
    monkeypatch.delenv("KEXIE_DATABASE_URL", raising=False)
    longest = "绿" * 82 + ".csv"  # 250 bytes: as long as a name may be
    folder = make_event("solar-eclipse-observation", "zh").rename(tmp_path / "长名")
    (folder / longest).write_text("单位,数量\n", encoding="utf-8")
    assert run("db", "put", folder, "--to", county["url"]).exit_code == 0
    monkeypatch.setenv("KEXIE_DATABASE_URL", county["url"])
    with (
        contextlib.closing(folders_in(county["url"])) as folders,
        folders.store.transaction() as db,
    ):
        db.execute(
            text(
                "INSERT INTO console_event_files (event_id, path, sha256, mode, content, revision)"
                " VALUES (:id, :path, 'x', 420, :content, 9)"
            ),
            {"id": ECLIPSE, "path": "n" * 300, "content": b"too long"},
        )
        db.execute(text("UPDATE console_event_folders SET revision = 9 WHERE event_id = :id"),
                   {"id": ECLIPSE})  # fmt: skip

    root = DatabaseRoot.open(county["url"], tmp_path / "copy")  # starts, whatever the names
    try:
        assert (root.folder / "长名" / longest).read_text(encoding="utf-8") == "单位,数量\n"
        assert (root.folder / ECLIPSE / "event.toml").is_file()
        assert not [p for p in (root.folder / ECLIPSE).iterdir() if p.name.endswith(".part")]
    finally:
        root.close()


def test_without_its_record_a_copy_sets_aside_what_the_database_no_longer_has(
    county, monkeypatch, tmp_path
):
    from kexie_events.console.database_root import RECORD

    monkeypatch.setenv("KEXIE_DATABASE_URL", county["url"])
    DatabaseRoot.open(county["url"], tmp_path / "copy").close()
    with contextlib.closing(folders_in(county["url"])) as folders:
        before = dict(_revisions(folders))
        with folders.store.transaction() as db:  # science-day is deleted in the database
            for table in ("console_event_files", "console_event_folders"):
                db.execute(text(f"DELETE FROM {table} WHERE event_id = :id"), {"id": SCIENCE_DAY})
    (tmp_path / "copy" / RECORD).unlink()  # ...and the copy's record is lost

    root = DatabaseRoot.open(county["url"], tmp_path / "copy")
    try:
        assert sorted(root.events()) == [ECLIPSE]  # not brought back to life
        aside = [p.name for p in (tmp_path / "copy").iterdir() if p.name.startswith(".set-aside")]
        assert len(aside) == 1 and SCIENCE_DAY in aside[0]
        with contextlib.closing(folders_in(county["url"])) as folders:
            assert dict(_revisions(folders)) == {ECLIPSE: before[ECLIPSE]}  # nothing re-sent
    finally:
        root.close()


def _revisions(folders):
    with folders.store.reading() as db:
        return list(db.execute(text("SELECT event_id, revision FROM console_event_folders")))


def test_a_change_the_database_could_not_take_is_said_and_sent_later(
    two_copies, plugins, monkeypatch
):
    from kexie_events.database import StoreUnavailable

    here, elsewhere = two_copies
    send = here.folders._send
    down = [True]

    def flaky(*args):
        if down[0]:
            raise StoreUnavailable("broken", "connection refused")
        return send(*args)

    monkeypatch.setattr(here.folders, "_send", flaky)
    change = partial(edit, here.folder / ECLIPSE, "stock = 10000", "stock = 12000")
    with console_changing(here, plugins, change) as post:
        answer = post()
        assert answer.status_code == 503
        assert "暂时无法连接数据库，还没有同步" in answer.text
        down[0] = False
        here.refresh()  # as the next request does: what was kept is sent first
    elsewhere.refresh()
    assert "stock = 12000" in (elsewhere.folder / ECLIPSE / "event.toml").read_text("utf-8")
