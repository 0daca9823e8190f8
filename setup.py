"""The packages setuptools ships, found rather than listed (everything else is in pyproject.toml).

Every folder is a package (``find_namespace_packages``), so templates, static files and
migration folders ship with the code beside them. A new built-in plugin is a folder under
``plugins/`` and one line in the ``kexie_events`` entry-point group of ``pyproject.toml``;
nothing else lists it.
"""

from setuptools import find_namespace_packages, setup


def packages(folder: str, name: str) -> list[str]:
    """``name`` and every package under ``folder``, named as installed."""
    found = find_namespace_packages(folder, exclude=["*__pycache__*"])
    return [name, *(f"{name}.{package}" for package in found)]


setup(
    packages=[
        *packages("kexie_events", "kexie_events"),
        *packages("plugins", "kexie_plugins"),
        *packages("event_templates", "kexie_event_templates"),
    ]
)
