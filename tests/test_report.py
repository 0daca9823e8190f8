"""After the event: the summary with attendance counts, and the year's roll-up against targets."""

from __future__ import annotations

import csv
import datetime as dt
import json
import uuid
from collections import Counter

import docx
import pytest

from kexie_plugins.qr_checkin.admission import Gatekeeper
from kexie_plugins.qr_checkin.tickets import verifier_for

from conftest import edit, event_store

CST = dt.timezone(dt.timedelta(hours=8))


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2027, 9, day, hour, minute, tzinfo=CST)


@pytest.fixture
def science_day(make_event, run):
    """A four-day Science Day with scans and walk-ins the test knows by heart."""
    folder = make_event("science-day", "zh")
    run(
        "tickets",
        "issue",
        folder,
        "--count",
        "6",
        "--audience",
        "minors",
        "--site",
        "minzu-primary",
    )
    run("tickets", "issue", folder, "--count", "4", "--audience", "farmers", "--site", "dahe-town")
    with event_store(folder) as store:
        keeper = Gatekeeper(verifier_for(store), CST, "zh", "daily")

        def scan(code, gate, site, when, by="黄丽"):
            return keeper.check_in(
                store,
                code=code,
                scan_id=uuid.uuid4().hex,
                gate=gate,
                site=site,
                by=by,
                at=when,
            )["result"]

        results = []
        for number in range(1, 7):  # six pupils on day one, at 08:xx and 09:xx
            results.append(scan(f"{number:06d}", "校门", "minzu-primary", at(24, 8 + number % 2)))
        results.append(scan("000001", "校门", "minzu-primary", at(24, 10)))  # duplicate
        results.append(scan("000001", "校门", "minzu-primary", at(25, 9)))  # next day: admitted
        for number in range(7, 11):
            results.append(scan(f"{number:06d}", "集镇广场", "dahe-town", at(26, 9), by="周杰"))
        results.append(scan("123456789", "集镇广场", "dahe-town", at(26, 9)))  # rejected
        for audience, delta, day, hour in [
            ("farmers", 30, 26, 10),
            ("others", 12, 26, 11),
            ("urban_workers", 8, 25, 15),
        ]:
            site, gate = (
                ("dahe-town", "集镇广场") if day == 26 else ("chengguan-community", "广场入口")
            )
            keeper.headcount(
                store,
                audience=audience,
                delta=delta,
                gate=gate,
                site=site,
                by="刘洋",
                at=at(day, hour),
            )
    assert Counter(results) == {"admitted": 11, "duplicate": 1, "rejected": 1}
    return folder


def test_report_counts_match_the_records(science_day, run):
    result = run("report", science_day, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output[: result.output.rindex("}") + 1])
    a = data["attendance"]
    assert (a["total"], a["registered"], a["walk_in"]) == (11 + 50, 11, 50)
    assert a["unique"] == 10
    assert (a["duplicates"], a["rejected"]) == (1, 1)
    assert a["by_site"] == {"chengguan-community": 8, "dahe-town": 4 + 42, "minzu-primary": 7}
    assert a["by_day"] == {"2027-09-24": 6, "2027-09-25": 1 + 8, "2027-09-26": 4 + 42}
    assert a["by_gate"] == {"广场入口": 8, "校门": 7, "集镇广场": 46}
    assert a["by_hour"] == {"08:00": 3, "09:00": 3 + 1 + 4, "10:00": 30, "11:00": 12, "15:00": 8}
    assert a["by_audience"] == {"minors": 7, "farmers": 4 + 30, "urban_workers": 8, "others": 12}
    assert a["volunteers_on_duty"] == 3
    assert data["event"]["title"] == "××县2027年全国科普日活动"
    assert data["event"]["start"] == "2027-09-24T08:30:00+08:00"
    assert set(data["sections"]) == {"display-boards", "emergency-plan"}


def test_report_files_in_every_format(science_day, run):
    from PIL import Image

    (science_day / "photos").mkdir()
    Image.new("RGB", (64, 48), (200, 60, 40)).save(science_day / "photos" / "launch.png")
    (science_day / "photos" / "broken.jpg").write_bytes(b"not a photo")
    assert run("report", science_day).exit_code == 0
    report = science_day / "report"
    html = (report / "report.html").read_text()
    assert "<h1>××县2027年全国科普日活动总结</h1>" in html
    assert "本次活动共吸引61人次参加，其中凭票入场11人次、无票入场50人次" in html
    assert "<svg" in html and "入场时间分布" in html  # the arrival curve, drawn offline
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert 'src="photos/launch.png"' in html and (report / "photos" / "launch.png").exists()
    word = docx.Document(str(report / "report.docx"))
    assert word.paragraphs[0].text == "××县2027年全国科普日活动总结"
    assert len(word.inline_shapes) == 1  # the photo; the broken one is named, not fatal
    assert "[broken.jpg]" in [p.text for p in word.paragraphs]
    markdown = (report / "report.md").read_text()
    assert "| 集镇广场 | 46 |" in markdown
    with (report / "attendance-by-audience.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows == [
        ["人群", "人次"],
        ["未成年人", "7"],
        ["农民", "34"],
        ["城镇劳动者", "8"],
        ["其他", "12"],
    ]


def test_narrative_uses_only_recorded_numbers(science_day, run):
    import re

    run("report", science_day)
    data = json.loads((science_day / "report" / "report.json").read_text())
    known = set()

    def collect(value):
        if isinstance(value, bool):
            return
        if isinstance(value, int | float):
            known.add(str(value))
        elif isinstance(value, dict):
            for key, item in value.items():
                collect(item)
                known.update(re.findall(r"\d+", str(key)))
        elif isinstance(value, list | tuple):
            for item in value:
                collect(item)
        elif isinstance(value, str):
            known.update(re.findall(r"\d+", value))

    collect({k: v for k, v in data.items() if k != "narrative"})
    known.update(re.findall(r"\d+", (science_day / "event.toml").read_text()))
    for sentence in data["narrative"]:
        for number in re.findall(r"\d+", sentence):
            assert number in known, f"{number} in {sentence!r} comes from nowhere"


def test_media_from_the_event_file_and_the_command(science_day, run):
    with (science_day / "event.toml").open("a", encoding="utf-8") as f:
        f.write(
            '\n[report]\nhighlights = ["大河镇为530多名妇女免费体检"]\n'
            'notes = "下乡活动受到群众欢迎。"\n\n[[report.media]]\noutlet = "县电视台"\n'
            'date = 2027-09-24\ntitle = "我县启动全国科普日活动"\n'
        )
    assert (
        run(
            "report",
            "add-media",
            science_day,
            "--outlet",
            "来凤在线",
            "--date",
            "2027-09-25",
            "--title",
            "科普进社区",
            "--link",
            "https://example.org/a",
        ).exit_code
        == 0
    )
    result = run("report", science_day, "--json")
    data = json.loads(result.output[: result.output.rindex("}") + 1])
    assert [m["outlet"] for m in data["media"]] == ["县电视台", "来凤在线"]
    assert data["narrative"][-1] == "县电视台、来凤在线等2家媒体进行了报道，共刊发报道2篇（条）。"
    html = (science_day / "report" / "report.html").read_text()
    assert "大河镇为530多名妇女免费体检" in html
    assert '<a href="https://example.org/a">科普进社区</a>' in html


def test_bad_report_section_in_the_event_file(science_day, run):
    with (science_day / "event.toml").open("a", encoding="utf-8") as f:
        f.write("\n[report]\nhighlight = []\n")
    result = run("report", science_day)
    assert result.exit_code == 2
    assert "report.highlight: unknown key 'highlight', did you mean 'highlights'?" in (
        result.output
    )


def test_late_offline_uploads_are_reported_by_device(science_day, run, tmp_path, monkeypatch):
    # The village laptop scans on day two of the event (a merge refuses other days).
    monkeypatch.setattr("kexie_plugins.qr_checkin.commands.now", lambda: at(25, 10))
    bundle = tmp_path / "village.bundle"
    run("bundle", science_day, bundle, "--device", "绿水乡笔记本")
    run("checkin", bundle, "000007", "--gate", "村委会")
    run("journal", "merge", science_day, bundle)
    data = json.loads(run("report", science_day, "--json").output.rsplit("\n", 2)[0])
    assert data["attendance"]["late_uploads"] == {"绿水乡笔记本": 1}


# --- the year ------------------------------------------------------------------------------


def test_rollup_against_targets(science_day, make_event, run, tmp_path):
    lecture = make_event("lecture-tour", "zh")
    run("tickets", "issue", lecture, "--count", "3", "--audience", "cadres")
    for number in (1, 2, 3):
        run("checkin", lecture, f"{number:06d}", "--gate", "会议室")
    targets = tmp_path / "targets.toml"
    targets.write_text(
        'title = "××县2027年科普工作目标"\nyear = 2027\n\n'
        '[[targets]]\nid = "people"\nname = "科普活动参与人次"\nmeasure = "attendance"\n'
        "target = 128\n\n"
        '[[targets]]\nid = "lectures"\nname = "宣讲报告会场次"\nmeasure = "sessions"\n'
        'kinds = ["lecture-tour"]\ntarget = 10\n\n'
        '[[targets]]\nid = "farmers"\nname = "农民参与人次"\nmeasure = "audience.farmers"\n'
        "target = 68\n",
        encoding="utf-8",
    )
    out = tmp_path / "year"
    result = run("rollup", science_day, lecture, "--targets", targets, "--out", out, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    indicators = {i["id"]: (i["actual"], i["progress"]) for i in data["indicators"]}
    # Three report meetings: each one's quiz slot is a part of it, not a second meeting.
    assert indicators == {"people": (64, 50.0), "lectures": (3, 30.0), "farmers": (34, 50.0)}
    assert data["by_kind"]["science-day"] == {"events": 1, "attendance": 61, "sessions": 6}
    assert data["by_kind"]["lecture-tour"] == {"events": 1, "attendance": 3, "sessions": 3}
    assert data["by_audience"]["cadres"] == 3
    for name in ("rollup.html", "rollup.docx", "indicators.csv", "by-kind.csv"):
        assert (out / name).is_file()
    assert "科普活动参与人次" in (out / "rollup.html").read_text()


def test_bad_target_file_names_line_and_key(science_day, run, tmp_path):
    targets = tmp_path / "targets.toml"
    targets.write_text(
        '[[targets]]\nid = "x"\nname = "x"\nmeasure = "audience.farmer"\ntarget = 5\ntarg = 1\n',
        encoding="utf-8",
    )
    result = run("rollup", science_day, "--targets", targets)
    assert result.exit_code == 2
    assert f"{targets}:4: targets[0].measure: no audience 'farmer'" in result.output
    assert f"{targets}:6: targets[0].targ: unknown key 'targ', did you mean 'target'?" in (
        result.output
    )


def test_report_refuses_an_event_that_fails_check(science_day, run):
    edit(science_day, "expected_attendance = 30000", "expected_attendance = -3")
    assert run("report", science_day).exit_code == 2


def test_hook_kexie_attendance(science_day, run, register):
    from kexie_events import hookimpl
    from kexie_events.records import Attendance, Correction, PeakInside

    morning = dt.datetime(2027, 9, 26, 2, 0, tzinfo=dt.UTC)  # 10:00 in the event's zone

    class PaperSheets:
        """Sign-in sheets typed in after the event, as a plugin could count them."""

        @hookimpl
        def kexie_attendance(self):
            return [
                Attendance(
                    walk_in=25,
                    by_site={"lvshui-village": 25},
                    by_day={"2027-09-26": 25},
                    by_audience={"farmers": 25},
                    volunteers=("周杰", "王会计"),
                    corrections=(
                        Correction(
                            at=morning + dt.timedelta(hours=1),
                            by="王会计",
                            entry_at=morning,
                            entry_by="周杰",
                            gate=None,
                            site="lvshui-village",
                            audience="farmers",
                            direction="in",
                            delta=5,
                            source="paper",
                        ),
                    ),
                    peak_inside=(PeakInside("lvshui-village", 25, morning),),
                )
            ]

    register(PaperSheets(), "paper-sheets")
    data = json.loads(run("report", science_day, "--json").output.rsplit("\n", 2)[0])
    a = data["attendance"]
    assert (a["total"], a["walk_in"]) == (61 + 25, 50 + 25)
    assert a["by_site"]["lvshui-village"] == 25
    assert a["by_audience"]["farmers"] == 34 + 25
    assert a["volunteers_on_duty"] == 4  # 周杰 counted once
    # The plugin's records come out as the JSON always had them: times with their offset...
    assert a["corrections"] == [
        {
            "at": "2027-09-26T03:00:00+00:00",
            "by": "王会计",
            "entry_at": "2027-09-26T02:00:00+00:00",
            "entry_by": "周杰",
            "gate": None,
            "site": "lvshui-village",
            "audience": "farmers",
            "direction": "in",
            "delta": 5,
            "source": "paper",
        }
    ]
    assert a["peak_inside"]["lvshui-village"] == {
        "inside": 25,
        "at": "2027-09-26T02:00:00+00:00",
        "capacity": None,
        "level": "ok",
    }
    # ...and the report shows them in the event's time zone.
    html = (science_day / "report" / "report.html").read_text(encoding="utf-8")
    assert "2027年9月26日 10:00 绿水乡××村村委会 无票入场 农民 +5（周杰）" in html
    assert "<td>绿水乡××村村委会</td><td>25</td><td></td><td>2027年9月26日 10:00</td>" in html


def test_attendance_records_refuse_a_time_without_its_offset():
    from kexie_events.records import PeakInside

    with pytest.raises(ValueError, match="aware"):
        PeakInside("lvshui-village", 25, dt.datetime(2027, 9, 26, 10, 0))
