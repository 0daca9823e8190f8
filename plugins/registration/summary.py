"""Sign-ups in figures: ``kexie status``, the report's section, the live board's tile."""

from __future__ import annotations

from kexie_events.i18n import count_text, moment_text, pick
from kexie_events.model import Event
from kexie_events.records import BoardTile, ReportSection, StatusLine, Table
from kexie_events.store import EventStore, now
from kexie_plugins.registration import ledger
from kexie_plugins.registration.config import NAME, RegistrationConfig


def window_line(event: Event, config: RegistrationConfig) -> StatusLine:
    """Whether sign-up is open, and until when."""
    lang, at = event.lang, now()
    closes = moment_text(config.closes.astimezone(event.tz), lang)
    if config.opens is not None and at < config.opens:
        opens = moment_text(config.opens.astimezone(event.tz), lang)
        text = pick(
            lang, f"报名将于{opens}开始，{closes}截止。", f"sign-up opens {opens}, closes {closes}"
        )
    elif at < config.closes:
        text = pick(
            lang,
            f"报名进行中（{closes}截止），报名页在 kexie serve 的 /r/ 地址。",
            f"sign-up is open until {closes}, at /r/ on the kexie serve address",
        )
    else:
        text = pick(lang, f"报名已于{closes}截止。", f"sign-up closed {closes}")
    return StatusLine(text)


def status_lines(event: Event, store: EventStore, config: RegistrationConfig) -> list[StatusLine]:
    """The window, then seats and the waiting list per slot, then messages that failed."""
    lang = event.lang
    lines = [window_line(event, config)]
    counts = ledger.slot_counts(store)
    for slot in config.slots:
        c = counts.get(slot.id, ledger.SlotCounts())
        full = c.confirmed_people >= slot.capacity
        lines.append(
            StatusLine(
                pick(
                    lang,
                    f"报名场次{slot.label}：已确认{c.confirmed_people}/{slot.capacity}人，"
                    f"候补{c.waitlisted}组（{c.waitlisted_people}人），已取消{c.cancelled}组。",
                    f"sign-up {slot.label}: {c.confirmed_people}/{slot.capacity} confirmed, "
                    f"{c.waitlisted} waitlisted ({c.waitlisted_people} people), "
                    f"{c.cancelled} cancelled",
                ),
                "ok" if full else "info",
            )
        )
    known = {slot.id for slot in config.slots}
    for slot_id in sorted(set(counts) - known):
        lines.append(
            StatusLine(
                pick(
                    lang,
                    f"有报名的场次“{slot_id}”已不在 event.toml 中，请恢复该场次或取消这些报名。",
                    f"slot {slot_id!r} has sign-ups but is no longer in event.toml; restore it"
                    " or cancel them",
                ),
                "warning",
            )
        )
    failed = sum(entry.status == "failed" for entry in ledger.message_log(store))
    if failed:
        lines.append(
            StatusLine(
                pick(
                    lang,
                    f"{failed}条报名通知发送失败，查看：kexie registrations messages DIR",
                    f"{failed} sign-up messages failed; see kexie registrations messages DIR",
                ),
                "warning",
            )
        )
    return lines


def figures(store: EventStore) -> dict:
    """The counts of the report: sign-ups (parties) and people, by status, and no-shows."""
    signups = ledger.listing(store)
    came = ledger.attendance(store)
    confirmed = [r for r in signups if r.status == "confirmed"]
    admitted = sum(came.get(r.id, (0, 0))[1] for r in confirmed)
    confirmed_people = sum(r.party for r in confirmed)
    by_slot: dict[str, dict] = {}
    for r in signups:
        slot = by_slot.setdefault(
            r.slot,
            {"confirmed_people": 0, "waitlisted": 0, "cancelled": 0, "admitted": 0, "no_shows": 0},
        )
        if r.status == "confirmed":
            slot["confirmed_people"] += r.party
            slot["admitted"] += came.get(r.id, (0, 0))[1]
            slot["no_shows"] += r.party - came.get(r.id, (0, 0))[1]
        else:
            slot[r.status] += 1
    return {
        "signups": len(signups),
        "people": sum(r.party for r in signups),
        "confirmed": len(confirmed),
        "confirmed_people": confirmed_people,
        "promoted": sum(r.from_waitlist for r in confirmed),
        "waitlisted": sum(r.status == "waitlisted" for r in signups),
        "cancelled": sum(r.status == "cancelled" for r in signups),
        "admitted": admitted,
        "no_shows": sum(came.get(r.id, (0, 0))[1] == 0 for r in confirmed),
        "no_show_people": confirmed_people - admitted,
        "by_slot": by_slot,
    }


def report_section(event: Event, store: EventStore, config: RegistrationConfig) -> ReportSection:
    """Sign-ups, the waiting list, cancellations and no-shows (signed up, never admitted)."""
    lang = event.lang
    f = figures(store)
    n = lambda value: count_text(value, lang)  # noqa: E731
    text = (
        pick(
            lang,
            f"网上报名{n(f['signups'])}份，共{n(f['people'])}人；确认{n(f['confirmed'])}份"
            f"（{n(f['confirmed_people'])}人，其中候补转正{n(f['promoted'])}份），"
            f"仍在候补{n(f['waitlisted'])}份，取消{n(f['cancelled'])}份。",
            f"{n(f['signups'])} sign-ups for {n(f['people'])} people: {n(f['confirmed'])}"
            f" confirmed ({n(f['confirmed_people'])} people, {n(f['promoted'])} of them moved up"
            f" from the waiting list), {n(f['waitlisted'])} still waiting,"
            f" {n(f['cancelled'])} cancelled.",
        ),
        pick(
            lang,
            f"确认报名的{n(f['confirmed_people'])}人中，入场{n(f['admitted'])}人，"
            f"未到场{n(f['no_show_people'])}人（{n(f['no_shows'])}份报名无一人到场）。",
            f"Of the {n(f['confirmed_people'])} people confirmed, {n(f['admitted'])} came in and"
            f" {n(f['no_show_people'])} did not (no-shows; {n(f['no_shows'])} sign-ups with"
            " nobody admitted).",
        ),
    )
    labels = {slot.id: slot.label for slot in config.slots}
    capacity = {slot.id: slot.capacity for slot in config.slots}
    order = [slot.id for slot in config.slots] + sorted(set(f["by_slot"]) - set(labels))
    rows = tuple(
        (
            labels.get(slot, slot),
            capacity.get(slot, ""),
            f["by_slot"].get(slot, {}).get("confirmed_people", 0),
            f["by_slot"].get(slot, {}).get("waitlisted", 0),
            f["by_slot"].get(slot, {}).get("cancelled", 0),
            f["by_slot"].get(slot, {}).get("admitted", 0),
            f["by_slot"].get(slot, {}).get("no_shows", 0),
        )
        for slot in order
    )
    table = Table(
        pick(lang, "各场次报名与到场", "Sign-ups and attendance per slot"),
        (
            pick(lang, "场次", "Slot"),
            pick(lang, "名额", "Places"),
            pick(lang, "确认人数", "Confirmed"),
            pick(lang, "候补（份）", "Waitlisted"),
            pick(lang, "取消（份）", "Cancelled"),
            pick(lang, "入场人数", "Came"),
            pick(lang, "未到场人数", "No-shows"),
        ),
        rows,
    )
    return ReportSection(NAME, pick(lang, "网上报名", "Sign-up"), f, text, (table,), order=15)


def board_tile(event: Event, store: EventStore, config: RegistrationConfig) -> BoardTile:
    """The live board's tile: places taken of all places, the waiting list, who is still to
    come (confirmed, not admitted yet: the no-shows once the event is over)."""
    lang = event.lang
    f = figures(store)
    capacity = sum(slot.capacity for slot in config.slots)
    waiting = sum(counts["waitlisted"] for counts in f["by_slot"].values())
    detail = (
        pick(lang, f"候补{waiting}份", f"{waiting} waiting"),
        pick(
            lang,
            f"已入场{f['admitted']}人，未到{f['no_show_people']}人",
            f"{f['admitted']} in, {f['no_show_people']} not yet",
        ),
    )
    return BoardTile(
        NAME,
        pick(lang, "网上报名（人）", "Signed up (people)"),
        f"{count_text(f['confirmed_people'], lang)}/{count_text(capacity, lang)}",
        detail,
        order=15,
    )
