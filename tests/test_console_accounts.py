"""Console accounts as a county's admin gives them out from the terminal: a one-time link for
each organiser, a township's organiser limited to their township's event, links that work once
and for a week, sessions that end, revoking that takes effect at once, and a record of who did
each of these."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat

import pytest
from sqlalchemy import text

from kexie_events import volunteers
from kexie_events.console.accounts import LinkRefused, open_accounts
from kexie_events.templates import create, find


@pytest.fixture
def year(tmp_path, plugins):
    """A county's year: two townships' events, in Chinese."""
    root = tmp_path / "2027"
    create(find(plugins, "science-day"), root / "绿水乡科普日", "zh")
    create(find(plugins, "solar-eclipse-observation"), root / "青山镇日食观测", "zh")
    return root


@pytest.fixture
def accounts(year):
    with open_accounts(year) as opened:
        yield opened


def link_of(output: str) -> str:
    return re.search(r"(http\S+/console/login\?token=\S+)", output)[1]


def token_of(output: str) -> str:
    return link_of(output).split("token=")[1]


def later(accounts, **delta) -> None:
    """Move the accounts' clock forward."""
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(**delta)
    accounts.clock = lambda: moment


def test_an_admin_and_a_township_organiser_get_login_links(year, run):
    admin = run("organizers", "add", year, "王芳", "--role", "admin", "--by", "县科协")
    assert admin.exit_code == 0, admin.output
    assert "王芳（管理员）的一次性登录链接" in admin.output
    assert link_of(admin.output).startswith("http://127.0.0.1:8000/console/login?token=")
    assert "kexie serve 没有运行" in admin.output  # the address is a guess, and says so
    assert "▀" in admin.output or "▄" in admin.output  # the QR code, to scan off the screen
    township = run("organizers", "add", year, "李明", "--events", "绿水乡科普日")
    assert township.exit_code == 0, township.output
    assert link_of(township.output) != link_of(admin.output)

    listed = run("organizers", "list", year)
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].startswith("李明  组织者  绿水乡科普日  ")
    assert lines[1].startswith("王芳  管理员  全部活动  ")
    assert "由县科协添加" in lines[1]
    with open_accounts(year) as accounts:
        where = accounts.store.location
    if where.path is not None:  # beside the events, readable by their owner only
        assert where.path == year / "console.db"
        assert stat.S_IMODE(where.path.stat().st_mode) == 0o600
    else:  # with KEXIE_DATABASE_URL: one schema for the console
        assert where.schema == "kexie_console"


def test_a_login_link_logs_in_once(year, run, accounts):
    token = token_of(run("organizers", "add", year, "李明", "--events", "绿水乡科普日").output)
    # Opening the link (a chat app's preview does) shows whose it is and uses nothing up.
    assert accounts.link_holder(token).name == "李明"
    assert accounts.link_holder(token).name == "李明"
    session = accounts.redeem(token)
    organiser = accounts.session(session.id)
    assert organiser.name == "李明"
    assert organiser.may_see("绿水乡科普日")
    assert not organiser.may_see("青山镇日食观测")
    with pytest.raises(LinkRefused) as refused:
        accounts.redeem(token)
    assert refused.value.reason == "used"
    with pytest.raises(LinkRefused) as refused:
        accounts.redeem(token[:-1])
    assert refused.value.reason == "unknown"
    # The store keeps neither the link's token nor the session's id, only their SHA-256.
    with accounts.store.reading() as db:
        kept = [
            str(row)
            for table in ("console_links", "console_sessions")
            for row in db.execute(text(f"SELECT * FROM {table}"))
        ]
    assert not [row for row in kept if token in row or session.id in row]
    assert any(hashlib.sha256(token.encode()).hexdigest() in row for row in kept)


def test_a_link_expires_after_a_week(year, run, accounts):
    token = token_of(run("organizers", "add", year, "李明", "--events", "绿水乡科普日").output)
    later(accounts, days=7, minutes=1)
    with pytest.raises(LinkRefused) as refused:
        accounts.redeem(token)
    assert refused.value.reason == "expired"

    again = run("organizers", "link", year, "李明")  # the admin prints a new one
    assert again.exit_code == 0, again.output
    accounts.clock = lambda: dt.datetime.now(dt.UTC)
    assert accounts.redeem(token_of(again.output)).organiser.name == "李明"


def test_a_new_link_withdraws_the_unused_one(year, run, accounts):
    first = token_of(run("organizers", "add", year, "李明", "--events", "绿水乡科普日").output)
    second = token_of(run("organizers", "link", year, "李明").output)
    with pytest.raises(LinkRefused) as refused:
        accounts.redeem(first)
    assert refused.value.reason == "withdrawn"
    assert accounts.redeem(second).organiser.name == "李明"


def test_a_session_ends_when_idle_and_after_a_week(year, run, accounts):
    start = dt.datetime.now(dt.UTC)

    def at(**delta) -> None:
        accounts.clock = lambda: start + dt.timedelta(**delta)

    token = token_of(run("organizers", "add", year, "李明", "--events", "绿水乡科普日").output)
    session = accounts.redeem(token)
    at(hours=11)
    assert accounts.session(session.id) is not None  # used: it stays alive
    at(hours=22)
    assert accounts.session(session.id) is not None  # 11 hours since the last request
    at(hours=34)
    assert accounts.session(session.id) is None  # 12 hours idle

    at()
    session = accounts.redeem(token_of(run("organizers", "link", year, "李明").output))
    for hours in range(0, 7 * 24, 10):  # busy every day, still a week at most
        at(hours=hours)
        assert accounts.session(session.id) is not None
    at(days=7, minutes=1)
    assert accounts.session(session.id) is None

    at()
    session = accounts.redeem(token_of(run("organizers", "link", year, "李明").output))
    accounts.end_session(session.id)  # logging out
    assert accounts.session(session.id) is None


def test_revoking_logs_out_at_once_and_stops_links(year, run, accounts):
    added = run("organizers", "add", year, "李明", "--events", "绿水乡科普日")
    session = accounts.redeem(token_of(added.output))
    unused = token_of(run("organizers", "link", year, "李明").output)
    assert accounts.session(session.id).name == "李明"

    revoked = run("organizers", "revoke", year, "李明", "--by", "王芳")
    assert revoked.exit_code == 0, revoked.output
    assert "已注销李明的控制台账号" in revoked.output
    assert accounts.session(session.id) is None
    with pytest.raises(LinkRefused) as refused:
        accounts.link_holder(unused)
    assert refused.value.reason == "revoked"
    assert "李明" not in run("organizers", "list", year).output

    # The name may be given an account again; the old session and links stay dead.
    readded = run("organizers", "add", year, "李明", "--events", "青山镇日食观测")
    assert readded.exit_code == 0, readded.output
    assert accounts.session(session.id) is None
    organiser = accounts.redeem(token_of(readded.output)).organiser
    assert organiser.events == frozenset({"青山镇日食观测"})

    missing = run("organizers", "revoke", year, "张伟")
    assert missing.exit_code == 2
    assert "没有名为张伟的控制台账号" in missing.output


def test_a_name_already_active_is_refused(year, run):
    run("organizers", "add", year, "李明", "--events", "绿水乡科普日")
    again = run("organizers", "add", year, "李明", "--events", "青山镇日食观测")
    assert again.exit_code == 2
    assert "李明已有控制台账号" in again.output
    assert f"kexie organizers link {year} 李明" in again.output
    assert "Traceback" not in again.output
    assert "login?token=" not in again.output


def test_an_event_the_root_does_not_hold_is_refused(year, run):
    added = run("organizers", "add", year, "李明", "--events", "绿水乡科普日,白云村")
    assert added.exit_code == 2
    assert "没有这些活动：白云村" in added.output
    assert "绿水乡科普日, 青山镇日食观测" in added.output  # what there is
    assert "login?token=" not in added.output
    assert "李明" not in run("organizers", "list", year).output

    nothing = run("organizers", "add", year, "李明")  # a year's organizer needs events
    assert nothing.exit_code == 2
    assert "--events" in nothing.output
    admin = run("organizers", "add", year, "王芳", "--role", "admin", "--events", "绿水乡科普日")
    assert admin.exit_code == 2
    assert "管理员可以查看所有活动" in admin.output


def test_an_event_folder_is_a_root_of_one_event_in_its_language(make_event, run, accounts_of):
    folder = make_event("science-day", "en")
    added = run("organizers", "add", folder, "Ana")
    assert added.exit_code == 0, added.output
    assert "one-time login link for Ana (organizer)" in added.output
    assert "kexie serve is not running" in added.output
    organiser = accounts_of(folder).redeem(token_of(added.output)).organiser
    assert organiser.events == frozenset({folder.name})  # the one event, by default
    assert organiser.lang == "en"
    again = run("organizers", "add", folder, "Ana")
    assert again.exit_code == 2
    assert "Ana already has a console account" in again.output


@pytest.fixture
def accounts_of():
    opened = []

    def open_(root):
        opened.append(open_accounts(root))
        return opened[-1]

    yield open_
    for accounts in opened:
        accounts.close()


def test_the_link_points_at_the_running_console(year, run):
    # What `kexie serve ROOT --host 0.0.0.0 --https --port 8443` announces (this process
    # stands in for it).
    state = volunteers.Server(
        os.getpid(),
        "https",
        "0.0.0.0",
        8443,
        ("https://127.0.0.1:8443/", "https://192.168.1.20:8443/"),
    )
    volunteers.announce_server(year, state)
    added = run("organizers", "add", year, "王芳", "--role", "admin")
    assert link_of(added.output).startswith("https://192.168.1.20:8443/console/login?token=")
    assert "注意" not in added.output and "警告" not in added.output
    given = run("organizers", "link", year, "王芳", "--url", "http://kexie.example:8000/")
    assert link_of(given.output).startswith("http://kexie.example:8000/console/login?token=")
    assert "明文" in given.output  # a plain-http link across the network is a warning


def test_every_change_is_recorded_with_who_made_it(year, run, accounts, monkeypatch):
    monkeypatch.setenv("KEXIE_USER", "王芳")
    added = run("organizers", "add", year, "李明", "--events", "绿水乡科普日")
    session = accounts.redeem(token_of(added.output))
    accounts.end_session(session.id)
    run("organizers", "link", year, "李明", "--by", "县科协办公室")
    run("organizers", "revoke", year, "李明")
    kinds = ("console.added", "console.link", "console.login", "console.logout")
    recorded = [
        (entry.kind, entry.by, entry.data.get("name"))
        for kind in (*kinds, "console.revoked")
        for entry in accounts.store.entries(kind)
    ]
    assert recorded == [
        ("console.added", "王芳", "李明"),
        ("console.link", "王芳", "李明"),
        ("console.link", "县科协办公室", "李明"),
        ("console.login", "李明", "李明"),
        ("console.logout", "李明", "李明"),
        ("console.revoked", "王芳", "李明"),
    ]
    listed = run("organizers", "list", year, "--json")
    assert listed.exit_code == 0
    assert listed.output.strip() == "[]"
