"""What the public notice (公告) tells people about eye safety and getting eclipse glasses."""

from __future__ import annotations

from kexie_events.i18n import pick
from kexie_events.model import Event
from kexie_events.records import PublicNote
from kexie_plugins.eclipse_glasses.glasses import GlassesPlan


def public_notes(event: Event, plan: GlassesPlan, local_type: str | None) -> list[PublicNote]:
    """The eye-safety rule (first of all notes) and how to get glasses."""
    lang = event.lang
    rule = pick(
        lang,
        "观看日食必须全程佩戴合格的日食观测镜（符合ISO 12312-2国际标准）。严禁用肉眼、普通墨镜、"
        "胶片、烟熏玻璃直接看太阳，严禁用未加装专用太阳滤光膜的望远镜、双筒镜、相机或手机对准太阳，"
        "否则会造成永久性眼损伤。",
        "Watch the eclipse only through certified eclipse glasses (ISO 12312-2), all the time. "
        "Never look at the Sun with the naked eye, sunglasses, film or smoked glass, and never "
        "through a telescope, binoculars, camera or phone without a proper solar filter: it "
        "damages the eyes for good.",
    )
    if local_type == "total":
        rule += pick(
            lang,
            "只有在日全食阶段（太阳被月球完全遮住后）方可按现场工作人员的统一指挥摘下观测镜，"
            "太阳重新露出前必须立即戴回，具体时刻以活动安排和现场广播为准。",
            " Glasses may come off only during totality, when the Sun is completely covered and "
            "the staff on the field say so, and go back on before the Sun reappears; the times "
            "are in the programme and announced on site.",
        )
    else:
        rule += pick(
            lang,
            "本地看到的日食太阳始终不会被完全遮住，观测镜从开始到结束一刻也不能摘下。",
            " Here the Sun is never completely covered: keep the glasses on from start to end.",
        )
    notes = [PublicNote(rule, order=10)]
    handout = pick(
        lang,
        f"现场免费发放日食观测镜{plan.onsite_planned}副，每人{_pairs(plan)}，发完为止；"
        f"学校和单位的观测镜（共{len(plan.allocations)}个单位）请在活动前按通知统一领取。"
        "请勿使用来源不明或有划痕、破损的观测镜。",
        f"{plan.onsite_planned} pairs of eclipse glasses are handed out free at the gates, "
        f"{_pairs(plan, 'en')}, while they last; schools and organisations "
        f"({len(plan.allocations)} in all) collect theirs before the day. Do not use glasses "
        "of unknown origin or with scratches or holes.",
    )
    notes.append(PublicNote(handout, order=30))
    return notes


def _pairs(plan: GlassesPlan, lang: str = "zh") -> str:
    per = plan.pairs_per_person
    whole = int(per) if float(per).is_integer() else per
    if lang == "zh":
        return f"{whole}副"
    return f"{whole} pair{'s' if per != 1 else ''} per person"
