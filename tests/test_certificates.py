"""Certificates: printed in the kit with signed QR codes, verified on the command line and on
the server's public page; forged, altered and other events' codes refused with a reason."""

from __future__ import annotations

import json
import re
import shutil

import pytest
import zxingcpp
from PIL import Image
from starlette.testclient import TestClient
from test_volunteer_hours import science_day  # noqa: F401  (the fixture)

from kexie_events.web import create_app

from conftest import edit, event_store

SECTION = """
[plugins.certificates]
issuer = "××县科学技术协会"
signatory = "县科协主席　王某"
"""


@pytest.fixture
def printed(science_day, run):  # noqa: F811
    """The science day with certificates, its kit built: ``(folder, {holder: code})``."""
    with (science_day / "event.toml").open("a", encoding="utf-8") as file:
        file.write(SECTION)
    result = run("kit", science_day)
    assert result.exit_code == 0, result.output
    listing = json.loads(run("certificates", "list", science_day, "--json").output)
    return science_day, {c["holder"]: c["code"] for c in listing["certificates"]}


def visible_text(html: str) -> str:
    """What a reader sees: no tags, no style, no attribute values."""
    html = re.sub(r"<style.*?</style>|<svg.*?</svg>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_kit_has_one_page_per_volunteer_in_official_chinese(printed):
    folder, codes = printed
    assert set(codes) == {"刘洋", "黄丽", "周杰"}
    html = (folder / "kit" / "certificates.html").read_text(encoding="utf-8")
    assert html.count('<section class="certificate">') == 3
    assert (
        "于2027年9月24日至9月26日期间参加“××县2027年全国科普日活动”志愿服务，累计服务12.75小时。"
        in html
    )
    assert "县科协主席　王某" in html and "2027年9月27日" in html
    text = visible_text(html)
    for code in codes.values():
        assert code in text
        text = text.replace(code, "")
    assert not re.search(r"[A-Za-z]{2,}", text), re.findall(r"[A-Za-z]{2,}", text)[:5]
    assert (folder / "kit" / "certificates.docx").stat().st_size > 0


def test_word_file_has_one_certificate_a_page(printed):
    import docx

    folder, codes = printed
    document = docx.Document(folder / "kit" / "certificates.docx")
    texts = [p.text for p in document.paragraphs]
    assert texts.count("志愿服务证书") == 3
    breaks = sum(1 for p in document.paragraphs if 'w:br w:type="page"' in p._p.xml)
    assert breaks == 2
    assert any(codes["黄丽"] in t for t in texts)  # Word has no QR: the code is printed


def test_genuine_code_verifies_on_the_command_line(printed, run):
    folder, codes = printed
    result = run("certificates", "verify", codes["黄丽"], "--dir", folder)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("真实有效：")
    assert "黄丽" in result.output and "12.75小时" in result.output
    assert "××县科学技术协会" in result.output
    as_json = json.loads(
        run("certificates", "verify", codes["黄丽"], "--dir", folder, "--json").output
    )
    assert as_json["genuine"] and as_json["certificate"]["kind"] == "volunteer-service"


def test_tampered_signature_and_garbage_are_refused(printed, run):
    folder, codes = printed
    code = codes["黄丽"]
    last = "A" if code[-5] != "A" else "B"
    tampered = code[:-5] + last + code[-4:]
    result = run("certificates", "verify", tampered, "--dir", folder)
    assert result.exit_code == 1
    assert result.output.startswith("伪造或被篡改的验证码")
    # A code naming another volunteer's certificate under a signature made for this one.
    mixed = codes["周杰"][:20] + code[20:]
    assert json.loads(run("certificates", "verify", mixed, "--dir", folder, "--json").output)[
        "outcome"
    ] in ("forged", "other_event")
    # The last letter carries unused bits: a code with them set is not the certificate's code.
    spare = {"A": "B", "Q": "R"}.get(code[-1], chr(ord(code[-1]) ^ 1))
    loose = run("certificates", "verify", code[:-1] + spare, "--dir", folder, "--json")
    assert loose.exit_code == 1 and json.loads(loose.output)["outcome"] in ("malformed", "forged")
    garbage = run("certificates", "verify", "HELLO", "--dir", folder, "--json")
    assert garbage.exit_code == 1 and json.loads(garbage.output)["outcome"] == "malformed"


def test_code_signed_with_another_events_key_is_refused(printed, run, make_event, tmp_path):
    folder, codes = printed
    other = shutil.copytree(folder, tmp_path / "另一活动")
    (other / "certificate-signing.key").unlink()
    other_codes = json.loads(run("certificates", "list", other, "--json").output)
    code = next(c["code"] for c in other_codes["certificates"] if c["holder"] == "黄丽")
    assert code != codes["黄丽"]
    result = run("certificates", "verify", code, "--dir", folder)
    assert result.exit_code == 1
    assert result.output.startswith("不是本活动颁发的证书")


def test_certificate_changed_after_printing_no_longer_matches(printed, run, monkeypatch):
    """黄丽's certificate says 12.75 hours; a scan merged later shows she worked only from
    08:10 on the 26th: the event now certifies 4 hours, and the printed code is refused."""
    from test_volunteer_hours import at

    folder, codes = printed
    [ticket] = [
        t for t in json.loads(run("tickets", "list", folder, "--json").output) if t["number"] == 20
    ]
    monkeypatch.setattr("kexie_plugins.qr_checkin.commands.now", lambda: at(26, "08:10"))
    assert (
        run("checkin", folder, ticket["code"], "--gate", "集镇广场", "--by", "黄丽").exit_code == 0
    )
    result = run("certificates", "verify", codes["黄丽"], "--dir", folder)
    assert result.exit_code == 1
    assert result.output.startswith("内容已变更，与原证书不符")
    assert "累计服务4小时" in result.output  # what the event certifies now
    # Words edited in the event file (the title is in every certificate's text) likewise.
    edit(folder, 'title = "××县2027年全国科普日活动"', 'title = "××县2027年科普日活动"')
    verdict = json.loads(
        run("certificates", "verify", codes["周杰"], "--dir", folder, "--json").output
    )
    assert verdict["outcome"] == "altered"


def test_server_page_says_genuine_or_forged_in_chinese(printed, plugins):
    folder, codes = printed
    with TestClient(create_app(folder, plugins)) as client:
        page = client.get(f"/c/{codes['周杰']}")
        assert page.status_code == 200
        assert 'data-outcome="genuine"' in page.text
        assert "真实有效" in page.text and "累计服务4.25小时" in page.text
        text = visible_text(page.text)
        assert not re.search(r"[A-Za-z]{2,}", text), re.findall(r"[A-Za-z]{2,}", text)[:5]
        code = codes["周杰"]
        letter = "Q" if code[-10] != "Q" else "R"  # a letter of the signature, changed
        forged = client.get("/c/", params={"code": code[:-10] + letter + code[-9:]})
        assert 'data-outcome="forged"' in forged.text and "伪造" in forged.text
        assert "累计服务" not in forged.text
        empty = client.get("/c/")
        assert empty.status_code == 200 and "输入证书上的验证码" in empty.text


def test_the_public_page_works_out_the_certificates_once_in_a_while(printed, plugins, monkeypatch):
    """Anyone may ask the page about a genuine code as often as they like: what the event
    grants is worked out once (and again after FRESH_SECONDS), and a forged code costs
    nothing of it."""
    from kexie_plugins.certificates import issuing, web

    folder, codes = printed
    calls = []
    real = issuing.granted_by_id
    monkeypatch.setattr(issuing, "granted_by_id", lambda *a: calls.append(1) or real(*a))
    code = codes["周杰"]
    forged = code[:-10] + ("Q" if code[-10] != "Q" else "R") + code[-9:]
    with TestClient(create_app(folder, plugins)) as client:
        for _ in range(5):
            assert 'data-outcome="genuine"' in client.get(f"/c/{code}").text
            assert 'data-outcome="forged"' in client.get("/c/", params={"code": forged}).text
    assert len(calls) == 1

    clock = [100.0]
    granted = web.GrantedNow(None, clock=lambda: clock[0])
    monkeypatch.setattr(issuing, "granted_by_id", lambda *a: calls.append(1) or {})
    granted.get(None, None, None)
    clock[0] += web.FRESH_SECONDS - 1
    granted.get(None, None, None)
    assert len(calls) == 2  # still fresh
    clock[0] += 1
    granted.get(None, None, None)
    assert len(calls) == 3  # worked out again


def test_qr_opens_the_verification_page_when_an_address_is_set(printed, run, tmp_path):
    """The printed QR decodes (a real decoder, on the page as Chromium draws it) to the page's
    address with the code; the command line takes the link as well as the code."""
    from playwright.sync_api import sync_playwright

    folder, codes = printed
    edit(
        folder,
        'issuer = "××县科学技术协会"',
        'issuer = "××县科学技术协会"\nverify_url = "https://kp.example.cn/e/kpr"',
    )
    assert run("kit", folder).exit_code == 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 900, "height": 1300})
        page.goto((folder / "kit" / "certificates.html").as_uri())
        shot = tmp_path / "page.png"
        page.locator("section.certificate", has_text="黄丽").screenshot(path=shot)
        browser.close()
    found = [r.text for r in zxingcpp.read_barcodes(Image.open(shot))]
    assert found == [f"https://kp.example.cn/e/kpr/c/{codes['黄丽']}"]
    result = run("certificates", "verify", found[0], "--dir", folder)
    assert result.exit_code == 0 and result.output.startswith("真实有效")


def test_english_event_words(make_event, run):
    folder = make_event("science-day", "en")
    with (folder / "event.toml").open("a", encoding="utf-8") as file:
        file.write('\n[plugins.certificates]\nissuer = "County Science Association"\n')
    listing = json.loads(run("certificates", "list", folder, "--json").output)["certificates"]
    assert listing, "every volunteer has planned hours"
    first = listing[0]
    assert first["title"] == "Certificate of Volunteer Service"
    assert "hours in all" in first["text"]
    result = run("certificates", "verify", first["code"], "--dir", folder)
    assert result.output.startswith("Genuine:")


def test_bad_section_names_file_line_and_key(printed, run):
    folder, _codes = printed
    edit(
        folder,
        'signatory = "县科协主席　王某"',
        'signatory = "县科协主席　王某"\nverify_url = "kp.example.cn"\nkind = ["training"]',
    )
    result = run("check", folder)
    assert result.exit_code == 2
    assert "verify_url" in result.output and "event.toml" in result.output
    assert "kinds" in result.output  # did you mean


def test_no_section_no_certificates(science_day, run):  # noqa: F811
    result = run("certificates", "verify", "C1AAAA", "--dir", science_day)
    assert result.exit_code == 2
    assert "[plugins.certificates]" in result.output
    assert not (science_day / "certificate-signing.key").exists()


def test_an_event_without_its_key_verifies_nothing_and_makes_no_key(printed, run, tmp_path):
    """A copy of the event without its secret (a restored backup) says the code is not its
    own; checking a code never creates the event's key."""
    folder, codes = printed
    copy = shutil.copytree(folder, tmp_path / "副本")
    (copy / "certificate-signing.key").unlink()
    result = run("certificates", "verify", codes["黄丽"], "--dir", copy)
    assert result.exit_code == 1 and result.output.startswith("不是本活动颁发的证书")
    assert not (copy / "certificate-signing.key").exists()


def test_key_is_private(printed):
    folder, _codes = printed
    assert (folder / "certificate-signing.key").stat().st_mode & 0o077 == 0
    with event_store(folder) as store:
        assert store.event_id


def test_hook_kexie_certificates(printed, run, register):
    """A plugin's certificate is printed, signed and verified with the event's own."""
    import datetime as dt

    from kexie_events import hookimpl
    from kexie_events.records import Certificate

    class Training:
        """A plugin that certifies one person's training, as the quiz plugin does."""

        @hookimpl
        def kexie_certificates(self, event):
            yield Certificate(
                kind="training",
                key="paper:A-007",
                holder="赵敏",
                title="培训结业证书",
                text=f"参加“{event.title}”科普培训，考核合格。",
                issued=dt.date(2027, 9, 27),
                details=(("成绩", "92分"),),
            )

    register(Training(), "training-test")
    folder, _codes = printed
    assert run("kit", folder).exit_code == 0
    html = (folder / "kit" / "certificates.html").read_text(encoding="utf-8")
    assert html.count('<section class="certificate">') == 4
    assert "培训结业证书" in html and "赵敏" in html
    listing = json.loads(run("certificates", "list", folder, "--json").output)["certificates"]
    [training] = [c for c in listing if c["holder"] == "赵敏"]
    assert training["plugin"] == "training-test"
    result = run("certificates", "verify", training["code"], "--dir", folder)
    assert result.exit_code == 0 and "92分" in result.output
    assert run("report", folder).exit_code == 0
    report = json.loads((folder / "report" / "report.json").read_text())
    assert report["sections"]["certificates"]["by_kind"] == {"training": 1, "volunteer-service": 3}
