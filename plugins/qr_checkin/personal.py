"""The personal data the check-in plugin keeps: ticket holders' names and phone numbers.

They come from registration imports and serve only to print a name on a ticket. Removing them
keeps every ticket, scan and count: the number and the signed code are not personal.
"""

from __future__ import annotations

from kexie_events.records import PersonalData
from kexie_plugins.qr_checkin import ledger

WHAT = "ticket holders' names and phone numbers"


def personal_data(store, remove: bool) -> list[PersonalData]:
    """Count the tickets that carry a name or a phone; with ``remove``, clear them."""
    with store.transaction() as db:
        count = ledger.personal_tickets(db, forget=remove)
    return [PersonalData(WHAT, count)] if count else []
