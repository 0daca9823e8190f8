"""Changing values of ``event.toml`` the way the console's forms do: the organiser's comments,
key order and layout stay as they were, and only the text of a changed value changes."""

from __future__ import annotations

import datetime as dt
import difflib
import tomllib

import pytest

from kexie_events.console.eventfile_edit import (
    Edits,
    TextUnreadable,
    apply,
    comment_at,
    parse,
    shift_dates,
)
from kexie_events.templates import find

COMMENTED = """\
# 绿水乡2027年全国科普日：活动文件
# （乡科协 李明 整理，8月20日）

title = "绿水乡2027年全国科普日"   # 以县科协批复为准
kind = "science-day"
lang = "zh"
timezone = "Asia/Shanghai"
start = 2027-09-18T08:30:00
end   = 2027-09-18T12:00:00
expected_attendance = 800

[[sites]]
id = "school"
name = "绿水乡中心小学"
capacity = 600     # 操场，含看台
gates = ["东门", "西门"]
lat = 30.5
elevation = 12

[[sites]]
id = "hall"
name = "乡文化站"
capacity = 120

[[volunteers]]
name = "张敏"
role = "lead"

[[volunteers.shifts]]
start = 2027-09-18T07:30:00
end = 2027-09-18T12:30:00
site = "school"

[[volunteers]]
name = "李强"

[plugins.qr-checkin]
admission = "once"
ticket_note = '''
凭码入场，
请勿拥挤。'''
"""


def changed_lines(before: str, after: str) -> list[str]:
    """The lines that differ, as a diff shows them (without context)."""
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_a_file_with_comments_comes_back_byte_for_byte_when_nothing_changes():
    assert apply(COMMENTED, Edits()) == COMMENTED
    # Values set to what they are (an integer written as 600 given as 600.0, a date-time as
    # it is) leave their text as the organiser wrote it.
    same = Edits(
        values={
            ("title",): "绿水乡2027年全国科普日",
            ("sites", 0, "capacity"): 600.0,
            ("sites", 0, "elevation"): 12,
            ("end",): dt.datetime(2027, 9, 18, 12, 0),
            ("sites", 0, "gates"): ["东门", "西门"],
        }
    )
    assert apply(COMMENTED, same) == COMMENTED


def test_windows_line_ends_and_a_byte_order_mark_are_kept():
    windows = "\ufeff" + COMMENTED.replace("\n", "\r\n")
    assert apply(windows, Edits()) == windows
    added = apply(windows, Edits(values={("sites", 1, "gates"): ["正门"]}))
    assert added.startswith("\ufeff")
    assert "\n" not in added.replace("\r\n", "")
    assert tomllib.loads(added.removeprefix("\ufeff"))["sites"][1]["gates"] == ["正门"]


@pytest.mark.parametrize("template", ["solar-eclipse-observation", "science-day"])
def test_the_built_in_templates_come_back_byte_for_byte(plugins, template):
    text = find(plugins, template).folder.joinpath("event.zh.toml").read_text(encoding="utf-8")
    assert apply(text, Edits()) == text


def test_changing_a_value_changes_only_that_value_and_keeps_its_comment():
    after = apply(
        COMMENTED,
        Edits(values={("sites", 0, "capacity"): 650, ("title",): "绿水乡2027年科普日"}),
    )
    assert changed_lines(COMMENTED, after) == [
        '-title = "绿水乡2027年全国科普日"   # 以县科协批复为准',
        '+title = "绿水乡2027年科普日"   # 以县科协批复为准',
        "-capacity = 600     # 操场，含看台",
        "+capacity = 650     # 操场，含看台",
    ]


def test_a_value_the_file_lacks_goes_at_the_end_of_its_table_and_none_removes_one():
    after = apply(
        COMMENTED,
        Edits(values={("sites", 1, "gates"): ["正门"], ("sites", 0, "elevation"): None}),
    )
    assert changed_lines(COMMENTED, after) == ["-elevation = 12", '+gates = ["正门"]']
    assert after.index('gates = ["正门"]') < after.index("[[volunteers]]")


def test_tables_are_added_at_the_end_of_their_list_and_removed_whole():
    after = apply(
        COMMENTED,
        Edits(
            added={
                ("sites",): [{"id": "site-1", "name": "村委会广场", "capacity": 300}],
                ("volunteers", 1, "shifts"): [
                    {"start": dt.datetime(2027, 9, 18, 8), "end": dt.datetime(2027, 9, 18, 11)}
                ],
            },
            removed={("volunteers", 0, "shifts"): [0]},
        ),
    )
    data = tomllib.loads(after)
    assert [site["name"] for site in data["sites"]] == ["绿水乡中心小学", "乡文化站", "村委会广场"]
    assert "shifts" not in data["volunteers"][0]  # its only shift is gone, and the list with it
    assert data["volunteers"][1]["shifts"] == [
        {"start": dt.datetime(2027, 9, 18, 8), "end": dt.datetime(2027, 9, 18, 11)}
    ]
    # The new site is written as people write one: its own header, a blank line after it.
    assert (
        '[[sites]]\nid = "site-1"\nname = "村委会广场"\ncapacity = 300\n\n[[volunteers]]' in after
    )
    assert "# （乡科协 李明 整理，8月20日）" in after
    assert "凭码入场，\n请勿拥挤。'''" in after  # a multi-line text stays as it was written


def test_a_removed_volunteer_takes_their_shifts_and_the_others_stay():
    after = apply(COMMENTED, Edits(removed={("volunteers",): [0]}))
    data = tomllib.loads(after)
    assert data["volunteers"] == [{"name": "李强"}]
    assert "[[sites]]" in after and after.count("[[volunteers.shifts]]") == 0


def test_dates_move_together_with_the_event():
    after = shift_dates(COMMENTED, -30)
    data = tomllib.loads(after)
    assert data["start"] == dt.datetime(2027, 8, 19, 8, 30)
    assert data["volunteers"][0]["shifts"][0]["end"] == dt.datetime(2027, 8, 19, 12, 30)
    assert "# 操场，含看台" in after
    assert shift_dates(COMMENTED, 0) == COMMENTED


def test_the_comment_beside_a_value_explains_it():
    document = parse(COMMENTED)
    assert comment_at(document, ("sites", 0, "capacity")) == "操场，含看台"
    assert comment_at(document, ("sites", 1, "capacity")) == ""
    assert comment_at(document, ("nothing", "here")) == ""


def test_a_text_that_is_not_toml_says_where_it_stops():
    broken = COMMENTED.replace('kind = "science-day"', "kind = science day")
    with pytest.raises(TextUnreadable) as caught:
        parse(broken)
    assert caught.value.line == 5
