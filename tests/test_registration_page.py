"""The public sign-up page in a real browser at phone size (issue 16): a person signs up, the
confirmation page's QR codes decode (zxing-cpp, from a Chromium screenshot) to codes that
``kexie checkin`` admits, the ticket saved as an image decodes too, and cancelling works.

``KEXIE_UPDATE_SCREENSHOTS=1`` also writes docs/images/registration-{zh,en}.png.
"""

from __future__ import annotations

import base64
import io
import os
import re
from pathlib import Path

import httpx
import pytest
import zxingcpp
from PIL import Image

from conftest import edit

DOCS_IMAGES = Path(__file__).parent.parent / "docs" / "images"
PHONE = {"width": 390, "height": 844}
CASES = {
    "zh": {
        "opens": "opens = 2028-12-20T09:00:00",
        "gate": "校门",
        "form": {"name": "李华", "phone": "139 1234 5678"},
        "select": {"audience": "minors"},
        "slot": "0101-0000",
        "confirmed": "报名成功",
        "wrong_phone": "请填写正确的11位手机号码（以13至19开头）",
        "cancelled": "报名已取消",
    },
    "en": {
        "opens": "opens = 2029-12-01T09:00:00",
        "gate": "gate",
        "form": {"name": "Ana García", "phone": "+34 600 123 456", "email": "ana@example.org"},
        "select": {},
        "slot": "1220-2330",
        "confirmed": "You are signed up",
        "wrong_phone": "enter a phone number: digits, with + in front",
        "cancelled": "Sign-up cancelled",
    },
}


def open_event(make_event, lang: str) -> Path:
    """The lunar-eclipse template as it comes, with sign-up opened already."""
    folder = make_event("lunar-eclipse-night", lang)
    edit(folder, CASES[lang]["opens"], "opens = 2020-01-01T09:00:00")
    return folder


def phone_page(browser):
    page = browser.new_page(viewport=PHONE, device_scale_factor=2)
    problems: list[str] = []
    # Script errors and refused content (the CSP); the form's own 400 answer is expected.
    expected = "Failed to load resource: the server responded with a status of 400"

    def console(message) -> None:
        if message.type == "error" and not message.text.startswith(expected):
            problems.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page, problems


def codes_in(png: bytes) -> list[str]:
    image = Image.open(io.BytesIO(png)).convert("L")
    return [result.text for result in zxingcpp.read_barcodes(image)]


def side_by_side(*screens: bytes) -> Image.Image:
    """Phone screens next to each other, for the docs."""
    images = [Image.open(io.BytesIO(screen)) for screen in screens]
    gap = 40
    width = sum(image.width for image in images) + gap * (len(images) + 1)
    sheet = Image.new("RGB", (width, images[0].height + 2 * gap), "#d5dbe0")
    left = gap
    for image in images:
        sheet.paste(image, (left, gap))
        left += image.width + gap
    return sheet


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_person_signs_up_on_a_phone_and_the_ticket_on_screen_is_admitted(
    lang, make_event, live_server, browser, run, tmp_path
):
    case = CASES[lang]
    folder = open_event(make_event, lang)
    server = live_server(folder)
    page, problems = phone_page(browser)
    page.goto(server.url + "/r/")
    form_screen = page.screenshot()

    # A mistyped number is refused on the page, in the event's language, next to the field.
    for field, value in case["form"].items():
        page.fill(f"input[name={field}]", value)
    for field, value in case["select"].items():
        page.select_option(f"select[name={field}]", value)
    page.check(f"input[name=slot][value='{case['slot']}']")
    page.select_option("select[name=party]", "2")
    page.locator("#submit").scroll_into_view_if_needed()
    filled_screen = page.screenshot()
    page.fill("input[name=phone]", "12345")
    page.click("#submit")
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error") == case["wrong_phone"]
    assert page.get_attribute("input[name=phone]", "aria-invalid") == "true"

    page.fill("input[name=phone]", case["form"]["phone"])
    page.click("#submit")
    page.wait_for_url("**/r/m/**")
    assert case["confirmed"] in page.inner_text("h2")
    ticket_screen = page.screenshot()
    on_screen = codes_in(page.screenshot(full_page=True))
    secret = page.url.rsplit("/", 1)[1]
    shown = httpx.get(f"{server.url}/r/api/v1/registrations/{secret}").json()
    assert shown["status"] == "confirmed"
    assert sorted(on_screen) == sorted(t["code"] for t in shown["tickets"])
    assert len(on_screen) == 2

    # The code on the screen is what a volunteer scans: kexie checkin admits it, once.
    admitted = run("checkin", folder, on_screen[0], "--gate", case["gate"])
    assert admitted.exit_code == 0, admitted.output
    assert run("checkin", folder, on_screen[0], "--gate", case["gate"]).exit_code == 1

    # "Save as image" gives pictures that decode to the same codes.
    page.click("#save")
    sources = page.eval_on_selector_all("#images img", "images => images.map(i => i.src)")
    assert len(sources) == 2
    saved = [codes_in(base64.b64decode(src.split(",", 1)[1])) for src in sources]
    assert sorted(code for codes in saved for code in codes) == sorted(on_screen)

    # Cancelling on the page revokes the tickets.
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#cancel")
    page.wait_for_selector(f"h2:has-text('{case['cancelled']}')")
    assert run("checkin", folder, on_screen[1], "--gate", case["gate"]).exit_code == 1
    assert problems == []

    picture = side_by_side(form_screen, filled_screen, ticket_screen)
    picture.save(tmp_path / f"registration-{lang}.png")
    if os.environ.get("KEXIE_UPDATE_SCREENSHOTS"):
        DOCS_IMAGES.mkdir(exist_ok=True)
        half = picture.resize((picture.width // 2, picture.height // 2), Image.LANCZOS)
        half = half.quantize(colors=128)  # a small file for the docs
        half.save(DOCS_IMAGES / f"registration-{lang}.png", optimize=True)


def test_the_page_is_small_and_needs_nothing_from_other_servers(make_event, live_server):
    folder = open_event(make_event, "zh")
    server = live_server(folder)
    page = httpx.get(server.url + "/r/")
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assets = re.findall(r'(?:href|src)="(/r/static/[^"]+)"', page.text)
    assert sorted(assets) == ["/r/static/register.css", "/r/static/register.js"]
    bodies = [page.text] + [httpx.get(server.url + asset).text for asset in assets]
    assert sum(len(body.encode()) for body in bodies) < 40_000
    for body in bodies:
        assert not re.search(r"(?:src|href)=[\"']?(?:https?:)?//", body)
        assert "<script>" not in body and " onclick=" not in body and "style=" not in body
