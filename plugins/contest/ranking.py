"""Scores combined into one per entry, ranks per category, prizes, and the entries sent on.

Combining (``rule``): ``trimmed-mean`` drops the single highest and the single lowest score
when an entry has at least three and averages the rest; ``mean`` averages them all; ``median``
takes the middle one (the mean of the middle two for an even count). Scores are kept in tenths
and combined exactly (fractions), so equal means are equal and never differ by a rounding.

Ties (``tie``): with ``untrimmed-mean`` (the default), entries with the same combined score
are ordered by the mean of all their scores, then by their best single score; only entries
equal on all three share a rank. With ``shared``, equal combined scores share a rank. Ranks
are competition ranks: two entries sharing 2nd are followed by the 4th.

Prizes: in each category the ``first`` share of its ranked entries (rounded half up) wins the
一等奖, the next ``second`` share the 二等奖, the next ``third`` share the 三等奖, by rank, so an
entry that shares a rank with a prize-winner wins that prize too.

Sent on: ``send`` in all is split over the categories in proportion to their ranked entries
(largest remainders, the listed order breaking equal remainders), or ``quotas`` gives each
category's number; each category sends its best. A shared rank across the cut-off is refused:
the organiser decides (a different quota, or the ``untrimmed-mean`` tie rule).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from fractions import Fraction

import attrs

from kexie_events.errors import UsageError
from kexie_events.i18n import pick
from kexie_plugins.contest import ledger
from kexie_plugins.contest.config import ContestConfig, same_school
from kexie_plugins.contest.judging import judges_of

PRIZES = ("first", "second", "third")
PRIZE_WORDS = {
    "first": ("一等奖", "First prize"),
    "second": ("二等奖", "Second prize"),
    "third": ("三等奖", "Third prize"),
}


def prize_text(prize: str | None, lang: str) -> str:
    """``一等奖`` / ``First prize``; empty for no prize."""
    return pick(lang, *PRIZE_WORDS[prize]) if prize else ""


def combine(tenths: Sequence[int], rule: str) -> Fraction:
    """The entry's score from its judges' scores (in tenths), by ``rule``, in points."""
    ordered = sorted(Fraction(t, 10) for t in tenths)
    if rule == "median":
        return Fraction(statistics.median(ordered))
    if rule == "trimmed-mean" and len(ordered) >= 3:
        ordered = ordered[1:-1]
    return sum(ordered, Fraction(0)) / len(ordered)


@attrs.frozen
class Result:
    """An entry with its scores, its combined score, rank in its category and prize.

    Attributes:
        scores: the judges' scores, ``{judge: points}``.
        expected: how many judges were assigned it.
        score: the combined score, exact; ``None`` before any score.
        rank: its rank in its category (``None`` while unscored).
        prize: ``first``, ``second``, ``third`` or ``None``.
    """

    entry: ledger.Entry
    scores: dict[str, float]
    expected: int
    score: Fraction | None = None
    rank: int | None = None
    prize: str | None = None

    @property
    def complete(self) -> bool:
        """Every judge assigned has scored it (and someone has: an entry no judge could be
        assigned is not complete either)."""
        return len(self.scores) >= max(self.expected, 1)

    @property
    def score_text(self) -> str:
        """The combined score to two decimals, as printed: ``87.33``."""
        return "" if self.score is None else f"{float(self.score):.2f}"


@attrs.frozen
class Results:
    """The whole review: every entry's result, in category order then rank then code.

    Attributes:
        conflicts: scores left out because the judge is now listed at the entry's school.
    """

    results: tuple[Result, ...]
    conflicts: int = 0

    def in_category(self, category: str) -> list[Result]:
        """The ranked results of one category, best first."""
        return [r for r in self.results if r.entry.category == category and r.rank is not None]

    @property
    def unfinished(self) -> list[Result]:
        """Entries some assigned judge has not scored yet."""
        return [r for r in self.results if not r.complete]

    @property
    def awarded(self) -> list[Result]:
        """Entries that won a prize."""
        return [r for r in self.results if r.prize]


def _tie_key(result: Result, tie: str) -> tuple:
    if tie == "shared":
        return (-result.score,)
    values = [Fraction(round(v * 10), 10) for v in result.scores.values()]
    return (-result.score, -sum(values, Fraction(0)) / len(values), -max(values))


def _counts(shares: dict[str, float], entries: int) -> dict[str, int]:
    """Prize-winners per prize in a category of ``entries``, each share rounded half up."""
    return {
        prize: int(Fraction(shares[prize]).limit_denominator() * entries + Fraction(1, 2))
        for prize in PRIZES
    }


def review(config: ContestConfig, store) -> Results:
    """Every entry's combined score, rank and prize, from the scores recorded."""
    entries = ledger.entries(store)
    expected = judges_of(config, entries)
    schools = {j.name: j.school for j in config.judges}
    given: dict[str, dict[str, float]] = {e.code: {} for e in entries}
    school_of = {e.code: e.school for e in entries}
    conflicts = 0
    for score in ledger.scores(store):
        if score.code not in given:
            continue  # the entry was withdrawn
        if same_school(schools.get(score.judge, ""), school_of[score.code]):
            conflicts += 1
            continue
        given[score.code][score.judge] = score.score
    results = []
    for category in config.categories:
        ranked, unscored = [], []
        for entry in (e for e in entries if e.category == category):
            scores = given[entry.code]
            result = Result(entry, scores, len(expected[entry.code]))
            if scores:
                tenths = [round(v * 10) for v in scores.values()]
                ranked.append(attrs.evolve(result, score=combine(tenths, config.rule)))
            else:
                unscored.append(result)
        ranked.sort(key=lambda r: (_tie_key(r, config.tie), r.entry.number))
        counts = _counts(config.awards, len(ranked))
        bounds = [counts["first"], counts["first"] + counts["second"]]
        bounds.append(bounds[1] + counts["third"])
        previous, rank = None, 0
        for position, result in enumerate(ranked, 1):
            key = _tie_key(result, config.tie)
            rank = rank if key == previous else position
            previous = key
            won = [p for p, bound in zip(PRIZES, bounds, strict=True) if rank <= bound]
            prize = won[0] if won else None
            results.append(attrs.evolve(result, rank=rank, prize=prize))
        results.extend(unscored)
    return Results(tuple(results), conflicts)


def quotas(config: ContestConfig, results: Results, send: int | None) -> dict[str, int]:
    """Entries to send on per category: ``send`` split by entries, else the configured quotas."""
    if send is None and config.quotas:
        return {c: config.quotas.get(c, 0) for c in config.categories}
    total = config.send if send is None else send
    sizes = {c: len(results.in_category(c)) for c in config.categories}
    entries = sum(sizes.values())
    if not total or not entries:
        return {c: 0 for c in config.categories}
    total = min(total, entries)
    exact = {c: Fraction(total * n, entries) for c, n in sizes.items()}
    shares = {c: int(x) for c, x in exact.items()}
    by_remainder = sorted(
        config.categories, key=lambda c: (-(exact[c] - shares[c]), config.categories.index(c))
    )
    for category in by_remainder[: total - sum(shares.values())]:
        shares[category] += 1
    return shares


def select(config: ContestConfig, results: Results, send: int | None, lang: str) -> list[Result]:
    """The entries sent on to the province, category by category, best first.

    ``UsageError`` while some entry still lacks a score, when nothing is to be sent, and when
    entries sharing a rank straddle a category's cut-off.
    """
    unfinished = results.unfinished
    if unfinished:
        codes = "、".join(r.entry.code for r in unfinished[:10])
        more = pick(lang, "等", " and others") if len(unfinished) > 10 else ""
        raise UsageError(
            pick(
                lang,
                f"评审尚未完成：{len(unfinished)}件作品的评分不全（{codes}{more}），请先导入全部评分",
                f"the review is not finished: {len(unfinished)} entries lack scores "
                f"({codes.replace('、', ', ')}{more}); import every judge's scores first",
            )
        )
    chosen: list[Result] = []
    for category, quota in quotas(config, results, send).items():
        ranked = results.in_category(category)
        if 0 < quota < len(ranked) and ranked[quota - 1].rank == ranked[quota].rank:
            tied = [r.entry.code for r in ranked if r.rank == ranked[quota].rank]
            raise UsageError(
                pick(
                    lang,
                    f"“{category}”类推荐{quota}件，但第{ranked[quota].rank}名并列的作品"
                    f"（{'、'.join(tied)}）跨过了名额线：请调整名额或并列规则",
                    f"{category!r} sends {quota}, but entries sharing rank {ranked[quota].rank} "
                    f"({', '.join(tied)}) straddle the cut-off: change the quota or the tie rule",
                )
            )
        chosen += ranked[:quota]
    if not chosen:
        raise UsageError(
            pick(
                lang,
                "没有要推荐的作品：请用 --send 给出名额，或在 [plugins.contest] 中设置 send",
                "nothing to send on: give --send, or set send in [plugins.contest]",
            )
        )
    return chosen
