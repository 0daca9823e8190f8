"""The public notice says what a member of the public needs to know to come (issue 13)."""

from __future__ import annotations

import re

from kexie_events import hookimpl
from kexie_events.records import PublicNote

from conftest import TEMPLATES


def notice_text(folder) -> str:
    page = (folder / "kit" / "notice.html").read_text(encoding="utf-8")
    return re.sub(r"<[^>]+>", "", page[page.index("<body") :])


def test_the_eclipse_notice_carries_the_eye_safety_rule_tickets_and_glasses(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    assert run("kit", folder).exit_code == 0
    text = notice_text(folder)
    rule = text.index("（一）观看日食必须全程佩戴合格的日食观测镜（符合ISO 12312-2国际标准）")
    assert "严禁用肉眼" in text and "望远镜、双筒镜、相机或手机" in text
    assert text.index("凭二维码门票入场") > rule
    assert "现场免费发放日食观测镜3150副，每人1副" in text
    assert "共104个单位" in text


def test_a_partial_eclipse_notice_never_says_the_glasses_may_come_off(make_event, run):
    folder = make_event("solar-eclipse-observation", "en")
    toml = (folder / "event.toml").read_text(encoding="utf-8")
    # Move both sites well outside the path of totality (to Paris): a partial eclipse there.
    toml = re.sub(r"lat = [\d.]+[^\n]*\nlon = -?[\d.]+", "lat = 48.857\nlon = 2.352", toml)
    (folder / "event.toml").write_text(toml, encoding="utf-8")
    assert run("kit", folder).exit_code == 0, run("kit", folder).output
    text = notice_text(folder)
    assert "keep the glasses on from start to end" in text
    assert "may come off" not in text


def test_every_template_tells_the_public_how_to_come(make_event, run):
    for template in TEMPLATES:
        for lang in ("zh", "en"):
            folder = make_event(template, lang)
            assert run("kit", folder).exit_code == 0
            text = notice_text(folder)
            if "[plugins.qr-checkin]" not in (folder / "event.toml").read_text(encoding="utf-8"):
                # The contest's exhibition is open to all: no tickets, and none promised.
                assert "门票" not in text and "ticket" not in text, (template, lang)
                continue
            assert ("二维码门票入场" in text) or ("Entry is by" in text and "QR ticket" in text), (
                template,
                lang,
            )
            if template == "lunar-eclipse-night":  # it has sign-up: tickets come with it
                assert "报名" in text or "sign up" in text, (template, lang)


class Parking:
    @hookimpl
    def kexie_public_notes(self, event):
        yield PublicNote("Park at the stadium and walk 10 minutes.", order=25)


def test_hook_kexie_public_notes(make_event, run, register):
    register(Parking(), "parking")
    folder = make_event("solar-eclipse-observation", "en")
    assert run("kit", folder).exit_code == 0
    text = notice_text(folder)
    assert text.index("Entry is by QR ticket") < text.index("Park at the stadium")
    assert text.index("Park at the stadium") < text.index("pairs of eclipse glasses")
