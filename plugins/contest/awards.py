"""Award certificates: one ``contest-award`` certificate per entry that won a prize.

The holder is the entry's pupils as the entry form gives them (a team's names as printed). The
key is ``entry:C-017``: an entry keeps its code, so a rebuilt kit prints the same code.
"""

from __future__ import annotations

from kexie_events.i18n import pick
from kexie_events.records import Certificate
from kexie_plugins.contest.config import ContestConfig
from kexie_plugins.contest.ranking import Results, prize_text

KIND = "contest-award"


def certificates(event, config: ContestConfig, results: Results) -> list[Certificate]:
    """A certificate for every prize-winning entry, in code order."""
    lang = event.lang
    issued = event.end.astimezone(event.tz).date()
    granted = []
    for result in sorted(results.awarded, key=lambda r: r.entry.number):
        entry = result.entry
        prize = prize_text(result.prize, lang)
        teacher = entry.teacher
        text = pick(
            lang,
            f"{entry.school}{entry.pupils}同学的作品《{entry.title}》在“{event.title}”"
            f"{entry.category}类评审中荣获{prize}。"
            + (f"指导教师：{teacher}。" if teacher else "")
            + "特发此证，以资鼓励。",
            f"The entry “{entry.title}” by {entry.pupils} of {entry.school} won the "
            f"{prize.lower()} in the {entry.category} category of {event.title}."
            + (f" Teacher: {teacher}." if teacher else ""),
        )
        granted.append(
            Certificate(
                kind=KIND,
                key=f"entry:{entry.code}",
                holder=entry.pupils,
                title=pick(lang, "获奖证书", "Award Certificate"),
                text=text,
                issued=issued,
                details=(
                    (pick(lang, "活动", "Event"), event.title),
                    (pick(lang, "作品编号", "Entry"), entry.code),
                    (pick(lang, "作品名称", "Title"), entry.title),
                    (pick(lang, "类别", "Category"), entry.category),
                    (pick(lang, "学校", "School"), entry.school),
                    (pick(lang, "奖项", "Prize"), prize),
                ),
            )
        )
    return granted
