"""Fast QR codes as SVG paths.

A ticket code always has the same length, so the QR version (5: 37×37 modules) and error
correction (M: 15 % of the code may be dirty or creased) are fixed, and so is the mask. The
library's default tries every version that might fit and scores all eight masks, which is
most of its time; any mask is valid for a decoder. Ticket codes go through
``qr_encoder``, which precomputes everything that does not depend on the data; other texts
(login links) through the ``qrcode`` library. The SVG is one path of horizontal runs.
At 36 mm across (45 modules with the quiet zone) a module is 0.8 mm, which a cheap phone camera
resolves at arm's length.
"""

from __future__ import annotations

from kexie_events import qr_encoder

TICKET_VERSION = qr_encoder.VERSION
QUIET_ZONE = 4


def matrix(data: str, *, version: int | None = TICKET_VERSION) -> list[list[bool]]:
    """The modules of the QR code of ``data`` (``True`` is dark), without a quiet zone.

    ``version=None`` picks the smallest version that fits (for login links and the like).
    """
    if version == TICKET_VERSION and qr_encoder.fits(data):
        return qr_encoder.matrix(data)
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    if version is None:
        code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
        code.add_data(data)
        code.make(fit=True)
    else:
        code = qrcode.QRCode(
            version=version, error_correction=ERROR_CORRECT_M, border=0, mask_pattern=0
        )
        code.add_data(data)
        code.make(fit=False)
    return code.modules


def svg_path(modules: list[list[bool]]) -> str:
    """Path data drawing the dark modules, offset by the quiet zone."""
    parts = []
    for y, row in enumerate(modules, start=QUIET_ZONE):
        x, width = 0, len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                parts.append(f"M{start + QUIET_ZONE} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return "".join(parts)


def svg(data: str, *, size: str = "36mm", version: int | None = TICKET_VERSION) -> str:
    """A standalone ``<svg>`` element of the QR code of ``data``."""
    modules = matrix(data, version=version)
    side = len(modules) + 2 * QUIET_ZONE
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" width="{size}" '
        f'height="{size}" shape-rendering="crispEdges"><rect width="{side}" height="{side}" '
        f'fill="#fff"/><path d="{svg_path(modules)}" fill="#000"/></svg>'
    )


def terminal(data: str) -> str:
    """The QR code drawn with half-block characters, for a login link in a terminal.

    Light modules are drawn as blocks, so the code reads on dark terminals (the usual case).
    """
    modules = matrix(data, version=None)
    blank = [False] * (len(modules) + 4)
    rows = [blank, blank] + [[False, False, *row, False, False] for row in modules]
    rows += [blank, blank, blank]
    glyphs = {(False, False): "█", (False, True): "▀", (True, False): "▄", (True, True): " "}
    return "\n".join(
        "".join(glyphs[(top, bottom)] for top, bottom in zip(upper, lower, strict=True))
        for upper, lower in zip(rows[0::2], rows[1::2], strict=False)
    )
