"""Creating an event from a template and editing it in the console, as an organiser does: the
forms fill in as a browser fills them, and what ends in ``event.toml`` keeps the organiser's
comments; a mistake comes back beside its field with nothing saved; a change made meanwhile
by someone else is never overwritten; an organiser without the event gets 403 everywhere.

The app mounts the console's authentication and the editing routes, as ``kexie serve`` does.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from html.parser import HTMLParser
from urllib.parse import quote, urlencode

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from kexie_events.console import editing
from kexie_events.console.accounts import open_accounts
from kexie_events.console.auth import ConsoleAuth, console_auth_routes
from kexie_events.console.event_files import CREATED, EDITED
from kexie_events.console.root import Root
from kexie_events.eventfile import load_event
from kexie_events.templates import create, find

from conftest import console_login, event_store

GREEN, HILL = "绿水乡科普日", "青山镇日食观测"


@pytest.fixture
def year(tmp_path, plugins):
    root = tmp_path / "2027"
    create(find(plugins, "science-day"), root / GREEN, "zh")
    create(find(plugins, "solar-eclipse-observation"), root / HILL, "zh")
    return root


@pytest.fixture
def accounts(year):
    with open_accounts(year) as opened:
        yield opened


class Reloads:
    """Stands in for the server's apps: which events were reloaded after a save."""

    def __init__(self):
        self.events: list[str] = []

    async def reload(self, event_id: str) -> None:
        self.events.append(event_id)


@pytest.fixture
def reloads():
    return Reloads()


@pytest.fixture
def app(year, plugins, accounts, reloads):
    app = Starlette(
        routes=[
            *console_auth_routes(accounts),
            *editing.routes(Root.at(year), plugins, accounts=accounts),
        ],
        middleware=[Middleware(ConsoleAuth, accounts=accounts)],
    )
    app.state.event_apps = reloads
    return app


def logged_in(app, accounts, name: str, **account) -> TestClient:
    browser, _csrf = console_login(app, accounts, name, "/console/new", **account)
    return browser


@pytest.fixture
def admin(app, accounts):
    return logged_in(app, accounts, "王芳", role="admin")


def page_of(event: str, page: str = "") -> str:
    return f"/console/events/{quote(event)}/edit/{page}"


class FormReader(HTMLParser):
    """What a browser would send with the page's own form (not the header's language and
    logout buttons), as (name, value) pairs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: list[list[str]] = []
        self.action = None
        self._in_form = False
        self._textarea: list[str] | None = None
        self._select: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        header = attrs.get("action") in ("/console/language", "/console/logout")
        if tag == "form" and attrs.get("method") == "post" and not header and not self.action:
            self._in_form, self.action = True, attrs.get("action")
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append([name, attrs.get("value", "on")])
            elif kind != "submit":
                self.fields.append([name, attrs.get("value", "")])
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
        elif tag == "select" and name:
            self._select = [name, None, None]
        elif tag == "option" and self._select is not None:
            if self._select[2] is None:
                self._select[2] = attrs.get("value", "")
            if "selected" in attrs:
                self._select[1] = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form = False
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.fields.append([name, text.removeprefix("\n")])  # as browsers drop it
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, chosen, first = self._select
            self.fields.append([name, chosen if chosen is not None else first])
            self._select = None


def form_of(html: str) -> tuple[str, list[list[str]]]:
    reader = FormReader()
    reader.feed(html)
    return reader.action, reader.fields


def filled(fields: list[list[str]], **changes) -> list[tuple[str, str]]:
    """The form's fields with some values typed over (``sites__0__capacity`` is
    ``sites.0.capacity``); a name the form lacks is added, as a ticked box is."""
    changes = {name.replace("__", "."): value for name, value in changes.items()}
    sent = []
    for name, value in fields:
        sent.append((name, changes.pop(name, value)))
    sent += list(changes.items())
    return sent


def post(browser: TestClient, action: str, fields):
    """Send a form's fields as a browser does (in order, a name as often as it comes)."""
    return browser.post(
        action,
        content=urlencode([tuple(field) for field in fields]),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )


def submit(browser: TestClient, path: str, **changes):
    """Open the page at ``path``, type ``changes`` into its form and send it."""
    action, fields = form_of(browser.get(path).text)
    return post(browser, action, filled(fields, **changes))


def text_of(folder) -> str:
    return (folder / "event.toml").read_text(encoding="utf-8")


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def error_beside(html: str, field_id: str) -> list[str]:
    """The error texts shown under a field, which the field names in aria-describedby."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*id="{field_id}"[^>]*>', html)
    assert tag, f"no field {field_id}"
    described = re.search(r'aria-describedby="([^"]*)"', tag.group(0))
    assert described, f"{field_id} names no description"
    assert 'aria-invalid="true"' in tag.group(0)
    found = []
    for one in described.group(1).split():
        paragraph = re.search(rf'<p class="error" id="{one}">(.*?)</p>', html, re.S)
        if paragraph:
            found.append(re.sub(r"<[^>]+>", "", paragraph.group(1)).strip())
    return found


# --- forms -------------------------------------------------------------------------------------


def test_the_title_and_a_sites_capacity_change_through_the_forms(admin, year, plugins, reloads):
    folder = year / HILL
    before = text_of(folder)
    answer = submit(admin, page_of(HILL, "basics"), title="青山镇2035年日全食观测")
    assert answer.status_code == 303
    assert answer.headers["location"].endswith("/edit/basics?saved=1")
    assert "已保存" in admin.get(answer.headers["location"]).text

    answer = submit(admin, page_of(HILL, "sites"), sites__0__capacity="5000")
    assert answer.status_code == 303
    after = text_of(folder)
    # Only the two values' lines changed; the comments beside them and elsewhere stayed.
    assert changed_lines(before, after) == [
        '-title = "××县2035年9月2日日全食大型集中观测活动"',
        '+title = "青山镇2035年日全食观测"',
        "-capacity = 4000",
        "+capacity = 5000",
    ]
    assert "lat = 40.4567     # 请改为本地广场的纬度" in after
    event = load_event(folder, plugins)
    assert event.title == "青山镇2035年日全食观测"
    assert event.site("plaza").capacity == 5000
    # Recorded with who did it, and the server reloads the event after each save.
    with event_store(folder, plugins) as store:
        saves = store.entries(EDITED)
    assert [(entry.by, entry.data["page"], entry.data["changed"]) for entry in saves] == [
        ("王芳", "basics", ["title"]),
        ("王芳", "sites", ["sites[0].capacity"]),
    ]
    assert reloads.events == [HILL, HILL]


def test_saving_a_form_with_nothing_changed_leaves_the_file_alone(admin, year, reloads):
    before = (year / HILL / "event.toml").read_bytes()
    for page in ("basics", "sites", "schedule", "volunteers", "plugins/eclipse-glasses"):
        answer = submit(admin, page_of(HILL, page))
        assert answer.status_code == 303, (page, answer.text)
        assert answer.headers["location"].endswith("?saved=0")
    assert (year / HILL / "event.toml").read_bytes() == before
    assert reloads.events == []


def test_an_end_before_the_start_comes_back_beside_the_end_and_nothing_is_saved(
    admin, year, reloads
):
    before = text_of(year / HILL)
    answer = submit(admin, page_of(HILL, "basics"), end="2035-09-02T05:00")
    assert answer.status_code == 422
    assert error_beside(answer.text, "f-end") == ["必须晚于开始时间（2035年9月2日 06:30） 第13行"]
    assert "发现1处问题，活动文件没有保存" in answer.text
    assert 'value="2035-09-02T05:00"' in answer.text  # kept as typed
    assert text_of(year / HILL) == before
    assert reloads.events == []


def test_a_date_that_does_not_exist_is_refused_beside_its_field(admin, year):
    before = text_of(year / HILL)
    answer = submit(admin, page_of(HILL, "basics"), start="2035-02-30T06:30")
    assert answer.status_code == 422
    assert error_beside(answer.text, "f-start") == ["请填写有效的日期和时间，例如 2027-08-02 08:30"]
    assert text_of(year / HILL) == before


def test_a_capacity_that_is_not_a_number_is_refused_beside_it(admin, year):
    before = text_of(year / HILL)
    answer = submit(admin, page_of(HILL, "sites"), sites__1__capacity="三百")
    assert answer.status_code == 422
    assert error_beside(answer.text, "f-sites-1-capacity") == ["请填写整数，例如 300"]
    assert text_of(year / HILL) == before


def test_a_removed_site_still_named_elsewhere_is_refused_with_the_lines_that_name_it(admin, year):
    before = text_of(year / HILL)
    answer = submit(admin, page_of(HILL, "sites"), **{"sites.1.remove": "1"})
    assert answer.status_code == 422
    page = answer.text
    # The rain plan's schedule item, the evacuation route and the display boards name the
    # hall: each is listed with its line, in Chinese, with the site's name.
    assert "没有“县科技馆报告厅（阴雨天备用场地）”这个场地" in page
    assert re.search(r'href="[^"]*/edit/file#line-\d+">第\d+行</a>', page)
    assert text_of(year / HILL) == before


def test_a_site_and_a_volunteer_with_a_shift_are_added(admin, year, plugins):
    folder = year / HILL
    answer = submit(
        admin,
        page_of(HILL, "sites"),
        sites__new__name="青山镇中学操场",
        sites__new__capacity="800",
        sites__new__gates="校门\n侧门",
    )
    assert answer.status_code == 303, answer.text
    answer = submit(
        admin,
        page_of(HILL, "volunteers"),
        volunteers__new__name="刘洋",
        volunteers__new__role="steward",
        volunteers__new__shifts__new__start="2035-09-02T06:00",
        volunteers__new__shifts__new__end="2035-09-02T10:00",
        volunteers__new__shifts__new__gate="侧门",
        volunteers__new__shifts__new__duty="引导入场",
    )
    assert answer.status_code == 303, answer.text
    event = load_event(folder, plugins)
    school = event.sites[-1]
    assert (school.name, school.capacity, school.gates) == ("青山镇中学操场", 800, ("校门", "侧门"))
    volunteer = event.volunteers[-1]
    assert (volunteer.name, volunteer.role) == ("刘洋", "steward")
    assert [(s.gate, s.duty, s.start.hour) for s in volunteer.shifts] == [("侧门", "引导入场", 6)]


def test_a_shift_left_half_filled_is_refused_beside_its_missing_time(admin, year):
    before = text_of(year / HILL)
    answer = submit(admin, page_of(HILL, "volunteers"), volunteers__1__shifts__new__duty="补位")
    assert answer.status_code == 422
    assert error_beside(answer.text, "f-volunteers-1-shifts-new-start") == ["请填写开始时间"]
    assert "<details" in answer.text and " open>" in answer.text  # the added shift stays open
    assert text_of(year / HILL) == before


def test_a_plugins_settings_keep_their_comments(admin, year, plugins):
    folder = year / HILL
    page = admin.get(page_of(HILL, "plugins/eclipse-glasses")).text
    assert "已采购的观测镜（副）" in page
    answer = submit(
        admin,
        page_of(HILL, "plugins/eclipse-glasses"),
        **{"plugins.eclipse-glasses.stock": "12000"},
    )
    assert answer.status_code == 303, answer.text
    assert "stock = 12000                     # 已采购的观测镜（副）" in text_of(folder)
    assert load_event(folder, plugins).configs["eclipse-glasses"].stock == 12000


def test_a_form_refuses_a_change_made_meanwhile_and_shows_what_the_file_says(admin, year):
    folder = year / HILL
    action, fields = form_of(admin.get(page_of(HILL, "basics")).text)
    # Someone changes the file with an editor while the page is open.
    path = folder / "event.toml"
    path.write_text(
        text_of(folder).replace("expected_attendance = 3000", "expected_attendance = 3500")
    )
    answer = post(admin, action, filled(fields, expected_attendance="2800"))
    assert answer.status_code == 409
    assert "活动文件已被别人修改" in answer.text
    assert "文件中现在是：3500" in answer.text
    assert 'value="2800"' in answer.text  # what the organiser typed is kept
    assert "expected_attendance = 3500" in text_of(folder)
    # Saving again, having seen it, puts the organiser's value in.
    action, fields = form_of(answer.text)
    assert post(admin, action, fields).status_code == 303
    assert "expected_attendance = 2800" in text_of(folder)


# --- the text editor ---------------------------------------------------------------------------


def test_the_text_editor_saves_a_checked_file(admin, year, plugins, reloads):
    folder = year / GREEN
    action, fields = form_of(admin.get(page_of(GREEN, "file")).text)
    text = dict(fields)["text"]
    assert text == text_of(folder)
    changed = text.replace("expected_attendance = 30000", "expected_attendance = 32000")
    answer = post(admin, action, filled(fields, text=changed.replace("\n", "\r\n")))
    assert answer.status_code == 303
    assert text_of(folder) == changed  # the browser's CRLF back to the file's line ends
    assert load_event(folder, plugins).expected_attendance == 32000
    assert reloads.events == [GREEN]


def test_a_toml_mistake_in_the_text_editor_is_listed_with_its_line_and_not_saved(admin, year):
    folder = year / GREEN
    before = text_of(folder)
    action, fields = form_of(admin.get(page_of(GREEN, "file")).text)
    typed = before.replace('kind = "science-day"', "kind = science-day")
    line = before.splitlines().index('kind = "science-day"') + 1
    answer = post(admin, action, filled(fields, text=typed))
    assert answer.status_code == 422
    assert (
        f'<a href="#line-{line}" data-line="{line}">第{line}行</a>：文件格式有误：'
        "值的写法不对（文字要加英文引号）" in answer.text
    )
    assert "kind = science-day" in answer.text  # the text is kept as typed
    assert text_of(folder) == before


def test_the_text_editor_checks_without_saving(admin, year):
    folder = year / GREEN
    before = text_of(folder)
    action, fields = form_of(admin.get(page_of(GREEN, "file")).text)
    typed = before.replace("expected_attendance = 30000", "expected_attendance = -1")
    answer = post(admin, action, filled(fields, text=typed, action="check"))
    assert answer.status_code == 422
    assert "不能小于0（现在是-1）" in answer.text
    answer = post(admin, action, filled(fields, action="check"))
    assert "检查通过，没有发现问题" in answer.text
    assert text_of(folder) == before


def test_the_text_editor_refuses_a_change_made_meanwhile_and_shows_both(admin, year, run):
    folder = year / GREEN
    action, fields = form_of(admin.get(page_of(GREEN, "file")).text)
    mine = dict(fields)["text"].replace("expected_attendance = 30000", "expected_attendance = 1")
    theirs = text_of(folder).replace("expected_attendance = 30000", "expected_attendance = 2")
    (folder / "event.toml").write_text(theirs, encoding="utf-8")
    answer = post(admin, action, filled(fields, text=mine))
    assert answer.status_code == 409
    assert "活动文件已被别人修改" in answer.text
    assert "expected_attendance = 1" in answer.text and "expected_attendance = 2" in answer.text
    assert text_of(folder) == theirs


# --- a new event -------------------------------------------------------------------------------


def test_an_organiser_creates_a_chinese_solar_eclipse_event_that_passes_kexie_check(
    app, accounts, year, plugins, run, reloads
):
    browser = logged_in(app, accounts, "李明", events=[GREEN])
    page = browser.get(editing.NEW_PATH)
    assert page.status_code == 200
    assert "日全食大型集中观测活动" in page.text  # templates by their Chinese names
    action, fields = form_of(page.text)
    answer = post(
        browser,
        action,
        filled(
            fields,
            template="solar-eclipse-observation",
            lang="zh",
            folder="绿水乡日食观测",
            title="绿水乡2035年日全食观测活动",
        ),
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == page_of("绿水乡日食观测") + "?created"
    folder = year / "绿水乡日食观测"
    checked = run("check", str(folder))
    assert checked.exit_code == 0, checked.output
    assert "绿水乡2035年日全食观测活动" in checked.output
    # The organiser who made it may now see it (and their other event still).
    assert accounts.organiser("李明").events == {GREEN, "绿水乡日食观测"}
    assert browser.get(answer.headers["location"]).status_code == 200
    with event_store(folder, plugins) as store:
        assert store.meta("template") == "solar-eclipse-observation"
        made = store.entries(CREATED)
    assert [(entry.by, entry.data["template"]) for entry in made] == [
        ("李明", "solar-eclipse-observation")
    ]
    assert reloads.events == ["绿水乡日食观测"]


def test_a_new_events_dates_move_the_templates_schedule_with_them(admin, year, plugins):
    answer = submit(
        admin,
        editing.NEW_PATH,
        template="science-day",
        lang="zh",
        folder="青山镇科普日",
        start="2027-09-18T08:30",
    )
    assert answer.status_code == 303, answer.text
    event = load_event(year / "青山镇科普日", plugins)
    assert event.start == dt.datetime(2027, 9, 18, 8, 30, tzinfo=event.tz)
    template = load_event(year / GREEN, plugins)
    assert event.end - event.start == template.end - template.start
    assert event.schedule[0].start.date() == dt.date(2027, 9, 18)


def test_a_new_event_needs_a_free_folder_and_an_end_after_its_start(admin, year):
    answer = submit(
        admin,
        editing.NEW_PATH,
        template="science-day",
        lang="zh",
        folder=GREEN,
        start="2027-09-18T08:30",
        end="2027-09-18T08:00",
    )
    assert answer.status_code == 422
    assert error_beside(answer.text, "f-folder") == [f"已经有名为“{GREEN}”的文件夹，请换一个名称"]
    assert error_beside(answer.text, "f-end") == ["结束时间必须晚于开始时间"]
    answer = submit(admin, editing.NEW_PATH, template="science-day", lang="zh", folder="../x")
    assert error_beside(answer.text, "f-folder")[0].startswith("文件夹名称不能以")
    assert sorted(p.name for p in year.iterdir() if p.is_dir()) == sorted([GREEN, HILL])


# --- who may -----------------------------------------------------------------------------------

EDIT_PAGES = [
    "",
    "basics",
    "sites",
    "schedule",
    "volunteers",
    "plugins/eclipse-glasses",
    "plugins/observation",
    "file",
]


def test_an_organiser_without_the_event_gets_403_on_every_edit_page(app, accounts, year):
    before = text_of(year / HILL)
    owner = logged_in(app, accounts, "王芳", role="admin")
    forms = {page: form_of(owner.get(page_of(HILL, page)).text) for page in EDIT_PAGES[1:]}
    other = logged_in(app, accounts, "李明", events=[GREEN])
    token = dict(form_of(other.get(page_of(GREEN, "basics")).text)[1])["csrf"]
    for page in EDIT_PAGES:
        assert other.get(page_of(HILL, page)).status_code == 403, page
    for page, (action, fields) in forms.items():
        sent = filled(fields, csrf=token, title="改了", text="title = 1")
        assert post(other, action, sent).status_code == 403, page
    assert text_of(year / HILL) == before
    # The same answer for an event that does not exist.
    assert other.get(page_of("不存在的活动", "basics")).status_code == 403
