"""A per-address rate limit for the public sign-up routes, kept in the server's memory.

A sliding window: at most ``limit`` requests from one client address in any 60 seconds.
Counted per address and per kind (sign-ups, challenges), so reloading the page does not use
up the sign-ups. Memory stays bounded: addresses quiet for a minute are forgotten.

People behind one address (a school's Wi-Fi, a mobile carrier's NAT) share its limit, which
is why it is set in ``[registration] per_address_per_minute`` (30 by default) rather than
fixed: raise it for an event where a whole hall signs up from one network at once.
"""

from __future__ import annotations

import collections
import threading
import time

WINDOW = 60.0


class RateLimit:
    """Counts requests per ``(kind, address)``; :meth:`hit` says when one is over the limit."""

    def __init__(self, limit: int, window: float = WINDOW):
        self.limit = limit
        self.window = window
        self._hits: dict[tuple[str, str], collections.deque] = {}
        self._lock = threading.Lock()

    def hit(self, kind: str, address: str, *, scale: int = 1, at: float | None = None) -> float:
        """Count a request; return 0 when allowed, else the seconds until one would be.

        ``scale`` multiplies the limit (challenges may come three times as often as sign-ups).
        """
        at = time.monotonic() if at is None else at
        limit = self.limit * scale
        with self._lock:
            if len(self._hits) > 10_000:
                self._forget(at)
            hits = self._hits.setdefault((kind, address), collections.deque())
            while hits and hits[0] <= at - self.window:
                hits.popleft()
            if len(hits) >= limit:
                return max(0.001, hits[0] + self.window - at)
            hits.append(at)
            return 0.0

    def _forget(self, at: float) -> None:
        quiet = at - self.window
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= quiet]:
            del self._hits[key]
