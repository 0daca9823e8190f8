"""Bar charts as inline SVG: drawn by the report itself, so they need no internet and no library.

Labels are SVG text in the reader's own fonts, with a CJK font family first for Chinese
reports, so Chinese labels show as characters wherever the page is opened with CJK fonts
installed (every Chinese system is).
"""

from __future__ import annotations

import html

FONTS = {
    "zh": "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', "
    "'SimHei', sans-serif",
    "en": "'Helvetica Neue', Arial, 'Noto Sans', sans-serif",
}


def bar_chart(title: str, data: dict[str, int], *, lang: str, width: int = 640) -> str:
    """A vertical bar chart of ``data`` (label → value), values printed above the bars."""
    if not data:
        return ""
    labels, values = list(data), list(data.values())
    top = max(max(values), 1)
    height, left, bottom, head = 268, 40, 48, 46
    plot_w, plot_h = width - left - 10, height - bottom - head
    step = plot_w / len(values)
    bar = max(min(step * 0.7, 60), 2)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{html.escape(title)}" '
        f'font-family="{FONTS.get(lang, FONTS["en"])}" font-size="12">',
        f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="15" '
        f'font-weight="700">{html.escape(title)}</text>',
        f'<line x1="{left}" y1="{head + plot_h}" x2="{width - 10}" y2="{head + plot_h}" '
        'stroke="#333"/>',
    ]
    small = len(values) > 12
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + index * step + (step - bar) / 2
        h = plot_h * value / top
        y = head + plot_h - h
        center = x + bar / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="#2d6a9f"/>'
        )
        if not small or value == max(values):
            parts.append(
                f'<text x="{center:.1f}" y="{y - 4:.1f}" text-anchor="middle">{value}</text>'
            )
        angle = f' transform="rotate(-40 {center:.1f} {head + plot_h + 14})"' if small else ""
        anchor = "end" if small else "middle"
        parts.append(
            f'<text x="{center:.1f}" y="{head + plot_h + 16}" text-anchor="{anchor}"'
            f"{angle}>{html.escape(str(label))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
