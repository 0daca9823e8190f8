"""Camera scanning without BarcodeDetector (iOS Safari, WeChat, QQ): the page decodes with the
jsQR it ships. Chromium's camera is fed a video of a printed ticket (the kit's own single-ticket
SVG, rendered and held slightly askew on a table); the ticket is admitted. Over plain http from
another machine the camera is refused and the page says how to get https; over --https it
works."""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import text

from kexie_events import volunteers
from kexie_events.eventfile import load_event

from conftest import CHROMIUM, event_store

ROOT = Path(__file__).parent.parent
VENDOR = ROOT / "plugins" / "qr_checkin" / "static" / "vendor"
NO_DETECTOR = "delete window.BarcodeDetector;"


@pytest.fixture
def eclipse(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    assert run("tickets", "issue", folder, "--count", "3").exit_code == 0
    return folder


def token_for(folder, name="李强") -> str:
    with event_store(folder) as store:
        return volunteers.add(store, name, role="scanner", by="test", site=None, gate="北门")


def chromium(playwright, *extra: str):
    if not Path(CHROMIUM).exists():
        if os.environ.get("KEXIE_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing; install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing")
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", *extra],
    )


def printed_ticket(folder, plugins, number: int, tmp_path: Path) -> Image.Image:
    """The kit's single-ticket SVG for ``number``, drawn by chromium as a printer would."""
    from playwright.sync_api import sync_playwright

    from kexie_plugins.qr_checkin.sheets import TicketPrinter, valid_rows

    event = load_event(folder, plugins)
    with event_store(folder) as store:
        rows = valid_rows(store)
    [row] = [r for r in rows if r[0] == number]
    svg = tmp_path / "ticket.svg"
    svg.write_bytes(TicketPrinter(event, rows).single(row))
    with sync_playwright() as playwright:
        browser = chromium(playwright)
        page = browser.new_page(viewport={"width": 340, "height": 520})
        page.goto(svg.as_uri())
        png = page.screenshot()
        browser.close()
    return Image.open(io.BytesIO(png)).convert("RGB")


def camera_video(ticket: Image.Image, path: Path, frames: int = 20) -> Path:
    """A Y4M video (4:2:0) of the ticket lying askew on a grey table, as a phone camera sees it.

    The first frames show the table only: the ticket comes into view.
    """
    width, height = 640, 480
    table = Image.new("RGB", (width, height), (128, 120, 110))
    held = ticket.resize((int(ticket.width * 0.8), int(ticket.height * 0.8))).rotate(
        7, expand=True, fillcolor=(128, 120, 110)
    )
    view = table.copy()
    view.paste(held, ((width - held.width) // 2, (height - held.height) // 2))

    def planes(image: Image.Image) -> bytes:
        y, cb, cr = image.convert("YCbCr").split()
        half = (width // 2, height // 2)
        return (
            y.tobytes()
            + cb.resize(half, Image.BOX).tobytes()
            + cr.resize(half, Image.BOX).tobytes()
        )

    empty, full = planes(table), planes(view)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for index in range(frames):
            video.write(b"FRAME\n" + (empty if index < 3 else full))
    return path


def test_a_camera_without_barcode_detector_admits_a_printed_ticket(
    eclipse, run, plugins, live_server, tmp_path
):
    from playwright.sync_api import expect, sync_playwright

    video = camera_video(printed_ticket(eclipse, plugins, 2, tmp_path), tmp_path / "ticket.y4m")
    token = token_for(eclipse)
    server = live_server(eclipse)
    with sync_playwright() as playwright:
        browser = chromium(
            playwright,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        )
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        context.add_init_script(NO_DETECTOR)  # as on iOS Safari, WeChat and QQ
        page = context.new_page()
        loaded = []
        page.on("request", lambda r: loaded.append(r.url))
        blocked = []
        page.on("console", lambda m: "Content Security Policy" in m.text and blocked.append(m))
        page.goto(f"{server.url}/#login={token}")
        expect(page.locator("#who")).to_have_text("李强 · 验票员")
        assert page.evaluate("'BarcodeDetector' in window") is False
        assert not any("jsQR" in url for url in loaded)  # loaded only when it is needed
        page.locator("#camera").click()
        expect(page.locator("#answer-title")).to_have_text("凭票入场", timeout=15000)
        expect(page.locator("#answer-reason")).to_have_text("票号 2")
        expect(page.locator("#camera")).to_have_text("关闭摄像头")
        assert any(url.endswith("/static/qr-checkin/vendor/jsQR.js") for url in loaded)
        assert blocked == []
        page.locator("#camera").click()  # the camera is let go
        expect(page.locator("#camera-box")).to_be_hidden()
        browser.close()
    with event_store(eclipse) as store, store.reading() as db:
        rows = db.execute(text("SELECT ticket, result, by FROM qr_scans ORDER BY id")).all()
    assert rows == [(2, "admitted", "李强")]  # held in view: scanned once, not every frame


def test_plain_http_from_another_machine_says_how_to_get_the_camera(eclipse, live_server):
    from playwright.sync_api import expect, sync_playwright

    token = token_for(eclipse)
    server = live_server(eclipse)
    # A phone on the Wi-Fi opens http://<laptop>:PORT: not the phone itself, not https.
    with sync_playwright() as playwright:
        browser = chromium(playwright, "--host-resolver-rules=MAP laptop.test 127.0.0.1")
        page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        page.goto(f"http://laptop.test:{server.port}/#login={token}")
        expect(page.locator("#who")).to_have_text("李强 · 验票员")
        assert page.evaluate("window.isSecureContext") is False
        page.locator("#camera").click()
        expect(page.locator("#answer")).to_have_class("answer error")
        expect(page.locator("#answer-reason")).to_have_text(
            "摄像头只能在 https 地址下使用：请负责人用 kexie serve --https 启动，"
            "或用扫码枪、手动输入票号"
        )
        browser.close()


def test_over_https_the_camera_works_from_another_machine(
    eclipse, run, plugins, live_server, tmp_path
):
    from playwright.sync_api import expect, sync_playwright

    video = camera_video(printed_ticket(eclipse, plugins, 3, tmp_path), tmp_path / "ticket.y4m")
    token = token_for(eclipse)
    server = live_server(eclipse, https=True)
    with sync_playwright() as playwright:
        browser = chromium(
            playwright,
            "--host-resolver-rules=MAP laptop.test 127.0.0.1",
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        )
        # The phone accepted the event's own certificate once (see docs/checkin.md).
        context = browser.new_context(ignore_https_errors=True, is_mobile=True)
        context.add_init_script(NO_DETECTOR)
        page = context.new_page()
        page.goto(f"https://laptop.test:{server.port}/#login={token}")
        expect(page.locator("#who")).to_have_text("李强 · 验票员")
        assert page.evaluate("window.isSecureContext") is True
        page.locator("#camera").click()
        expect(page.locator("#answer-title")).to_have_text("凭票入场", timeout=15000)
        browser.close()


def test_the_vendored_decoder_is_the_published_one():
    """scripts/vendor-js.sh fetches jsQR by exact version and checks it; the copy matches."""
    script = (ROOT / "scripts" / "vendor-js.sh").read_text()
    expected = re.search(r"^JS_SHA256=([0-9a-f]{64})$", script, re.M)[1]
    licence = re.search(r"^LICENSE_SHA256=([0-9a-f]{64})$", script, re.M)[1]
    assert hashlib.sha256((VENDOR / "jsQR.js").read_bytes()).hexdigest() == expected
    assert hashlib.sha256((VENDOR / "jsQR.LICENSE.txt").read_bytes()).hexdigest() == licence
    assert "Apache License" in (VENDOR / "jsQR.LICENSE.txt").read_text()
    check = subprocess.run(
        ["sh", str(ROOT / "scripts" / "vendor-js.sh"), "--check"], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    assert '"**/vendor/*.txt"' in (ROOT / "pyproject.toml").read_text()  # the licence ships
