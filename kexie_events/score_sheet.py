"""The 考核 score sheet of ``kexie rollup --by unit``: the terminal's lines, a flat table for
CSV and Excel, and an A4 page from which the Word file is made in the official format.

Each function takes the roll-up's result with the ``units`` and ``scoring`` keys that
:func:`kexie_events.scoring.score` adds; every word comes in the result's language.
"""

from __future__ import annotations

import html

from kexie_events.i18n import count_text, decimal_text, pick


def _names(result: dict) -> dict[str, str]:
    """Indicator names by id, as the target file gives them."""
    return {indicator["id"]: indicator["name"] for indicator in result["indicators"]}


def _amount(value: float | int) -> float | int:
    """A whole float as an int, so that sheets show ``40``, not ``40.0``."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _number_text(value: float | int, lang: str) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return count_text(int(value), lang)
    return decimal_text(value, 2)


def _many(count: int, noun: str) -> str:
    """``1 unit``, ``2 units``: English only, Chinese nouns have one form."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def reward_text(reward: float | str | None, lang: str) -> str:
    """``1000元`` or ``1,000 yuan``; a reward written as a text is printed as it is."""
    if reward is None:
        return ""
    if isinstance(reward, str):
        return reward
    amount = _number_text(reward, lang)
    return pick(lang, f"{amount}元", f"{amount} yuan")


def sheet_title(result: dict) -> str:
    """The score sheet's title: the rubric's own, or one made from the target file's."""
    lang, own = result["lang"], result["scoring"]["title"]
    return own or pick(lang, f"{result['title']}考核得分表", f"{result['title']}: unit scores")


def sheet_table(result: dict) -> tuple[tuple[str, ...], list[tuple]]:
    """The score sheet as one flat table (header, rows) for CSV and Excel: numbers stay
    numbers; per scored item its actual, the unit's target and the points."""
    lang, details = result["lang"], result["scoring"]
    names = _names(result)
    header = [pick(lang, "名次", "Rank"), pick(lang, "单位", "Unit")]
    for item in details["items"]:
        name = names[item["indicator"]]
        header += [
            pick(lang, f"{name}完成数", f"{name}: actual"),
            pick(lang, f"{name}目标数", f"{name}: target"),
            pick(lang, f"{name}得分", f"{name}: points"),
        ]
    if details["bonus"]:
        header.append(pick(lang, "加减分", "Bonus"))
    header.append(pick(lang, "总分", "Total"))
    if details["rewards"]:
        header.append(pick(lang, "奖励（元）", "Reward (yuan)"))
    rows = []
    for unit in result["units"]:
        row: list = [unit["rank"], unit["unit"]]
        targets = details["targets"][unit["unit"]]
        for item in details["items"]:
            key = item["indicator"]
            row += [
                _amount(unit["figures"][key]),
                _amount(targets[key]),
                _amount(unit["points"][key]),
            ]
        if details["bonus"]:
            row.append(_amount(unit["points"]["bonus"]))
        row.append(_amount(unit["total"]))
        if details["rewards"]:
            reward = unit["reward"]
            row.append(_amount(reward) if isinstance(reward, int | float) else reward)
        rows.append(tuple(row))
    return tuple(header), rows


def points_table(result: dict) -> tuple[tuple[str, ...], list[tuple[str, ...]]]:
    """The score sheet short enough for a screen: rank, unit, the points of each scored
    indicator, bonus, total and reward, as texts in the result's language."""
    lang, details = result["lang"], result["scoring"]
    names = _names(result)
    header = [pick(lang, "名次", "Rank"), pick(lang, "单位", "Unit")]
    header += [names[item["indicator"]] for item in details["items"]]
    if details["bonus"]:
        header.append(pick(lang, "加减分", "Bonus"))
    header.append(pick(lang, "总分", "Total"))
    if details["rewards"]:
        header.append(pick(lang, "奖励", "Reward"))
    rows = []
    for unit in result["units"]:
        row = [pick(lang, f"第{unit['rank']}名", str(unit["rank"])), unit["unit"]]
        row += [_number_text(unit["points"][i["indicator"]], lang) for i in details["items"]]
        if details["bonus"]:
            row.append(_number_text(unit["points"].get("bonus", 0), lang))
        row.append(_number_text(unit["total"], lang))
        if details["rewards"]:
            row.append(reward_text(unit["reward"], lang))
        rows.append(tuple(row))
    return tuple(header), rows


def sheet_lines(result: dict) -> list[str]:
    """The score sheet as the terminal prints it: one line per unit, best first."""
    lang, details = result["lang"], result["scoring"]
    names = _names(result)
    lines = [sheet_title(result)]
    for unit in result["units"]:
        parts = []
        targets = details["targets"][unit["unit"]]
        for item in details["items"]:
            key = item["indicator"]
            actual = _number_text(unit["figures"][key], lang)
            target = _number_text(targets[key], lang)
            got = _number_text(unit["points"][key], lang)
            parts.append(
                pick(
                    lang,
                    f"{names[key]}{got}分（{actual}/{target}）",
                    f"{names[key]} {got} ({actual}/{target})",
                )
            )
        if unit["points"].get("bonus"):
            bonus = unit["points"]["bonus"]
            signed = ("+" if bonus > 0 else "") + _number_text(bonus, lang)
            parts.append(pick(lang, f"加减分{signed}", f"bonus {signed}"))
        total = _number_text(unit["total"], lang)
        reward = reward_text(unit["reward"], lang)
        lines.append(
            pick(
                lang,
                f"  第{unit['rank']}名  {unit['unit']}  总分{total}  " + "，".join(parts),
                f"  {unit['rank']}. {unit['unit']}  total {total}  " + ", ".join(parts),
            )
            + (pick(lang, f"  奖励{reward}", f"  reward {reward}") if reward else "")
        )
    return lines


def sheet_html(result: dict) -> str:
    """The score sheet as a print-ready A4 page (autoescaped), from which the Word file is made
    in the official format: title, how points are given, the sheet, the bonus items."""
    from kexie_events.kit import cn_number

    lang, details = result["lang"], result["scoring"]
    names = _names(result)
    e = html.escape
    title = sheet_title(result)
    items = details["items"]
    full = _number_text(sum(item["weight"] for item in items), lang)
    ranked = len(result["units"])
    parts = [f"<h1>{e(title)}</h1>"]
    parts.append(
        "<p>"
        + e(
            pick(
                lang,
                f"根据《{result['title']}》，对{ranked}个单位承办的活动进行考核。考核指标"
                f"{len(items)}项，满分{full}分"
                + (f"，另有加减分{len(details['bonus'])}项" if details["bonus"] else "")
                + "。",
                f"Under “{result['title']}”, {_many(ranked, 'unit')} scored on the events "
                f"they ran: {_many(len(items), 'measure')} worth {full} points"
                + (
                    f", and {_many(len(details['bonus']), 'bonus item')}"
                    if details["bonus"]
                    else ""
                )
                + ".",
            )
        )
        + "</p>"
    )
    parts.append(
        "<p>"
        + e(
            pick(
                lang,
                "计分办法：每项指标得分＝分值×完成数÷目标数，超额完成的最高不超过该项上限；"
                "总分为各项得分与加减分之和，保留两位小数。总分相同的单位名次并列，"
                "其后名次相应空缺（如两个单位并列第二名，下一名为第四名）。",
                "How points are given: each measure gives its weight × actual ÷ target, and "
                "no more than its cap however far the target is passed; a unit's total is its "
                "points plus its bonus, to two decimals. Units with the same total share a "
                "rank and the next rank is skipped (two units second, the next is fourth).",
            )
        )
        + "</p>"
    )
    # The sheet: one column group per scored item, its actual, target and points.
    head = [pick(lang, "名次", "Rank"), pick(lang, "单位", "Unit")]
    tail = ([pick(lang, "加减分", "Bonus")] if details["bonus"] else []) + [
        pick(lang, "总分", "Total")
    ]
    if details["rewards"]:
        tail.append(pick(lang, "奖励", "Reward"))
    top = "".join(f"<th>{e(text)}</th>" for text in head)
    top += "".join(f'<th colspan="3">{e(names[item["indicator"]])}</th>' for item in items)
    top += "".join(f"<th>{e(text)}</th>" for text in tail)
    under = "<th></th>" * len(head)
    under += "".join(
        "".join(
            f"<th>{e(text)}</th>"
            for text in (
                pick(lang, "完成", "Actual"),
                pick(lang, "目标", "Target"),
                pick(lang, "得分", "Points"),
            )
        )
        for _item in items
    )
    under += "<th></th>" * len(tail)
    parts.append(f"<h2>{e(pick(lang, '一、考核得分', '1. Scores'))}</h2>")
    parts.append(f"<table><tr>{top}</tr><tr>{under}</tr>")
    for unit in result["units"]:
        targets = details["targets"][unit["unit"]]
        cells = [str(unit["rank"]), unit["unit"]]
        for item in items:
            key = item["indicator"]
            cells += [
                _number_text(unit["figures"][key], lang),
                _number_text(targets[key], lang),
                _number_text(unit["points"][key], lang),
            ]
        if details["bonus"]:
            cells.append(_number_text(unit["points"]["bonus"], lang))
        cells.append(_number_text(unit["total"], lang))
        if details["rewards"]:
            cells.append(reward_text(unit["reward"], lang))
        parts.append("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in cells) + "</tr>")
    parts.append("</table>")
    parts.append(f"<h2>{e(pick(lang, '二、指标和分值', '2. Measures and points'))}</h2>")
    parts.append(
        "<table><tr>"
        + "".join(
            f"<th>{e(text)}</th>"
            for text in (
                pick(lang, "指标", "Measure"),
                pick(lang, "分值", "Weight"),
                pick(lang, "上限", "Cap"),
                pick(lang, "统一目标", "Common target"),
            )
        )
        + "</tr>"
    )
    for item in items:
        common = item["target"]
        cells = [
            names[item["indicator"]],
            _number_text(item["weight"], lang),
            _number_text(item["cap"], lang),
            pick(lang, "各单位单列", "set per unit")
            if common is None
            else _number_text(common, lang),
        ]
        parts.append("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in cells) + "</tr>")
    parts.append("</table>")
    number = 3
    if details["bonus"]:
        heading = pick(lang, f"{cn_number(number)}、加减分事项", f"{number}. Bonus items")
        parts.append(f"<h2>{e(heading)}</h2><table><tr>")
        parts.append(
            "".join(
                f"<th>{e(text)}</th>"
                for text in (
                    pick(lang, "单位", "Unit"),
                    pick(lang, "分数", "Points"),
                    pick(lang, "事由", "Reason"),
                )
            )
            + "</tr>"
        )
        for entry in details["bonus"]:
            points = ("+" if entry["points"] > 0 else "") + _number_text(entry["points"], lang)
            cells = [entry["unit"], points, entry["reason"]]
            parts.append("<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in cells) + "</tr>")
        parts.append("</table>")
        number += 1
    if details["rewards"]:
        heading = pick(lang, f"{cn_number(number)}、奖励", f"{number}. Rewards")
        given = [
            pick(
                lang,
                f"第{rank}名{reward_text(reward, lang)}",
                f"rank {rank}: {reward_text(reward, lang)}",
            )
            for rank, reward in enumerate(details["rewards"], 1)
        ]
        text = pick(
            lang,
            "按名次奖励：" + "，".join(given) + "。名次并列的，各得该名次的奖励。",
            "Rewards by rank: " + "; ".join(given) + ". Units sharing a rank each get its reward.",
        )
        parts.append(f"<h2>{e(heading)}</h2><p>{e(text)}</p>")
    apart = details["no_unit"]
    if apart:
        count = len(apart["events"])
        parts.append(
            "<p>"
            + e(
                pick(
                    lang,
                    f"另有{count}项活动未注明承办单位，单独汇总，不参加排名。",
                    f"{_many(count, 'more event')} without a unit: added up apart, not ranked.",
                )
            )
            + "</p>"
        )
    return (
        f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
        f'<meta charset="utf-8"><title>{e(title)}</title><style>'
        "body{font-family:'Noto Serif CJK SC',FangSong,SimSun,serif;max-width:257mm;margin:auto}"
        "h1{text-align:center}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #000;padding:3px;text-align:center}"
        "@page{size:A4 landscape;margin:20mm}</style></head><body>"
        + "".join(parts)
        + "</body></html>\n"
    )
