"""The real thing: the server process, a browser on the volunteer page, a QR decoder on tickets."""

from __future__ import annotations

import io
import json
import uuid

import httpx
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import text

from kexie_events import volunteers

from conftest import event_store


@pytest.fixture
def eclipse(make_event, run):
    folder = make_event("solar-eclipse-observation", "en")
    assert run("tickets", "issue", folder, "--count", "25").exit_code == 0
    return folder


def token_for(folder, name="James Carter", gate="north") -> str:
    with event_store(folder) as store:
        return volunteers.add(store, name, role="scanner", by="test", site=None, gate=gate)


def codes_of(run, folder) -> dict[int, str]:
    listing = json.loads(run("tickets", "list", folder, "--json").output)
    return {t["number"]: t["code"] for t in listing}


def test_admitted_means_on_disk_even_after_sigkill(eclipse, run, live_server):
    token = token_for(eclipse)
    codes = codes_of(run, eclipse)
    server = live_server(eclipse)
    headers = {"Authorization": f"Bearer {token}"}
    admitted = []
    with httpx.Client(base_url=server.url, headers=headers) as client:
        for number, code in codes.items():
            body = {"code": code, "gate": "north", "scan_id": uuid.uuid4().hex}
            answer = client.post("/api/v1/checkins", json=body).json()
            assert answer["result"] == "admitted"
            admitted.append(number)
    server.kill()  # right after the last answer
    with event_store(eclipse) as store, store.reading() as db:
        rows = db.execute(
            text("SELECT ticket FROM qr_scans WHERE result = 'admitted' ORDER BY ticket")
        ).all()
    assert [r[0] for r in rows] == admitted


def test_volunteer_checks_people_in_from_a_phone_browser(eclipse, run, live_server, browser):
    token = token_for(eclipse)
    code = codes_of(run, eclipse)[7]
    server = live_server(eclipse)
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(f"{server.url}/#login={token}")
    expect(page.locator("#who")).to_have_text("James Carter · scanner")
    assert "login=" not in page.url  # the token left the address bar
    expect(page.locator("#count-total")).to_have_text("0")
    expect(page.locator("#gate")).to_have_value("north")

    page.locator("#code").type(code)  # a USB scanner types the code, then Enter
    page.keyboard.press("Enter")
    expect(page.locator("#answer-title")).to_have_text("Admitted")
    expect(page.locator("#answer")).to_have_class("answer admitted")
    expect(page.locator("#count-total")).to_have_text("1")

    page.locator("#code").type(code)
    page.keyboard.press("Enter")
    expect(page.locator("#answer-title")).to_have_text("Duplicate scan")
    expect(page.locator("#answer-reason")).to_contain_text("already admitted at")
    expect(page.locator("#answer-reason")).to_contain_text("at the north gate")
    expect(page.locator("#count-gate")).to_have_text("1")

    page.locator("button.walkin[data-audience='farmers']").click()
    expect(page.locator("#count-walkins")).to_have_text("1")
    expect(page.locator("#count-total")).to_have_text("2")
    page.screenshot(path=str(eclipse / "volunteer-page.png"))


def decode_page(browser, url: str) -> list[str]:
    """Screenshot a page in chromium and return every QR code zxing-cpp finds on it."""
    page = browser.new_page(viewport={"width": 900, "height": 1200}, device_scale_factor=2)
    page.goto(url)
    image = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("L")
    page.close()
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_every_printed_ticket_decodes_to_its_code(eclipse, run, browser):
    codes = codes_of(run, eclipse)
    run("tickets", "revoke", eclipse, "25")
    assert run("kit", eclipse).exit_code == 0
    tickets = eclipse / "kit" / "tickets"
    on_sheets = decode_page(browser, (tickets / "sheets-001.html").as_uri())
    assert sorted(on_sheets) == sorted(codes[n] for n in range(1, 25))  # not the revoked one
    singles = sorted((tickets / "single").glob("*.svg"))
    assert len(singles) == 24
    gallery = tickets / "gallery.html"
    gallery.write_text(
        "<body style='margin:0'>"
        + "".join(f"<img src='single/{p.name}' style='width:300px;margin:20px'>" for p in singles)
    )
    assert sorted(decode_page(browser, gallery.as_uri())) == sorted(on_sheets)


def test_chinese_chart_labels_are_drawn_with_a_chinese_font(make_event, run, browser):
    """The report's charts draw their Chinese labels with glyphs, not empty boxes."""
    folder = make_event("science-day", "zh")
    run("tickets", "issue", folder, "--count", "3")
    run("checkin", folder, "000001", "--gate", "校门")
    assert run("report", folder).exit_code == 0
    page = browser.new_page()
    page.goto((folder / "report" / "report.html").as_uri())
    label = page.locator("figure.chart svg text", has_text="入场时间分布")
    assert label.count() == 1
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    [node] = session.send(
        "DOM.querySelectorAll",
        {"nodeId": root, "selector": "figure.chart svg text[font-weight='700']"},
    )["nodeIds"][:1]
    fonts = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    families = " ".join(f["familyName"] for f in fonts)
    assert any(word in families for word in ("CJK", "Source Han", "PingFang", "YaHei", "SimHei")), (
        families
    )
    page.close()


def test_https_with_the_events_own_certificate(eclipse, live_server):
    import ssl

    server = live_server(eclipse, https=True)
    context = ssl.create_default_context(cafile=str(eclipse / "tls-cert.pem"))
    response = httpx.get(server.url + "/api/v1/stats", verify=context)
    assert response.status_code == 401  # a verified TLS handshake against the event's cert
    assert (eclipse / "tls-key.pem").stat().st_mode & 0o777 == 0o600
