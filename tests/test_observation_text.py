"""What the observation plugin prints for people: a Chinese event reads as Chinese.

Documents and reports a county office can sign as they are: site names, not ids; dates and
times as ``2035年9月2日 08:33:32`` with the clock they are on (``北京时间``), never an ISO
string or a zone id; whole numbers without ``.0``; the eye-safety sheet of the eclipse-glasses
plugin says what the observing-times sheet says. And ``kexie sky --date`` answers for that day.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from zoneinfo import ZoneInfo

from kexie_events.i18n import decimal_text, duration_text, zone_text

from conftest import edit

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
#: A number with a useless ".0": 31.0°, 100.0%, 5.0秒 (1.0254 is a real decimal).
USELESS_ZERO = re.compile(r"\d\.0(?!\d)")


def _text(html: str) -> str:
    """The words of a page, without its markup and style sheet."""
    html = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _section(html: str, heading: str) -> str:
    """The text of a report section, from its heading to the next one."""
    text = _text(html)
    start = text.index(heading)
    following = re.search(r"[一二三四五六七八九十]+、", text[start + len(heading) :])
    return text[start : start + len(heading) + (following.start() if following else len(text))]


def test_formatting_helpers():
    shanghai = dt.datetime(2035, 9, 2, 8, 33, tzinfo=ZoneInfo("Asia/Shanghai"))
    madrid = dt.datetime(2027, 8, 2, 10, 47, tzinfo=ZoneInfo("Europe/Madrid"))
    kolkata = dt.datetime(2031, 5, 21, 13, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert zone_text(shanghai, "zh") == "北京时间"
    assert zone_text(madrid, "zh") == "当地时间（UTC+2）"  # summer time
    assert zone_text(madrid.replace(month=12), "zh") == "当地时间（UTC+1）"
    assert zone_text(kolkata, "zh") == "当地时间（UTC+5:30）"
    assert zone_text(madrid, "en") == "Europe/Madrid, UTC+02:00"
    assert [decimal_text(v) for v in (31.0, 18.34, 100.0, 95.0, -0.01)] == [
        "31",
        "18.3",
        "100",
        "95",
        "0",
    ]
    assert duration_text(73.1, "zh") == "1分13秒" and duration_text(45, "en") == "45 s"


def test_the_chinese_observing_times_sheet(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    assert run("kit", folder).exit_code == 0
    text = _text((folder / "kit" / "observing-times.html").read_text(encoding="utf-8"))
    assert "以下时刻均为北京时间。" in text
    for machine in ("Asia/Shanghai", "UTC", "plaza"):
        assert machine not in text
    assert not ISO.search(text) and not USELESS_ZERO.search(text), text
    assert "位置：北纬40.4567°，东经115.9750°，海拔500米" in text
    assert "遮蔽面积100%" in text and "食分1.0254" in text  # a real decimal stays as it is
    assert re.search(r"初亏 07:24:\d\d 18\.3° 95° ", text)  # 95.0° was printed before
    assert "太阳高度" in text and "可能偏差约5秒" in text


def test_a_lunar_eclipse_across_midnight_gives_each_time_its_date(make_event, run):
    folder = make_event("lunar-eclipse-night", "zh")
    assert run("kit", folder).exit_code == 0
    sheet = _text((folder / "kit" / "observing-times.html").read_text(encoding="utf-8"))
    assert re.search(r"初亏 2028年12月31日 23:07:\d\d", sheet)
    assert re.search(r"食甚 2029年1月1日 00:52:\d\d", sheet)
    assert "月亮高度" in sheet and "摘镜" not in sheet  # no glasses at a lunar eclipse
    assert run("report", folder).exit_code == 0
    report = (folder / "report" / "report.html").read_text(encoding="utf-8")
    conditions = _section(report, "观测条件")
    assert "各场地观测条件（北京时间）" in conditions
    assert re.search(r"县第一中学操场 月全食 2028年12月31日 23:07:\d\d 2029年1月1日", conditions)
    assert not ISO.search(conditions)


def test_the_chinese_report_names_date_and_clock_not_iso_strings(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    assert run("report", folder).exit_code == 0
    report = (folder / "report" / "report.html").read_text(encoding="utf-8")
    conditions = _section(report, "观测条件")
    assert "各场地观测条件（2035年9月2日，北京时间）" in conditions
    assert "场地 类型 初亏 食甚 复圆 食分" in conditions
    assert re.search(r"县行政中心广场 日全食 07:24:\d\d 08:33:\d\d 09:49:\d\d 1\.0254", conditions)
    assert not ISO.search(conditions) and "Asia/Shanghai" not in conditions
    csv = (folder / "report" / "observation-1.csv").read_text(encoding="utf-8-sig")
    assert not ISO.search(csv)


def test_a_night_report_has_the_nights_words(make_event, run):
    folder = make_event("meteor-shower-night", "zh")
    assert run("report", folder).exit_code == 0
    conditions = _section(
        (folder / "report" / "report.html").read_text(encoding="utf-8"), "观测条件"
    )
    assert "场地 日落 天文昏影终 天文晨光始 月面照亮比例" in conditions
    assert "食甚" not in conditions and not ISO.search(conditions)
    assert re.search(r"2028年12月13日 18:\d\d", conditions)


def test_check_names_the_date_and_the_second(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    edit(folder, "end = 2035-09-02T10:30:00", "end = 2035-09-02T09:30:00")
    result = run("check", folder)
    assert result.exit_code == 0, result.output
    assert re.search(
        r"end: 县行政中心广场的复圆在2035年9月2日 09:49:\d\d，晚于活动结束（09:30）", result.output
    ), result.output


def test_sky_dir_speaks_the_events_language(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    result = run("sky", folder)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("县行政中心广场：日全食（2035年9月2日，北京时间）")
    assert re.search(r"  初亏  07:24:\d\d  太阳高度18\.3°，方位95°", result.output)
    assert "摘镜08:33" in result.output
    assert not ISO.search(result.output) and "plaza" not in result.output


def test_sky_date_answers_for_that_day_only(run):
    def answer(day, kind=None):
        result = run(
            "sky", "--lat", "40.4567", "--lon", "115.975", "--date", day,
            "--tz", "Asia/Shanghai", *(("--kind", kind) if kind else ()), "--json",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        return [record["type"] for record in json.loads(result.output)]

    assert answer("2035-09-02", "solar") == ["total"]
    # The day after and the day before: no eclipse, though one is near.
    assert answer("2035-09-03", "solar") == [None]
    assert answer("2035-09-01") == [None]
    # A lunar eclipse that begins before midnight and ends after it belongs to both days.
    assert answer("2028-12-31", "lunar") == answer("2029-01-01", "lunar") == ["total"]
    assert answer("2029-01-02", "lunar") == [None]


def test_the_eye_safety_sheet_follows_the_observing_times_sheet(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    assert run("kit", folder).exit_code == 0
    safety = _text((folder / "kit" / "eye-safety.html").read_text(encoding="utf-8"))
    times = _text((folder / "kit" / "observing-times.html").read_text(encoding="utf-8"))
    window = re.search(r"只有在([\d:]+)至([\d:]+)之间（全食阶段之内）才可以摘下", times)
    assert window and window[0] in safety
    assert "时刻为北京时间" in safety
    # Never the old blanket "off during totality" where the times say when.
    assert "只有在日全食（太阳完全被遮住）期间" not in safety


def test_too_short_a_totality_keeps_glasses_on_on_the_eye_safety_sheet(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    # 10 s of totality at the edge of the path, less than the forecast's spread allows.
    edit(folder, "lat = 40.4567", "lat = 40.563")
    assert run("kit", folder).exit_code == 0
    safety = _text((folder / "kit" / "eye-safety.html").read_text(encoding="utf-8"))
    assert "无法公布安全的摘镜时刻：观测镜自始至终不得摘下" in safety
    assert "才可以摘下" not in safety


def test_the_eye_safety_sheet_without_the_observation_plugin(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    edit(folder, "[plugins.observation]\n", "")
    edit(folder, 'sites = ["plaza"]\nglasses_on_minutes = 5\n', "")
    assert run("kit", folder).exit_code == 0
    safety = _text((folder / "kit" / "eye-safety.html").read_text(encoding="utf-8"))
    assert "现场工作人员通知可以摘下时才可以摘下" in safety
