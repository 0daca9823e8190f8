"""The organiser's main job: one command turns event.toml into a kit to print, send and import."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import icalendar
import pytest
import vobject

from kexie_events import hookimpl
from kexie_events.model import MaterialLine, ScheduleItem
from kexie_events.records import Document, KitFile

from conftest import edit

DOCUMENTS = ("plan", "notice", "briefing", "materials", "signin")


def kit_files(kit: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(kit)): p.read_bytes()
        for p in sorted(kit.rglob("*"))
        if p.is_file() and p.name != "build-info.json"
    }


@pytest.mark.parametrize(
    ("template", "lang"), [("solar-eclipse-observation", "zh"), ("science-day", "en")]
)
def test_kit_has_every_document_calendar_and_an_index(make_event, run, template, lang):
    folder = make_event(template, lang)
    result = run("kit", folder)
    assert result.exit_code == 0, result.output
    kit = folder / "kit"
    for name in DOCUMENTS:
        assert (kit / f"{name}.html").is_file()
        assert (kit / f"{name}.docx").is_file()
    assert (kit / "calendars" / "schedule.ics").is_file()
    index = (kit / "index.html").read_text()
    for path in kit_files(kit):
        if path != "index.html":
            assert f'href="{path}"' in index, path
    assert "http://" not in index and "https://" not in index  # works offline


def test_chinese_plan_reads_like_an_official_document(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    run("kit", folder)
    plan = (folder / "kit" / "plan.html").read_text()
    assert "<h1>××县2035年9月2日日全食大型集中观测活动方案</h1>" in plan
    assert "一、活动主题" in plan and "十、工作要求" in plan
    assert "主办单位：××县全民科学素质工作领导小组" in plan
    assert "2035年9月2日 06:30–07:00" in plan
    assert "<td>2035年9月2日 07:24–07:25</td><td>初亏：戴好观测镜</td>" in plan  # from the sky
    assert '<td>日食观测镜（ISO 12312-2）</td><td class="num">10000副</td>' in plan
    assert "@page { size: A4;" in plan


def test_word_files_open_and_carry_the_content(make_event, run):
    folder = make_event("science-day", "zh")
    run("kit", folder)
    plan = docx.Document(str(folder / "kit" / "plan.docx"))
    assert plan.paragraphs[0].text == "××县2027年全国科普日活动方案"
    assert plan.core_properties.title == "活动方案"
    headings = [p.text for p in plan.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == ["一、活动主题", "二、活动时间", "三、活动地点"]
    schedule_table = next(t for t in plan.tables if t.rows[0].cells[0].text == "时间")
    assert schedule_table.rows[1].cells[1].text == "全国科普日活动启动仪式"
    font = plan.styles["Normal"].element.rPr.rFonts
    assert (
        font.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "仿宋"
    )
    signin = docx.Document(str(folder / "kit" / "signin.docx"))
    assert len(signin.tables) == 5  # one page per site and day of the schedule
    assert len(signin.tables[0].rows) == 26


def parse_both(path: Path):
    """Parse an .ics with icalendar and with vobject, an independent parser."""
    data = path.read_bytes()
    first = icalendar.Calendar.from_ical(data)
    second = vobject.readOne(data.decode())
    return first, second


def test_calendars_parse_with_two_parsers_and_carry_place_and_alarms(make_event, run):
    folder = make_event("solar-eclipse-observation", "en")
    run("kit", folder)
    calendars = sorted((folder / "kit" / "calendars").glob("*.ics"))
    assert [p.name for p in calendars][:3] == ["schedule.ics", "site-hall.ics", "site-square.ics"]
    for path in calendars:
        first, second = parse_both(path)
        assert first.walk("VTIMEZONE")[0]["TZID"] == "Europe/Madrid"
        assert len(first.walk("VEVENT")) == len(second.vevent_list)
    schedule, second = parse_both(folder / "kit" / "calendars" / "schedule.ics")
    observation = next(e for e in schedule.walk("VEVENT") if "first to last" in e["SUMMARY"])
    assert observation["LOCATION"] == "Town Hall Square, Town Hall Square, town centre"
    assert observation["GEO"].latitude == pytest.approx(36.0136)
    assert observation.decoded("DTSTART").isoformat() == "2027-08-02T09:35:00+02:00"
    assert observation.walk("VALARM")[0].decoded("TRIGGER").total_seconds() == -15 * 60
    shifts, _ = parse_both(folder / "kit" / "calendars" / "volunteer-02.ics")
    [shift] = shifts.walk("VEVENT")
    assert shift["SUMMARY"] == "Volunteer shift: Scan tickets, hand out glasses"
    assert shifts["X-WR-CALNAME"] == "James Carter"
    assert shift.walk("VALARM")[0].decoded("TRIGGER").total_seconds() == -3600


def events_by_uid(path: Path) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_rebuild_keeps_uids_and_raises_sequence_of_changed_items(make_event, run):
    folder = make_event("lecture-tour", "zh")
    run("kit", folder)
    before = events_by_uid(folder / "kit" / "calendars" / "schedule.ics")
    edit(folder, "start = 2027-10-21T09:00:00", "start = 2027-10-21T09:30:00")
    assert run("kit", folder).exit_code == 0
    after = events_by_uid(folder / "kit" / "calendars" / "schedule.ics")
    assert before.keys() == after.keys()
    changed = [uid for uid in after if after[uid]["SEQUENCE"] != before[uid]["SEQUENCE"]]
    assert len(changed) == 1 and changed[0].startswith("lvshui-report.")
    assert after[changed[0]]["SEQUENCE"] == 1
    unchanged = next(uid for uid in after if uid.startswith("manshui-report."))
    assert after[unchanged].to_ical() == before[unchanged].to_ical()


def test_building_twice_gives_identical_files(make_event, run):
    folder = make_event("science-day", "zh")
    run("kit", folder)
    first = kit_files(folder / "kit")
    run("kit", folder)
    assert kit_files(folder / "kit") == first
    info = json.loads((folder / "kit" / "build-info.json").read_text())
    assert info["files"] == len(first)


def test_failed_build_leaves_the_previous_kit_and_names_template_and_line(make_event, run):
    folder = make_event("science-day", "en")
    run("kit", folder)
    before = kit_files(folder / "kit")
    (folder / "templates").mkdir()
    (folder / "templates" / "notice.html").write_text(
        '{% extends "_base.html" %}\n{% block body %}\n<p>{{ event.title }</p>\n{% endblock %}\n'
    )
    result = run("kit", folder)
    assert result.exit_code == 1
    assert "document 'notice'" in result.output
    assert "notice.html, line 3" in result.output
    assert kit_files(folder / "kit") == before
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith((".kit.", ".kit-b"))]
    assert leftovers == []  # no half-built kit lying around


def test_event_folder_template_overrides_the_built_in_one(make_event, run):
    folder = make_event("science-day", "en")
    (folder / "templates").mkdir()
    (folder / "templates" / "notice.en.html").write_text(
        '{% extends "_base.html" %}{% block body %}<h1>Our own notice: {{ event.title }}</h1>'
        "{% endblock %}"
    )
    assert run("kit", folder).exit_code == 0
    assert (
        "<h1>Our own notice: National Science Day 2027"
        in (folder / "kit" / "notice.html").read_text()
    )
    word = docx.Document(str(folder / "kit" / "notice.docx"))
    assert word.paragraphs[0].text == "Our own notice: National Science Day 2027, X County"


def test_autoescape_is_on(make_event, run):
    folder = make_event("science-day", "en")
    edit(folder, 'theme = "Save energy', 'theme = "<script>x</script> Save energy')
    run("kit", folder)
    assert "&lt;script&gt;x&lt;/script&gt;" in (folder / "kit" / "plan.html").read_text()


def test_kit_refuses_an_event_that_fails_check(make_event, run):
    folder = make_event()
    edit(folder, "expected_attendance = 3000", "expected_attendance = -1")
    result = run("kit", folder)
    assert result.exit_code == 2
    assert "expected_attendance: must be at least 0" in result.output
    assert not (folder / "kit").exists()


def test_out_option_writes_elsewhere(make_event, run, tmp_path):
    folder = make_event()
    assert run("kit", folder, "--out", tmp_path / "print-shop").exit_code == 0
    assert (tmp_path / "print-shop" / "plan.docx").is_file()


class Extras:
    """A plugin contributing to every part of the kit."""

    produced = 0

    @hookimpl
    def kexie_schedule_items(self, event):
        yield ScheduleItem(
            "glasses-on",
            "Glasses on: first contact",
            event.start,
            event.end,
            site=event.sites[0].id,
            reminder_minutes=5,
        )

    @hookimpl
    def kexie_materials(self, event):
        yield MaterialLine("First-aid kits", 3, site=event.sites[0].id)

    @hookimpl
    def kexie_documents(self, event):
        folder = Path(__file__).parent / "example_plugin"
        yield Document(
            "extra",
            "Extra sheet",
            "extra.html",
            search_path=(folder,),
            context={"word": "hello"},
            docx=False,
        )

    @hookimpl
    def kexie_kit_files(self, event):
        def produce():
            Extras.produced += 1
            return b"sheet"

        yield KitFile("tickets/sheet.txt", "Tickets", produce, cache_key="v1", count=10000)


@pytest.fixture
def extras(register, tmp_path):
    (Path(__file__).parent / "example_plugin" / "extra.html").write_text(
        '{% extends "_base.html" %}{% block body %}<p>{{ word }}</p>{% endblock %}'
    )
    Extras.produced = 0
    return register(Extras(), "extras")


def test_hook_kexie_schedule_items(make_event, run, extras):
    folder = make_event("solar-eclipse-observation", "en")
    run("kit", folder)
    uids = events_by_uid(folder / "kit" / "calendars" / "site-square.ics")
    assert any(uid.startswith("glasses-on.") for uid in uids)
    assert "Glasses on: first contact" in (folder / "kit" / "briefing.html").read_text()


def test_hook_kexie_materials(make_event, run, extras):
    folder = make_event("solar-eclipse-observation", "en")
    run("kit", folder)
    assert "<td>First-aid kits</td>" in (folder / "kit" / "materials.html").read_text()


def test_the_index_names_the_folder_of_single_tickets_in_the_events_language(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    assert run("tickets", "issue", folder, "--count", "3").exit_code == 0
    assert run("kit", folder).exit_code == 0
    index = (folder / "kit" / "index.html").read_text()
    assert '<a href="tickets/single/">单张门票（每张一个文件）</a>' in index
    assert "文件夹 tickets/single/，每个文件一张" in index


def test_hook_kexie_documents(make_event, run, extras):
    folder = make_event("solar-eclipse-observation", "en")
    run("kit", folder)
    assert "<p>hello</p>" in (folder / "kit" / "extra.html").read_text()
    assert not (folder / "kit" / "extra.docx").exists()
    assert "Extra sheet" in (folder / "kit" / "index.html").read_text()


def test_hook_kexie_kit_files(make_event, run, extras):
    folder = make_event("solar-eclipse-observation", "en")
    run("kit", folder)
    run("kit", folder)
    assert (folder / "kit" / "tickets" / "sheet.txt").read_bytes() == b"sheet"
    assert Extras.produced == 1  # the rebuild reused the cached file
    assert "10,000" in (folder / "kit" / "index.html").read_text()


def test_event_template_documents_come_between_the_event_and_the_plugin(run, register, tmp_path):
    """Lookup order: the event folder's templates/, then its event template's, then the plugin's."""
    import shutil

    from kexie_events.records import EventTemplate

    template = tmp_path / "club-viewing"
    shutil.copytree(
        Path(__file__).parent.parent / "event_templates" / "lecture_tour",
        template,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (template / "template.toml").write_text('name = "club-viewing"\n')
    (template / "templates").mkdir()
    (template / "templates" / "notice.html").write_text(
        '{% extends "_base.html" %}{% block body %}<h1>Club notice</h1>{% endblock %}'
    )
    (template / "templates" / "briefing.html").write_text(
        '{% extends "_base.html" %}{% block body %}<h1>Club briefing</h1>{% endblock %}'
    )

    class Club:
        @hookimpl
        def kexie_event_templates(self):
            return [EventTemplate.from_folder(template)]

    register(Club(), "club")
    folder = tmp_path / "viewing"
    assert run("new", folder, "--template", "club-viewing", "--lang", "en").exit_code == 0
    # kexie new gives the organiser copies to edit; without them the template's own are used.
    (folder / "templates" / "notice.html").unlink()
    (folder / "templates" / "briefing.html").write_text(
        '{% extends "_base.html" %}{% block body %}<h1>Our briefing</h1>{% endblock %}'
    )
    assert run("kit", folder).exit_code == 0, run("kit", folder).output
    assert "<h1>Club notice</h1>" in (folder / "kit" / "notice.html").read_text()
    assert "<h1>Our briefing</h1>" in (folder / "kit" / "briefing.html").read_text()
    assert "Activity plan" in (folder / "kit" / "plan.html").read_text()
