"""The public verification page: ``GET /c/{code}`` and ``GET /c/?code=...``.

No login (anyone holding a certificate may check it), read-only, in the event's language. The
answer is worked out on the server from the event's key and what it grants now (remembered for
up to :data:`FRESH_SECONDS`, see :class:`GrantedNow`), so it needs no internet; the page is
never cached by browsers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import quote

from kexie_events.i18n import date_text, pick
from kexie_plugins.certificates import issuing, words

TEMPLATES = Path(__file__).parent / "templates"
#: Longer than any code or link to one: anything longer is not worth reading.
MAX_TYPED = 400
#: How long the page trusts what it last worked out the event grants (seconds).
FRESH_SECONDS = 30.0


class GrantedNow:
    """What the event grants now, worked out at most once every :data:`FRESH_SECONDS`.

    Working it out reads every volunteer's scans and every plugin's results (0.4 s with 300
    volunteers and 30,000 scans), so a public page that did it for every genuine code would
    let anyone holding one keep a core busy. A certificate changed meanwhile (hours recorded
    later) reads as altered on the page within :data:`FRESH_SECONDS`; ``kexie certificates
    verify`` always works it out afresh.
    """

    def __init__(self, config, clock: Callable[[], float] = time.monotonic):
        self.config = config
        self.clock = clock
        self._lock = threading.Lock()
        self._found: Mapping | None = None
        self._at = 0.0

    def get(self, event, store, plugins) -> Mapping:
        """The certificates by id: remembered, or worked out again when too old."""
        with self._lock:  # one computation at a time; those waiting take its result
            if self._found is None or self.clock() - self._at >= FRESH_SECONDS:
                self._found = issuing.granted_by_id(event, self.config, store, plugins)
                self._at = self.clock()
            return self._found


def routes(event, config) -> list:
    """The page's two routes."""
    import jinja2
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    from kexie_events.web import context

    pages = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, keep_trailing_newline=True
    )
    lang = event.lang
    granted = GrantedNow(config)

    async def page(request):
        code = request.path_params.get("code") or request.query_params.get("code") or ""
        code = code.strip()[:MAX_TYPED]
        ctx = context(request)

        def work() -> str:
            verdict = None
            if code:
                verdict = issuing.verify(
                    ctx.event,
                    config,
                    ctx.store,
                    ctx.plugins,
                    code,
                    current=lambda: granted.get(ctx.event, ctx.store, ctx.plugins),
                )
            certificate = verdict.certificate if verdict else None
            return pages.get_template("verify.html").render(
                event=ctx.event,
                lang=lang,
                pick=lambda zh, en: pick(lang, zh, en),
                verdict=verdict,
                headline=words.headline(verdict, lang) if verdict else "",
                explanation=words.explanation(verdict, lang) if verdict else "",
                issuer=config.issuer,
                issued_text=date_text(certificate.issued, lang) if certificate else "",
                code=code,
                action=quote(request.scope.get("root_path", "")) + "/c/",
            )

        status = 200
        html = await run_in_threadpool(work)
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})

    return [Route("/c/", page), Route("/c/{code}", page)]
