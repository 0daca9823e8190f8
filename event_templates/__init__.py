"""The built-in event templates, offered through the same hook as any plugin's templates.

Each sub-folder holding a ``template.toml`` is one template.
"""

from __future__ import annotations

from importlib.resources import files

from kexie_events import hookimpl
from kexie_events.records import EventTemplate


@hookimpl
def kexie_event_templates():
    """List every template folder in this package."""
    root = files(__name__)
    return [
        EventTemplate.from_folder(entry)
        for entry in sorted(root.iterdir(), key=lambda e: e.name)
        if entry.is_dir() and entry.joinpath("template.toml").is_file()
    ]
