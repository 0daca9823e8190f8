"""The personal data the check-in plugin keeps: ticket holders' names and phone numbers.

They come from registration imports and serve only to print a name on a ticket. Removing them
keeps every ticket, scan and count: the number and the signed code are not personal.
"""

from __future__ import annotations

from kexie_events.records import PersonalData

WHAT = "ticket holders' names and phone numbers"


def personal_data(store, remove: bool) -> list[PersonalData]:
    """Count the tickets that carry a name or a phone; with ``remove``, clear them."""
    with store.transaction() as db:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM qr_tickets WHERE name IS NOT NULL OR phone IS NOT NULL"
        ).fetchone()
        if remove and count:
            db.execute(
                "UPDATE qr_tickets SET name = NULL, phone = NULL"
                " WHERE name IS NOT NULL OR phone IS NOT NULL"
            )
    return [PersonalData(WHAT, count)] if count else []
