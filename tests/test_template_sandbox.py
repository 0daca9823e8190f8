"""Templates in an event folder cannot run code or read other files (issue 11, part 7)."""

from __future__ import annotations

import pytest

ESCAPES = [
    "{{ pick.__globals__['os'].getcwd() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ event.__init__.__globals__ }}",
    "{% for c in ().__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
]


@pytest.mark.parametrize("escape", ESCAPES)
def test_a_template_reaching_for_python_internals_fails_with_its_name_and_line(
    make_event, run, escape
):
    folder = make_event("science-day", "en")
    assert run("kit", folder).exit_code == 0
    before = (folder / "kit" / "notice.html").read_bytes()
    (folder / "templates").mkdir()
    (folder / "templates" / "notice.html").write_text(f"<h1>Notice</h1>\n<p>\n{escape}\n</p>\n")

    result = run("kit", folder)

    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "notice.html, line 3" in result.output
    assert "may not use" in result.output
    assert (folder / "kit" / "notice.html").read_bytes() == before


def test_a_template_linked_to_a_file_outside_is_refused(make_event, run, tmp_path):
    folder = make_event("science-day", "en")
    secret = tmp_path / "secret.html"
    secret.write_text("<p>PRIVATE KEY MATERIAL</p>")
    (folder / "templates").mkdir()
    (folder / "templates" / "notice.html").symlink_to(secret)

    result = run("kit", folder)

    assert result.exit_code != 0
    assert "outside the template folders" in result.output
    kit = folder / "kit"
    assert not kit.exists() or all(
        "PRIVATE KEY" not in p.read_text(errors="ignore") for p in kit.rglob("*") if p.is_file()
    )


def test_including_a_file_by_a_path_upwards_is_refused(make_event, run):
    folder = make_event("science-day", "en")
    (folder / "templates").mkdir()
    (folder / "templates" / "notice.html").write_text('{% include "../event.toml" %}\n')

    result = run("kit", folder)

    assert result.exit_code != 0
    assert "title =" not in result.output
