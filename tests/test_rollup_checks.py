"""Targets that cannot be mistyped silently (issue 13): measures, years, sessions."""

from __future__ import annotations

import json

import pytest

from conftest import line_of


def targets_file(tmp_path, measure: str, year: int = 2027) -> tuple:
    path = tmp_path / "targets.toml"
    text = (
        f'title = "Targets"\nyear = {year}\n\n'
        '[[targets]]\nid = "people"\nname = "People"\nmeasure = "attendance"\ntarget = 100\n\n'
        f'[[targets]]\nid = "glasses"\nname = "Glasses handed out"\nmeasure = "{measure}"\n'
        "target = 3000\n"
    )
    path.write_text(text, encoding="utf-8")
    return path, text.splitlines().index(f'measure = "{measure}"') + 1


@pytest.fixture
def eclipse(make_event):
    return make_event("solar-eclipse-observation", "en")


def test_a_mistyped_figure_is_an_error_with_line_and_the_nearest_measure(eclipse, run, tmp_path):
    path, line = targets_file(tmp_path, "figure.eclipse-glasses.handedout")

    result = run("rollup", eclipse, "--targets", path, "--out", tmp_path / "year")

    assert result.exit_code == 2
    assert f"{path}:{line}:" in result.output
    assert "did you mean 'figure.eclipse-glasses.handed_out'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "year").exists()


def test_a_real_figure_counts(eclipse, run, tmp_path):
    path, _line = targets_file(tmp_path, "figure.eclipse-glasses.stock")
    result = run("rollup", eclipse, "--targets", path, "--out", tmp_path / "year", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {i["id"]: i["actual"] for i in data["indicators"]} == {"people": 0, "glasses": 10000}


def test_events_of_another_year_are_a_warning(eclipse, run, tmp_path):
    path, _line = targets_file(tmp_path, "figure.eclipse-glasses.stock", year=2026)
    result = run("rollup", eclipse, "--targets", path, "--out", tmp_path / "year")
    assert result.exit_code == 0, result.output
    assert "the event is in 2027, the targets are for 2026" in result.output


def test_a_part_of_a_session_is_not_a_session(make_event, run, tmp_path):
    tour = make_event("lecture-tour", "en")
    assert line_of(tour, 'kind = "part"')
    result = run("rollup", tour, "--out", tmp_path / "year", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["by_kind"]["lecture-tour"]["sessions"] == 3


def test_schedule_kind_is_checked(make_event, run):
    tour = make_event("lecture-tour", "en")
    text = (tour / "event.toml").read_text(encoding="utf-8")
    (tour / "event.toml").write_text(text.replace('kind = "part"', 'kind = "quiz"', 1))
    result = run("check", tour)
    assert result.exit_code == 2
    assert "schedule[1].kind" in result.output
