"""Self-service sign-up (issue 16), driven through the real server: seats under concurrency,
the waiting list, cancellation and promotion, abuse limits, messages, the organiser's commands
and the report's no-shows."""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import os
import stat
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from kexie_events import hookimpl, volunteers
from kexie_events.eventfile import load_event
from kexie_events.store import open_event_store
from kexie_plugins.registration.challenge import leading_zero_bits, solve

from conftest import edit, free_port, line_of

GATE = "校门"
SLOT = """
[[registration.slots]]
id = "{id}"
start = 2028-12-31T{start}:00
end = 2028-12-31T{end}:00
capacity = {capacity}
"""


def signup_event(
    make_event,
    *,
    capacity: int = 100,
    waitlist: bool = True,
    rate: int = 1000,
    fields: str = '["name", "phone", "audience"]',
    extra: str = "",
    slots: tuple = (("a", "23:30", "23:45"),),
) -> Path:
    """The lunar-eclipse template (zh) with its [registration] replaced by one open now."""
    folder = make_event("lunar-eclipse-night", "zh")
    path = folder / "event.toml"
    text = path.read_text(encoding="utf-8")
    text = text[: text.index("\n# 网上预约报名")]
    text += f"""
[registration]
opens = 2020-01-01T09:00:00
closes = 2028-12-31T18:00:00
fields = {fields}
party_max = 4
per_phone = 1
waitlist = {"true" if waitlist else "false"}
per_address_per_minute = {rate}
{extra}
"""
    for slot_id, start, end in slots:
        text += SLOT.format(id=slot_id, start=start, end=end, capacity=capacity)
    path.write_text(text, encoding="utf-8")
    return folder


class Public:
    """A member of the public's phone: fetches a challenge, solves it, signs up."""

    def __init__(self, url: str, **options):
        self.client = httpx.Client(base_url=url, timeout=60, **options)

    def proof(self) -> dict:
        answer = self.client.get("/r/api/v1/challenge")
        assert answer.status_code == 200, answer.text
        token, bits = answer.json()["token"], answer.json()["bits"]
        return {"token": token, "answer": solve(token, bits)}

    def sign_up(self, **body) -> httpx.Response:
        body.setdefault("audience", "others")
        body.setdefault("slot", "a")
        return self.client.post("/r/api/v1/registrations", json={**body, "challenge": self.proof()})

    def cancel(self, manage_url: str) -> httpx.Response:
        secret = manage_url.rsplit("/", 1)[1]
        return self.client.post(f"/r/api/v1/registrations/{secret}/cancel", json={})

    def show(self, manage_url: str) -> dict:
        secret = manage_url.rsplit("/", 1)[1]
        return self.client.get(f"/r/api/v1/registrations/{secret}").json()


def listing(run, folder) -> list[dict]:
    result = run("registrations", "list", folder, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def wait_for(condition, timeout: float = 20.0):
    """Poll ``condition`` until it holds (a message crossing a real SMTP server)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


# --- capacity ---------------------------------------------------------------------------------


@pytest.mark.parametrize("round_", range(3))
def test_200_concurrent_signups_for_100_seats_give_exactly_100_confirmed(
    round_, make_event, live_server, run
):
    folder = signup_event(make_event, capacity=100)
    server = live_server(folder)
    public = Public(server.url)
    proofs = [public.proof() for _ in range(200)]  # solved beforehand, so the posts race
    answers: list[httpx.Response | None] = [None] * 200
    start = threading.Barrier(100)

    def phone(index: int) -> None:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            start.wait()
            for i in (index, index + 100):
                body = {"name": f"观众{i}", "phone": f"139{i:08d}", "audience": "others"}
                answers[i] = client.post(
                    "/r/api/v1/registrations", json={**body, "slot": "a", "challenge": proofs[i]}
                )

    threads = [threading.Thread(target=phone, args=(i,)) for i in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(a.status_code for a in answers) == {201: 200}
    bodies = [a.json() for a in answers]
    assert Counter(b["status"] for b in bodies) == {"confirmed": 100, "waitlisted": 100}
    numbers = {b["ticket"]["number"] for b in bodies if b["status"] == "confirmed"}
    assert len(numbers) == 100
    positions = sorted(b["position"] for b in bodies if b["status"] == "waitlisted")
    assert positions == list(range(1, 101))
    assert all(b["ticket"] is None for b in bodies if b["status"] == "waitlisted")
    recorded = listing(run, folder)
    assert sum(r["party"] for r in recorded if r["status"] == "confirmed") == 100
    assert Counter(r["status"] for r in recorded) == {"confirmed": 100, "waitlisted": 100}
    tickets = json.loads(run("tickets", "list", folder, "--json").stdout)
    assert len(tickets) == 100


def test_a_full_event_without_a_waiting_list_is_409_with_a_reason(make_event, live_server, run):
    folder = signup_event(make_event, capacity=3, waitlist=False)
    public = Public(live_server(folder).url)
    assert public.sign_up(name="甲", phone="13900000001", party=2).status_code == 201
    refused = public.sign_up(name="乙", phone="13900000002", party=2)
    assert refused.status_code == 409
    assert refused.json()["reason"] == "full"
    assert "名额已满" in refused.json()["error"] and "只剩1个" in refused.json()["error"]
    assert public.sign_up(name="丙", phone="13900000003", party=1).json()["status"] == "confirmed"
    assert len(listing(run, folder)) == 2


def test_sign_up_is_refused_before_it_opens(make_event, live_server):
    folder = make_event("lunar-eclipse-night", "zh")  # the template opens on 2028-12-20
    public = Public(live_server(folder).url)
    answer = public.sign_up(name="甲", phone="13900000001", slot="1231-2330")
    assert answer.status_code == 409
    assert answer.json() == {"error": "报名还没有开始", "reason": "not_open"}
    assert "报名将于2028年12月20日 09:00开始" in public.client.get("/r/").text


# --- fields -----------------------------------------------------------------------------------


BAD_FIELDS = [
    ({"phone": "12812345678"}, "phone", "请填写正确的11位手机号码（以13至19开头）"),
    ({"phone": "1391234567"}, "phone", "请填写正确的11位手机号码（以13至19开头）"),
    ({"phone": None}, "phone", "请填写手机号码"),
    ({"name": "  "}, "name", "请填写姓名"),
    ({"name": "张\u202e三"}, "name", "姓名含有不可见的控制字符"),
    ({"slot": "b"}, "slot", "场次无效：“b”不在可选范围内"),
    ({"party": 5}, "party", "人数必须在1到4之间"),
    ({"party": "2"}, "party", "人数必须是整数"),
    ({"audience": "aliens"}, "audience", "人群类别无效：“aliens”不在可选范围内"),
    ({"answers": {"school": ""}}, "answers.school", "请填写学校"),
    ({"answers": {"school": "一中", "pets": "猫"}}, "answers.pets", "没有这个问题"),
    ({"nickname": "小张"}, "nickname", "无法识别的字段：'nickname'"),
]


def test_bad_fields_are_400_naming_the_field(make_event, live_server, run):
    question = '[[registration.questions]]\nid = "school"\nlabel = "学校"\nrequired = true\n'
    folder = signup_event(make_event, extra=question)
    public = Public(live_server(folder).url)
    for change, field, message in BAD_FIELDS:
        body = {"name": "张三", "phone": "13812345678", "answers": {"school": "一中"}, **change}
        answer = public.sign_up(**{k: v for k, v in body.items() if v is not None})
        assert answer.status_code == 400, change
        assert answer.json() == {"error": message, "field": field}, change
    assert listing(run, folder) == []


def test_mainland_numbers_are_accepted_as_people_type_them(make_event, live_server, run):
    folder = signup_event(make_event, capacity=10)
    public = Public(live_server(folder).url)
    for i, typed in enumerate(["+86 139-1234-5670", "１３９１２３４５６７１", "86 139 1234 5672"]):
        assert public.sign_up(name=f"观众{i}", phone=typed).status_code == 201
    assert [r["phone"] for r in listing(run, folder)] == [f"1391234567{i}" for i in range(3)]


# --- abuse ------------------------------------------------------------------------------------


def test_a_phone_number_holds_per_phone_signups_until_one_is_cancelled(make_event, live_server):
    folder = signup_event(make_event, capacity=10)
    public = Public(live_server(folder).url)
    first = public.sign_up(name="张三", phone="13812345678")
    assert first.status_code == 201
    again = public.sign_up(name="张三丰", phone="+86 138 1234 5678")
    assert again.status_code == 409
    assert again.json()["reason"] == "phone_limit"
    assert "这个手机号已经报过名（每个手机号限报1次）" in again.json()["error"]
    assert public.cancel(first.json()["manage_url"]).json() == {"status": "cancelled"}
    assert public.sign_up(name="张三", phone="13812345678").status_code == 201


def test_signups_are_rate_limited_per_address(make_event, live_server, run):
    folder = signup_event(make_event, capacity=10, rate=3)
    server = live_server(folder)
    public = Public(server.url)
    proofs = [public.proof() for _ in range(5)]
    answers = []
    for i, proof in enumerate(proofs):
        body = {"name": f"观众{i}", "phone": f"1390000000{i}", "audience": "others", "slot": "a"}
        answers.append(
            public.client.post("/r/api/v1/registrations", json={**body, "challenge": proof})
        )
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    assert answers[3].json()["reason"] == "rate_limit"
    assert 0 < int(answers[3].headers["Retry-After"]) <= 60
    assert "提交太频繁" in answers[3].json()["error"]
    # Another address is served: the limit is per address, not for everyone.
    neighbour = Public(server.url, transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    assert neighbour.sign_up(name="邻居", phone="13900000009").status_code == 201
    assert len(listing(run, folder)) == 4


def test_the_challenge_is_needed_signed_and_good_once(make_event, live_server, run):
    folder = signup_event(make_event, capacity=10)
    public = Public(live_server(folder).url)
    body = {"name": "张三", "phone": "13812345678", "audience": "others", "slot": "a"}
    post = lambda **extra: public.client.post(  # noqa: E731
        "/r/api/v1/registrations", json={**body, **extra}
    )
    assert post().json()["field"] == "challenge"
    proof = public.proof()
    wrong = next(
        str(n)
        for n in range(10**6)
        if leading_zero_bits(hashlib.sha256(f"{proof['token']}:{n}".encode()).digest()) < 12
    )
    answer = post(challenge={**proof, "answer": wrong})
    assert (answer.status_code, answer.json()["field"]) == (400, "challenge")
    forged_token = proof["token"][:-1] + ("0" if proof["token"][-1] != "0" else "1")
    forged = {"token": forged_token, "answer": solve(forged_token, 12)}
    assert post(challenge=forged).json()["field"] == "challenge"
    assert post(challenge=proof).status_code == 201
    replayed = post(challenge=proof, phone="13912345678")
    assert (replayed.status_code, replayed.json()["error"]) == (400, "页面需要刷新，请重新提交")
    assert len(listing(run, folder)) == 1


# --- cancellation and the waiting list --------------------------------------------------------


# --- several servers, one event ---------------------------------------------------------------


def test_two_servers_of_one_event_share_the_seats_and_the_challenges(make_event, live_server, run):
    folder = signup_event(make_event, capacity=20)
    servers = [live_server(folder), live_server(folder)]  # two processes, one store
    first, second = (Public(server.url) for server in servers)
    # A token one server gave is good at the other, and only once at either.
    proof = first.proof()
    body = {"name": "张三", "phone": "13900000000", "audience": "others", "slot": "a"}
    made = second.client.post("/r/api/v1/registrations", json={**body, "challenge": proof})
    assert made.status_code == 201, made.text
    body["phone"] = "13900000001"
    again = first.client.post("/r/api/v1/registrations", json={**body, "challenge": proof})
    assert again.status_code == 400 and again.json()["field"] == "challenge"
    # Sign-ups racing through both servers never share a seat.
    proofs = [first.proof() for _ in range(40)]
    answers: list[httpx.Response | None] = [None] * 40
    start = threading.Barrier(40)

    def phone(index: int) -> None:
        with httpx.Client(base_url=servers[index % 2].url, timeout=60) as client:
            start.wait()
            form = {**body, "name": f"观众{index}", "phone": f"139{index + 10:08d}"}
            answers[index] = client.post(
                "/r/api/v1/registrations", json={**form, "challenge": proofs[index]}
            )

    threads = [threading.Thread(target=phone, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(a.json()["status"] for a in answers) == {"confirmed": 19, "waitlisted": 21}
    signups = listing(run, folder)
    tickets = [n for r in signups for n in r["tickets"] if r["status"] == "confirmed"]
    assert len(tickets) == len(set(tickets)) == 20
    assert sorted(r["position"] for r in signups if r["position"]) == list(range(1, 22))


def test_the_address_limit_counts_what_came_through_either_server(make_event, live_server, run):
    folder = signup_event(make_event, capacity=10, rate=3)
    servers = [live_server(folder), live_server(folder)]
    publics = [Public(server.url) for server in servers]
    proofs = [publics[0].proof() for _ in range(5)]
    answers = []
    for i, proof in enumerate(proofs):
        body = {"name": f"观众{i}", "phone": f"1390000000{i}", "audience": "others", "slot": "a"}
        answers.append(
            publics[i % 2].client.post("/r/api/v1/registrations", json={**body, "challenge": proof})
        )
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    assert 0 < int(answers[3].headers["Retry-After"]) <= 60
    assert len(listing(run, folder)) == 3


def test_cancelling_frees_seats_and_promotes_the_waiting_list_in_order(
    make_event, live_server, run
):
    folder = signup_event(make_event, capacity=3)
    public = Public(live_server(folder).url)
    a = public.sign_up(name="甲", phone="13900000001", party=2).json()
    b = public.sign_up(name="乙", phone="13900000002", party=1).json()
    c = public.sign_up(name="丙", phone="13900000003", party=2).json()
    d = public.sign_up(name="丁", phone="13900000004", party=1).json()
    e = public.sign_up(name="戊", phone="13900000005", party=1).json()
    assert [x["status"] for x in (a, b, c, d, e)] == ["confirmed"] * 2 + ["waitlisted"] * 3
    assert [x["position"] for x in (c, d, e)] == [1, 2, 3]

    # 乙 cancels on their page: one seat. 丙 (2 people) does not fit and keeps first place;
    # 丁 behind them does, and moves up.
    assert public.cancel(b["manage_url"]).json() == {"status": "cancelled"}
    assert public.cancel(b["manage_url"]).json()["reason"] == "cancelled"
    assert public.show(b["manage_url"])["status"] == "cancelled"
    d_now = public.show(d["manage_url"])
    assert d_now["status"] == "confirmed" and len(d_now["tickets"]) == 1
    assert public.show(c["manage_url"])["position"] == 1
    assert public.show(e["manage_url"])["position"] == 2

    # The organiser cancels 甲 (2 seats): 丙 moves up, 戊 is first in line.
    ids = {r["name"]: r["id"] for r in listing(run, folder)}
    result = run("registrations", "cancel", folder, ids["甲"], "--reason", "打电话取消")
    assert result.exit_code == 0, result.output
    assert f"moved up from the waiting list: sign-up {ids['丙']}" in result.output
    assert public.show(c["manage_url"])["status"] == "confirmed"
    assert public.show(e["manage_url"])["position"] == 1

    # A cancelled sign-up's tickets no longer admit; a promoted one's do.
    refused = run("checkin", folder, b["ticket"]["code"], "--gate", GATE)
    assert refused.exit_code == 1 and "作废" in refused.output
    assert run("checkin", folder, d_now["ticket"]["code"], "--gate", GATE).exit_code == 0
    seats = sum(r["party"] for r in listing(run, folder) if r["status"] == "confirmed")
    assert seats == 3
    status = run("status", folder).output
    assert "已确认3/3人，候补1组（1人），已取消2组" in status


# --- messages ---------------------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp(monkeypatch):
    """A real SMTP server on 127.0.0.1, and no KEXIE_SMTP_* from the developer's shell."""
    from aiosmtpd.controller import Controller

    for name in list(os.environ):
        if name.startswith("KEXIE_SMTP_"):
            monkeypatch.delenv(name)
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def test_messages_are_delivered_to_a_local_smtp_server(make_event, live_server, run, smtp):
    inbox, port = smtp
    email_section = (
        f'[registration.email]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
        'sender = "kexie@example.org"\n'
    )
    folder = signup_event(
        make_event, capacity=1, fields='["name", "phone", "email"]', extra=email_section
    )
    server = live_server(folder)
    public = Public(server.url)
    first = public.sign_up(name="张三", phone="13900000001", email="zhang@example.org").json()
    second = public.sign_up(name="李四", phone="13900000002", email="li@example.org").json()
    [confirmation] = wait_for(lambda: inbox.to("zhang@example.org"))
    assert confirmation["Subject"] == "报名成功：××县2028年跨年夜月全食观测活动"
    assert confirmation["From"] == "kexie@example.org"
    text = confirmation.get_content()
    assert "张三您好，您已成功报名" in text
    assert "2028年12月31日 23:30–23:45" in text and "县第一中学操场" in text
    assert f"票号{first['ticket']['number']:06d}" in text
    assert first["manage_url"] in text and first["manage_url"].startswith(server.url + "/r/m/")
    [waiting] = wait_for(lambda: inbox.to("li@example.org"))
    assert "您已进入候补名单第1位" in waiting.get_content()

    public.cancel(first["manage_url"])
    wait_for(lambda: len(inbox.to("zhang@example.org")) == 2)
    wait_for(lambda: len(inbox.to("li@example.org")) == 2)
    assert inbox.to("zhang@example.org")[1]["Subject"].startswith("报名已取消")
    promoted = inbox.to("li@example.org")[1]
    assert promoted["Subject"].startswith("候补成功")
    promoted_ticket = public.show(second["manage_url"])["ticket"]["number"]
    assert f"票号{promoted_ticket:06d}" in promoted.get_content()

    # The reminder the day before goes once to everyone confirmed for that day.
    result = run("registrations", "remind", folder, "--day", "2028-12-31")
    assert result.exit_code == 0, result.output
    assert "1 reminders for 2028-12-31" in result.output
    [reminder] = [m for m in inbox.to("li@example.org") if m["Subject"].startswith("活动提醒")]
    assert "李四您好，提醒您按时参加" in reminder.get_content()
    assert "0 reminders" in run("registrations", "remind", folder, "--day", "2028-12-31").output

    def log_when_all_sent():  # the server records a delivery just after the SMTP answer
        log = json.loads(run("registrations", "messages", folder, "--json").stdout)
        return log if all(m["status"] != "sending" for m in log) else None

    log = wait_for(log_when_all_sent)
    # In the order they were queued: a promotion is queued with the cancellation that made room.
    assert [(m["kind"], m["status"], m["channels"]) for m in log] == [
        ("confirmed", "sent", "log, email"),
        ("waitlisted", "sent", "log, email"),
        ("promoted", "sent", "log, email"),
        ("cancelled", "sent", "log, email"),
        ("reminder", "sent", "log, email"),
    ]


class Sms:
    """What an SMS plugin would do: send ``message.text`` to ``person.phone``."""

    def __init__(self):
        self.sent: list[tuple[str, str, str, str]] = []

    @hookimpl
    def kexie_notify(self, person, message):
        self.sent.append((person.phone, message.kind, message.text, message.url))
        return "sms"


class BrokenGateway:
    @hookimpl
    def kexie_notify(self, person):
        raise ConnectionError("gateway down")


def test_hook_kexie_notify(make_event, live_server, run, register):
    folder = signup_event(make_event, capacity=1)
    server = live_server(folder)
    public = Public(server.url)
    public.sign_up(name="张三", phone="13900000001")
    waiting = public.sign_up(name="李四", phone="13900000002").json()
    sms = register(Sms(), "sms")
    register(BrokenGateway(), "broken-gateway")
    ids = {r["name"]: r["id"] for r in listing(run, folder)}
    assert run("registrations", "cancel", folder, ids["张三"]).exit_code == 0
    sent = {(phone, kind): (text, url) for phone, kind, text, url in sms.sent}
    assert "张三您好，您在“××县2028年跨年夜月全食观测活动”" in sent[("13900000001", "cancelled")][0]
    text, url = sent[("13900000002", "promoted")]
    assert url == waiting["manage_url"] and url in text
    # One channel failing does not stop the others, and the log says what happened.
    log = json.loads(run("registrations", "messages", folder, "--json").stdout)
    promoted = next(m for m in log if m["kind"] == "promoted")
    assert promoted["status"] == "failed"
    assert promoted["channels"] == "log, sms"
    assert promoted["error"] == "broken-gateway: ConnectionError: gateway down"
    failed = sum(m["status"] == "failed" for m in log)
    assert failed >= 2  # the cancellation and the promotion
    assert (
        f"{failed}条报名通知发送失败，查看：kexie registrations messages DIR"
        in run("status", folder).output
    )


# --- the organiser ----------------------------------------------------------------------------


def test_no_shows_are_counted_in_the_report_and_on_the_board(make_event, live_server, run, plugins):
    folder = signup_event(make_event, capacity=10)
    server = live_server(folder)
    public = Public(server.url)
    one = public.sign_up(name="甲", phone="13900000001", party=1).json()
    family = public.sign_up(name="乙", phone="13900000002", party=3).json()
    public.sign_up(name="丙", phone="13900000003", party=1)
    gone = public.sign_up(name="丁", phone="13900000004", party=2).json()
    public.cancel(gone["manage_url"])
    for code in (one["ticket"]["code"], family["tickets"][0]["code"], family["tickets"][1]["code"]):
        assert run("checkin", folder, code, "--gate", GATE).exit_code == 0
    result = run("report", folder, "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)["sections"]["registration"]
    assert {k: figures[k] for k in ("signups", "confirmed", "cancelled", "waitlisted")} == {
        "signups": 4,
        "confirmed": 3,
        "cancelled": 1,
        "waitlisted": 0,
    }
    assert (figures["confirmed_people"], figures["admitted"]) == (5, 3)
    assert (figures["no_show_people"], figures["no_shows"]) == (2, 1)  # 乙's third and 丙
    report = (folder / "report" / "report.md").read_text(encoding="utf-8")
    assert "确认报名的5人中，入场3人，未到场2人（1份报名无一人到场）" in report
    # The organiser's live board (the console) shows the same.
    with open_event_store(load_event(folder, plugins), plugins) as store:
        token = volunteers.add(store, "王芳", role="board", by="test", site=None, gate=None)
    board = httpx.get(server.url + "/api/v1/board", headers={"Authorization": f"Bearer {token}"})
    [tile] = [tile for tile in board.json()["tiles"] if tile["id"] == "registration"]
    assert (tile["label"], tile["value"]) == ("网上报名（人）", "5/10")
    assert tile["detail"] == ["候补0份", "已入场3人，未到2人"]


def test_export_to_excel_and_csv_keeps_the_file_private(make_event, live_server, run):
    from openpyxl import load_workbook

    folder = signup_event(make_event, capacity=1)
    public = Public(live_server(folder).url)
    public.sign_up(name="=HYPERLINK(1)", phone="13900000001")
    public.sign_up(name="李四", phone="13900000002", party=2)
    assert run("registrations", "export", folder).exit_code == 0
    path = folder / "registrations.xlsx"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    sheet = load_workbook(path)["报名名单"]
    rows = list(sheet.values)
    assert rows[0][:8] == ("编号", "状态", "场次", "时间", "场地", "人数", "姓名", "手机号码")
    assert rows[1][1:3] == ("已确认", "23:30–23:45") and rows[2][1] == "候补"
    assert rows[1][6] == "=HYPERLINK(1)" and sheet["G2"].data_type == "s"  # text, not a formula
    assert run("registrations", "export", folder, "--format", "csv").exit_code == 0
    csv_text = (folder / "registrations.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(1)" in csv_text and "13900000002" in csv_text


def test_privacy_purge_removes_registrants_and_keeps_the_counts(
    make_event, live_server, run, per_test_database
):
    folder = signup_event(make_event, capacity=1)
    public = Public(live_server(folder).url)
    public.sign_up(name="张三", phone="13900000001")
    public.sign_up(name="李四", phone="13900000002")
    held = run("privacy", "status", folder).output
    assert "sign-ups' names, phones" in held
    assert "network addresses the sign-up page was used from" in held  # the rate limit's
    assert run("privacy", "purge", folder, "--yes").exit_code == 0
    assert "no personal data held" in run("privacy", "status", folder).output
    after = listing(run, folder)
    assert [(r["name"], r["phone"], r["status"]) for r in after] == [
        (None, None, "confirmed"),
        (None, None, "waitlisted"),
    ]
    if per_test_database is None:  # on SQLite, the names are gone from the file itself
        data = (folder / "event.db").read_bytes()
        assert "张三".encode() not in data and b"13900000002" not in data
    status = run("status", folder).output
    assert "已确认1/1人，候补1组（1人）" in status


def test_config_errors_name_the_file_line_and_key(make_event, run):
    folder = make_event("lunar-eclipse-night", "zh")
    edit(folder, "party_max = 4", "party_max = 40\nper_phon = 2")
    edit(folder, "capacity = 40\n", 'capacity = 40\nsite = "feild"\n')
    edit(folder, '[plugins.qr-checkin]\nadmission = "once"\n', "")
    result = run("check", folder)
    assert result.exit_code == 2
    toml = folder / "event.toml"
    expected = [
        f"{toml}:{line_of(folder, '[registration]')}: registration: sign-up gives QR tickets,"
        " which need check-in: add [plugins.qr-checkin]",
        f"{toml}:{line_of(folder, 'party_max')}: registration.party_max: at most 20 people per"
        " sign-up, got 40",
        f"{toml}:{line_of(folder, 'per_phon =')}: registration.per_phon: unknown key"
        " 'per_phon', did you mean 'per_phone'?",
        f"{toml}:{line_of(folder, 'feild')}: registration.slots[0].site: no site 'feild',"
        " did you mean 'field'?",
    ]
    for line in expected:
        assert line in result.output, result.output


def test_the_public_notice_says_how_to_sign_up(make_event, run):
    folder = make_event("lunar-eclipse-night", "zh")
    assert run("kit", folder).exit_code == 0
    notice = (folder / "kit" / "notice.html").read_text(encoding="utf-8")
    assert "本次活动实行网上预约报名：扫描二维码或打开报名链接填写报名信息" in notice
    assert "2028年12月31日 18:00截止" in notice and "报满后可排队候补" in notice
    assert "请携带：保暖衣物" in notice
