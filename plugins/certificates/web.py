"""The public verification page: ``GET /c/{code}`` and ``GET /c/?code=...``.

No login (anyone holding a certificate may check it), read-only, in the event's language. The
answer is worked out on the server from the event's key and what it grants now, so it needs no
internet; it is never cached.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from kexie_events.i18n import date_text, pick
from kexie_plugins.certificates import issuing, words

TEMPLATES = Path(__file__).parent / "templates"
#: Longer than any code or link to one: anything longer is not worth reading.
MAX_TYPED = 400


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

    async def page(request):
        code = request.path_params.get("code") or request.query_params.get("code") or ""
        code = code.strip()[:MAX_TYPED]
        ctx = context(request)

        def work() -> str:
            verdict = None
            if code:
                verdict = issuing.verify(ctx.event, config, ctx.store, ctx.plugins, code)
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
