"""kexie-events: plan, run and report science weeks and public observation events.

Plugins import the hook marker from here::

    from kexie_events import hookimpl
"""

from kexie_events.hookspecs import hookimpl

__version__ = "0.1.0"

__all__ = ["__version__", "hookimpl"]
