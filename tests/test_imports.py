"""Imports say exactly what is wrong, on the line an editor shows, and import nothing then.

Both imports (``kexie tickets import`` of registrations, ``kexie glasses import`` of units)
read their file with the one strict reader, so every class of bad file is tried on both. The
reader they had before turned a stray quote into one long name and imported the rest.
"""

from __future__ import annotations

import json

import pytest

from conftest import line_of


@pytest.fixture
def eclipse(make_event, run):
    """The English eclipse event (sites square and hall) with 10 anonymous tickets."""
    folder = make_event("solar-eclipse-observation", "en")
    assert run("tickets", "issue", folder, "--count", "10").exit_code == 0
    return folder


class Registrations:
    command = ("tickets", "import")
    header = "name,phone,audience,site"

    @staticmethod
    def row(n: int) -> str:
        return f"Person {n},60000000{n},others,square"

    @staticmethod
    def state(run, folder):
        return len(json.loads(run("tickets", "list", folder, "--json").output))


class Units:
    command = ("glasses", "import")
    header = "name,contact,pairs"

    @staticmethod
    def row(n: int) -> str:
        return f"School {n},Teacher {n},{10 * n}"

    @staticmethod
    def state(run, folder):
        return (folder / "glasses-allocations.csv").read_bytes()


IMPORTS = {"registrations": Registrations, "units": Units}


def _lines(kind, *lines):
    """A file of ``lines``: ``H`` is the header, a number is that row, anything else as is."""
    text = {"H": kind.header}
    return "\n".join(text.get(x, kind.row(x) if isinstance(x, int) else x) for x in lines) + "\n"


BAD_FILES = {
    # name: (file text from the kind, line of the problem, what is said)
    "a quote that never closes": (
        lambda k: _lines(k, "H", 1, '"' + k.row(2), 3, 4),
        3,
        "this quote never closes",
    ),
    "a quote closed rows later": (
        lambda k: _lines(k, "H", 1, '"' + k.row(2), 3, k.row(4).replace(",", '",', 1), 5),
        3,
        "the quoted field opened here runs on to line 5",
    ),
    "a quote inside a field": (
        lambda k: _lines(k, "H", 1, 'O"Brien' + k.row(2)),
        3,
        "stray quote in 'O\"Brien",
    ),
    "text after a closing quote": (
        lambda k: _lines(k, "H", 1, '"Li" Wei' + k.row(2)),
        3,
        "text after a closing quote",
    ),
    "a NUL byte": (lambda k: _lines(k, "H", 1, 2, "\x00" + k.row(3)), 4, "NUL bytes"),
    "a control character": (
        lambda k: _lines(k, "H", 1, "\x1b[2J" + k.row(2)),
        3,
        "name holds the control character U+001B",
    ),
    "a field over 200 characters": (
        lambda k: _lines(k, "H", 1, "x" * 201 + k.row(2)),
        3,
        "name has 20",
    ),
    "a comma in a name": (
        lambda k: _lines(k, "H", 1, "Li, " + k.row(2)),
        3,
        "fields, the header has",
    ),
    "a row twice": (lambda k: _lines(k, "H", 1, 2, 1), 4, "is listed twice (first on line 2)"),
    "blank lines counted": (
        lambda k: _lines(k, "", "H", "", 1, "", "", 1),
        7,
        "is listed twice (first on line 4)",
    ),
    "not UTF-8": (lambda k: _lines(k, "H", 1, "Jos\xe9").encode("latin-1"), 3, "not UTF-8"),
    "semicolons": (
        lambda k: _lines(k, k.header.replace(",", ";"), k.row(1).replace(",", ";")),
        1,
        "the columns are separated by ';'",
    ),
    "UTF-16": (lambda k: _lines(k, "H", 1).encode("utf-16-le"), 1, "looks like UTF-16"),
}


@pytest.mark.parametrize("case", BAD_FILES)
@pytest.mark.parametrize("name", IMPORTS)
def test_a_bad_file_is_refused_with_its_line_and_nothing_is_imported(
    eclipse, run, tmp_path, name, case
):
    kind = IMPORTS[name]
    make, line, said = BAD_FILES[case]
    path = tmp_path / "import.csv"
    content = make(kind)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    before = kind.state(run, eclipse)
    result = run(*kind.command, eclipse, path)
    assert result.exit_code == 2, result.output
    assert f"{path}:{line}: " in result.output and said in result.output
    assert result.output.rstrip().endswith("nothing was imported")
    assert kind.state(run, eclipse) == before


def test_the_stray_quote_of_the_issue(eclipse, run, tmp_path):
    """One stray quote used to make one name of four rows: "imported 2 registrations"."""
    path = tmp_path / "registrations.csv"
    path.write_text(
        "name,phone,audience,site\nAna Ruiz,600000001,others,square\n"
        '"Pablo Ruiz,600000002,minors,square\nLuis,3,others,square\nMar,4,others,square\n',
        encoding="utf-8",
    )
    result = run("tickets", "import", eclipse, path)
    assert result.exit_code == 2
    assert result.output == (
        f"Error: {path}:3: this quote never closes, so the rest of the file would be one "
        "field; remove the stray quote, or close it\nnothing was imported\n"
    )


def test_the_same_registrations_twice(eclipse, run, tmp_path):
    path = tmp_path / "registrations.csv"
    path.write_text(_lines(Registrations, "H", 1, "", 2), encoding="utf-8")
    assert run("tickets", "import", eclipse, path).output.startswith("imported 2 registrations")
    again = run("tickets", "import", eclipse, path)
    assert again.exit_code == 2
    assert f"{path}:2: 'Person 1' was imported before (ticket 000011)" in again.output
    assert f"{path}:4: 'Person 2' was imported before (ticket 000012)" in again.output
    # A new file that repeats one earlier registration imports none of its rows.
    more = tmp_path / "more.csv"
    more.write_text(_lines(Registrations, "H", 3, 2), encoding="utf-8")
    result = run("tickets", "import", eclipse, more)
    assert result.exit_code == 2
    assert f"{more}:3: 'Person 2' was imported before (ticket 000012)" in result.output
    assert Registrations.state(run, eclipse) == 12


@pytest.mark.parametrize("name", IMPORTS)
def test_extra_columns_are_named_in_a_warning(eclipse, run, tmp_path, name):
    kind = IMPORTS[name]
    path = tmp_path / "import.csv"
    path.write_text(
        f"{kind.header},email,notes\n{kind.row(1)},a@b.c,\n{kind.row(2)},,late\n",
        encoding="utf-8",
    )
    result = run(*kind.command, eclipse, path)
    assert result.exit_code == 0, result.output
    assert f"warning: {path}:1: columns 'email', 'notes' not imported" in result.output
    # A column that looks like a missing one is a mistake, not an extra: it would lose data.
    path.write_text(kind.header.replace("name", "nmae") + "\n" + kind.row(3) + "\n")
    result = run(*kind.command, eclipse, path)
    assert result.exit_code == 2
    assert "unknown column 'nmae', did you mean 'name'?" in result.output


def test_glasses_pairs_are_written_with_the_digits_0_to_9(eclipse, run, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("name,contact,pairs\nSchool 1,Ana,²\nSchool 2,Luis,2000000\n")
    result = run("glasses", "import", eclipse, path)
    assert result.exit_code == 2, result.output
    assert f"{path}:2: pairs for 'School 1' must be a whole number, got '²'" in result.output
    assert f"{path}:3: pairs for 'School 2': 2000000 is more than 1,000,000" in result.output


def test_importing_the_event_s_own_allocations_again_changes_nothing(eclipse, run, tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(_lines(Units, "H", 1, 2), encoding="utf-8")
    assert run("glasses", "import", eclipse, path).output == "2 units imported\n"
    again = run("glasses", "import", eclipse, path)
    assert again.exit_code == 0
    assert (
        again.output == "2 units: the event's allocations are already this file; nothing changed\n"
    )


def test_check_reports_a_broken_allocations_file_by_its_line(make_event, run):
    folder = make_event("solar-eclipse-observation", "zh")
    allocations = folder / "glasses-allocations.csv"
    lines = allocations.read_text(encoding="utf-8").splitlines()
    lines[6] = '"' + lines[6]
    allocations.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("check", folder)
    assert result.exit_code == 2
    line = line_of(folder, "allocations = ")
    assert (
        f"event.toml:{line}: plugins.eclipse-glasses.allocations: {allocations}:7: this quote "
        "never closes"
    ) in result.output
