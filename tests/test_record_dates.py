"""Facts typed after the event need their date: today is not silently used (issue 13)."""

from __future__ import annotations

import json


def test_materials_and_incidents_outside_the_event_need_a_date(make_event, run):
    folder = make_event("science-day", "en")  # September 2027: today is not one of its days

    handed = run(
        "materials", "record", folder, "leaflets", "--quantity", "50", "--site", "dahe-town"
    )
    assert handed.exit_code == 2
    assert "is not a day of the event (2027-09-24 to 2027-09-27); give --date" in handed.output

    logged = run(
        "incident",
        "add",
        folder,
        "--type",
        "heat",
        "--what",
        "a pupil felt faint",
        "--done",
        "shade and water",
    )
    assert logged.exit_code == 2
    assert "give --at" in logged.output

    assert (
        run(
            "materials",
            "record",
            folder,
            "leaflets",
            "--quantity",
            "50",
            "--site",
            "dahe-town",
            "--date",
            "2027-09-26",
        ).exit_code
        == 0
    )
    assert (
        run(
            "incident",
            "add",
            folder,
            "--type",
            "heat",
            "--what",
            "a pupil felt faint",
            "--done",
            "shade and water",
            "--at",
            "2027-09-26 10:15",
        ).exit_code
        == 0
    )
    incidents = json.loads(run("incident", "list", folder, "--json").output)
    assert [i["at"][:16] for i in incidents] == ["2027-09-26T10:15"]
