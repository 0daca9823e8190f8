"""pip install from a clean clone brings the core, the built-in plugins and the templates."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_wheel_holds_plugins_and_templates(tmp_path):
    # Build from a copy so the build's own folders never land in the working tree.
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns(".git", "*.egg-info", "build", "dist", "__pycache__", ".*")
    shutil.copytree(ROOT, source, ignore=ignore)
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", tmp_path, source],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("kexie_events-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = (
        "solar_eclipse_observation",
        "science_day",
        "lecture_tour",
        "lunar_eclipse_night",
        "meteor_shower_night",
    )
    for template in templates:
        for file in ("template.toml", "event.zh.toml", "event.en.toml"):
            assert f"kexie_event_templates/{template}/{file}" in names
    assert "kexie_plugins/event_dates.py" in names
    assert "kexie_plugins/qr_checkin/static/checkin.js" in names
    assert "kexie_plugins/emergency_plan/checklists.toml" in names
    assert "kexie_plugins/observation/templates/sky.html" in names
    assert "kexie_events/kit_templates/report.html" in names
    assert "kexie_events/hookspecs.py" in names
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[kexie_events]" in text
    assert "event-dates = kexie_plugins.event_dates" in text
    assert "kexie = kexie_events.cli:main" in text
