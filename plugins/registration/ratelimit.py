"""A per-address rate limit for the public sign-up routes, counted in the event store.

At most ``limit`` requests from one client address in any 60 seconds, counted per address
and per kind (sign-ups, challenges), so reloading the page does not use up the sign-ups. The
counts are kept per minute in the store (:func:`.ledger.count_request`), so every server of
an event sharing one PostgreSQL store counts the same requests: a client cannot get around
the limit by landing on another server. Counts older than the minute before are deleted.

The window slides: a request is let through while the client's count in this minute, plus
its count in the minute before weighted by how much of that minute is still inside the last
60 seconds, stays within the limit. The wait a refused client is told is what that estimate
gives, and never more than a minute (by then every request it counted has left the window).

People behind one address (a school's Wi-Fi, a mobile carrier's NAT) share its limit, which
is why it is set in ``[registration] per_address_per_minute`` (30 by default) rather than
fixed: raise it for an event where a whole hall signs up from one network at once.
"""

from __future__ import annotations

import math
import time

from kexie_events.store import EventStore
from kexie_plugins.registration import ledger

MINUTE = 60


def wait_seconds(limit: int, previous: int, current: int, into: float) -> float:
    """Seconds until the request that made this minute's count ``current`` would be let
    through; 0 when it is now.

    ``previous`` is the count of the minute before and ``into`` the seconds since this
    minute began.
    """
    weight = (MINUTE - into) / MINUTE
    if previous * weight + current <= limit:
        return 0.0
    if current <= limit:  # it fits once enough of the minute before has slid out
        wait = (1 - (limit - current) / previous) * MINUTE - into
    else:  # not this minute; next minute it counts once, with this minute's count behind it
        wait = MINUTE - into + max(0.0, 1 - (limit - 1) / (current - 1)) * MINUTE
    return min(float(MINUTE), max(0.001, wait))


class RateLimit:
    """Counts requests per ``(kind, address)``; :meth:`hit` says when one is over the limit."""

    def __init__(self, limit: int):
        self.limit = limit
        self._forgotten = 0  # the minute whose older counts this process last deleted

    def hit(
        self,
        store: EventStore,
        kind: str,
        address: str,
        *,
        scale: int = 1,
        at: float | None = None,
    ) -> float:
        """Count a request in ``store``; return 0 when allowed, else the seconds until one
        would be.

        ``scale`` multiplies the limit (challenges may come three times as often as sign-ups).
        Call it where the store may be written (in the web app, through its writer).
        """
        at = time.time() if at is None else at
        minute = math.floor(at / MINUTE)
        into = at - minute * MINUTE
        limit = self.limit * scale
        forget = None
        if minute != self._forgotten:
            forget, self._forgotten = minute - 1, minute
        return ledger.count_request(
            store,
            kind,
            address,
            minute,
            lambda previous, current: wait_seconds(limit, previous, current, into),
            forget_before=forget,
        )
