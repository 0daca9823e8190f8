"""``python -m kexie_events`` runs the ``kexie`` command."""

from kexie_events.cli import main

main()
