"""Volunteer hours: counted from the shifts and from what each volunteer recorded, by the rule
in kexie_events/volunteer_hours.py, checked against an example worked out by hand."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from kexie_events.model import Shift
from kexie_events.volunteer_hours import PLANNED, RECORDED, shift_hours

from conftest import edit

ZONE = ZoneInfo("Asia/Shanghai")


def at(day: int, clock: str) -> dt.datetime:
    hour, minute, *second = (int(p) for p in clock.split(":"))
    return dt.datetime(2027, 9, day, hour, minute, *(second or [0]), tzinfo=ZONE)


#: Who scans when, in the science-day template's shifts (all 2027-09):
#: 黄丽, shift 24th 07:45-12:00: 07:40 (before her shift: not counted), 07:52, 09:10, 11:31:20.
#: 周杰, shift 26th 08:00-17:00: one scan at 08:05; shift 27th 08:00-12:00: 07:58 (before),
#: 08:00:30, 11:59, 12:30 (after).
SCANS = [
    ("黄丽", at(24, "07:40")),
    ("黄丽", at(24, "07:52")),
    ("黄丽", at(24, "09:10")),
    ("黄丽", at(24, "11:31:20")),
    ("周杰", at(26, "08:05")),
    ("周杰", at(27, "07:58")),
    ("周杰", at(27, "08:00:30")),
    ("周杰", at(27, "11:59")),
    ("周杰", at(27, "12:30")),
]
#: Worked out by hand:
#: 刘洋 recorded nothing: his shifts count as planned, 24th 07:30-16:30 = 9, 25th 08:00-17:00 = 9.
#: 黄丽 24th: 07:52 to 11:31:20 is 3 h 39 min 20 s, up to the quarter hour: 3.75.
#:       26th: nothing recorded, shift 08:00-17:00 planned: 9.
#: 周杰 26th: one scan: one quarter hour, 0.25. 27th: 08:00:30 to 11:59 is 3 h 58.5 min: 4.
EXPECTED = {
    ("刘洋", "2027-09-24"): (9.0, [PLANNED]),
    ("刘洋", "2027-09-25"): (9.0, [PLANNED]),
    ("黄丽", "2027-09-24"): (3.75, [RECORDED]),
    ("黄丽", "2027-09-26"): (9.0, [PLANNED]),
    ("周杰", "2027-09-26"): (0.25, [RECORDED]),
    ("周杰", "2027-09-27"): (4.0, [RECORDED]),
}


@pytest.fixture
def science_day(make_event, run, monkeypatch):
    """The Chinese science day, its volunteers' ID numbers given, and the scans above made
    with ``kexie checkin`` (the laptop at the gate) at the times above."""
    folder = make_event("science-day", "zh")
    edit(folder, 'name = "黄丽"\n', 'name = "黄丽"\nid_number = "110101199003071234"\n')
    assert run("tickets", "issue", folder, "--count", "20").exit_code == 0
    tickets = json.loads(run("tickets", "list", folder, "--json").output)
    gates = {24: "校门", 26: "集镇广场", 27: "东门"}
    for (name, moment), ticket in zip(SCANS, tickets, strict=False):
        gate = "村委会" if name == "周杰" and moment.day == 26 else gates[moment.day]
        monkeypatch.setattr("kexie_plugins.qr_checkin.commands.now", lambda m=moment: m)
        result = run("checkin", folder, ticket["code"], "--gate", gate, "--by", name)
        assert result.exit_code in (0, 1), result.output
    return folder


def test_hours_per_volunteer_and_day_match_the_hand_worked_example(science_day, run):
    result = run("volunteers", "hours", science_day, "--json")
    assert result.exit_code == 0, result.output
    found = {
        (person["name"], day["date"]): (day["hours"], [s["basis"] for s in day["shifts"]])
        for person in json.loads(result.output)["volunteers"]
        for day in person["days"]
    }
    assert found == EXPECTED
    totals = {p["name"]: p["hours"] for p in json.loads(result.output)["volunteers"]}
    assert totals == {"刘洋": 18.0, "黄丽": 12.75, "周杰": 4.25}


def test_recorded_only_leaves_out_shifts_nobody_recorded(science_day, run):
    result = run("volunteers", "hours", science_day, "--json", "--recorded-only")
    people = json.loads(result.output)["volunteers"]
    assert {p["name"]: p["hours"] for p in people} == {"黄丽": 3.75, "周杰": 4.25}


def test_terminal_table_is_in_chinese(science_day, run):
    result = run("volunteers", "hours", science_day)
    assert result.exit_code == 0
    assert "黄丽  2027年9月24日  3.75小时\n" in result.output
    assert "刘洋  2027年9月24日  9小时（含无记录的排班时长）" in result.output
    assert "共3人，35小时" in result.output
    assert not any("a" <= ch.lower() <= "z" for ch in result.output)


def test_export_for_the_national_volunteer_systems(science_day, run, tmp_path):
    out = tmp_path / "时长.csv"
    result = run("volunteers", "hours", science_day, "--out", out)
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o077 == 0  # identity numbers: the owner's only
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["姓名", "证件号码", "服务日期", "服务时长（小时）", "活动名称"]
    assert ["黄丽", "110101199003071234", "2027-09-24", "3.75", "××县2027年全国科普日活动"] in rows
    assert len(rows) == 1 + len(EXPECTED)

    book = tmp_path / "时长.xlsx"
    assert run("volunteers", "hours", science_day, "--out", book).exit_code == 0
    sheet = load_workbook(book).worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["姓名", "证件号码", "服务日期", "服务时长（小时）", "活动名称"]
    # The identity number stays text (no 1.1E+17), hours are numbers the office can add up.
    assert ["黄丽", "110101199003071234", "2027-09-24", 3.75, "××县2027年全国科普日活动"] in values


def test_out_must_be_csv_or_xlsx(science_day, run, tmp_path):
    result = run("volunteers", "hours", science_day, "--out", tmp_path / "hours.txt")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert not (tmp_path / "hours.txt").exists()


def test_id_number_must_be_text(science_day, run):
    edit(science_day, 'id_number = "110101199003071234"', "id_number = 110101199003071234")
    result = run("check", science_day)
    assert result.exit_code == 2
    assert "id_number" in result.output


def test_span_rounds_up_to_a_quarter_but_never_beyond_the_shift():
    shift = Shift(start=at(24, "08:00"), end=at(24, "12:05"))
    # 08:00 to 12:04:30 is 4 h 4.5 min: up to 4.25, but the shift is 4 h 5 min (4 to the
    # nearest quarter hour), so 4.
    counted = shift_hours(shift, [at(24, "12:04:30"), at(24, "08:00"), at(24, "13:00")])
    assert (counted.hours, counted.basis) == (4.0, RECORDED)
    assert shift_hours(shift, [at(24, "07:00")]).basis == PLANNED


def test_the_export_never_replaces_a_file_or_follows_a_link(science_day, run, tmp_path):
    """A .csv beside the event may be one of its own files: it is left as it was."""
    judges = tmp_path / "judges.csv"
    judges.write_text("name,school\n王志强,县第一中学\n", encoding="utf-8")
    result = run("volunteers", "hours", science_day, "--out", judges)
    assert result.exit_code == 2 and "exists" in result.output
    assert judges.read_text(encoding="utf-8") == "name,school\n王志强,县第一中学\n"
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "elsewhere.csv")
    assert run("volunteers", "hours", science_day, "--out", link).exit_code == 2
    assert not (tmp_path / "elsewhere.csv").exists()


def test_two_volunteers_of_one_name_are_refused(science_day, run):
    """Hours and certificates go by name: two people named 黄丽 would be added up as one."""
    with (science_day / "event.toml").open("a", encoding="utf-8") as file:
        file.write('\n[[volunteers]]\nname = "黄丽"\nrole = "steward"\n')
    result = run("check", science_day)
    assert result.exit_code == 2
    assert "'黄丽' is listed twice" in result.output and "name" in result.output
