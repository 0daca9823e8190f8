"""The emergency plan names every site; a site without an evacuation route is a warning."""

from __future__ import annotations

import docx

from conftest import TEMPLATES


def test_a_site_without_a_route_is_a_warning_and_still_named_in_the_plan(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    text = (folder / "event.toml").read_text(encoding="utf-8")
    start = text.index("[[plugins.emergency-plan.evacuation]]")
    end = text.index("[[plugins.emergency-plan.evacuation]]", start + 1)
    (folder / "event.toml").write_text(text[:start] + text[end:], encoding="utf-8")

    checked = run("check", folder)

    assert checked.exit_code == 0, checked.output
    assert "场地“县行政中心广场”没有疏散路线" in checked.output
    assert "plugins.emergency-plan.evacuation" in checked.output
    assert run("kit", folder).exit_code == 0
    plan = docx.Document(str(folder / "kit" / "emergency-plan.docx"))
    routes = next(t for t in plan.tables if t.rows[0].cells[0].text == "场地")
    rows = [[c.text for c in row.cells] for row in routes.rows[1:]]
    assert [r[0] for r in rows] == ["县行政中心广场", "县科技馆报告厅（阴雨天备用场地）"]
    assert rows[0][1] == "由场地负责人在活动前现场确定并设置标识"


def test_every_template_has_a_route_for_every_site(make_event, run):
    for template in TEMPLATES:
        for lang in ("zh", "en"):
            folder = make_event(template, lang)
            result = run("check", folder)
            assert result.exit_code == 0, result.output
            assert "evacuation" not in result.output, (template, lang, result.output)
