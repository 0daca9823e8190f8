"""Checking what the sign-up page sends, field by field, before anything is recorded.

Every refusal is an :class:`~kexie_events.inputs.InputError` naming the field (``phone``,
``answers.school``) with a message in the event's language, answered 400.
"""

from __future__ import annotations

import re
from typing import Any

from kexie_events import inputs
from kexie_events.i18n import pick
from kexie_events.model import AUDIENCES, Event
from kexie_plugins.registration.config import RegistrationConfig
from kexie_plugins.registration.ledger import Form

#: Keys a sign-up may carry (``challenge`` is the page's proof of work).
KEYS = ("name", "phone", "email", "audience", "slot", "party", "answers", "challenge")
NAME_LIMIT = 50
ANSWER_LIMIT = 200
EMAIL_LIMIT = 254
# Mainland mobile numbers: 11 digits, 1 then 3-9 (13x to 19x); written with +86 or spaces too.
_MAINLAND = re.compile(r"1[3-9]\d{9}")
_INTERNATIONAL = re.compile(r"\+?\d{6,15}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_SEPARATORS = str.maketrans("", "", " -()\u3000\u2010\u2011\u2012\u2013\u2014")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋", "0123456789+")


def labels(lang: str) -> dict[str, str]:
    """The page's names of the standard fields."""
    return {
        "name": pick(lang, "姓名", "name"),
        "phone": pick(lang, "手机号码", "mobile number"),
        "email": pick(lang, "电子邮箱", "e-mail address"),
        "audience": pick(lang, "人群类别", "group"),
        "slot": pick(lang, "场次", "time slot"),
        "party": pick(lang, "人数", "number of people"),
    }


def audiences(event: Event) -> tuple[str, ...]:
    """The groups offered: the event's own audiences and ``others``, else all of them."""
    if not event.audiences:
        return AUDIENCES
    return tuple(a for a in AUDIENCES if a in event.audiences or a == "others")


def phone_number(value: Any, rule: str, lang: str) -> str:
    """The number as stored (``13812345678``, ``+34600000004``); 400 on ``phone`` otherwise.

    Spaces, dashes and full-width digits are what people type and are taken out; a mainland
    number may carry ``+86`` or ``86`` in front.
    """
    label = labels(lang)["phone"]
    text = inputs.text(value, "phone", lang=lang, label=label, limit=30)
    number = text.translate(_FULL_WIDTH).translate(_SEPARATORS)
    if rule == "mainland":
        for prefix in ("+86", "0086", "86"):
            if number.startswith(prefix) and len(number) == len(prefix) + 11:
                number = number[len(prefix) :]
        if not _MAINLAND.fullmatch(number):
            raise inputs.InputError(
                "phone",
                pick(
                    lang,
                    "请填写正确的11位手机号码（以13至19开头）",
                    "enter a mainland China mobile number: 11 digits starting 13 to 19",
                ),
            )
        return number
    if not _INTERNATIONAL.fullmatch(number):
        raise inputs.InputError(
            "phone",
            pick(lang, "请填写正确的手机号码", "enter a phone number: digits, with + in front"),
        )
    return number


def read_form(event: Event, config: RegistrationConfig, body: dict) -> Form:
    """The checked sign-up; the first wrong field raises ``InputError``."""
    lang = event.lang
    names = labels(lang)
    inputs.only_keys(body, KEYS, lang=lang)
    name = phone = email = audience = None
    if config.asks("name"):
        name = inputs.text(
            body.get("name"), "name", lang=lang, label=names["name"], limit=NAME_LIMIT
        )
    if config.asks("phone"):
        phone = phone_number(body.get("phone"), config.phone_format, lang)
    if config.asks("email"):
        email = inputs.text(
            body.get("email"),
            "email",
            lang=lang,
            label=names["email"],
            limit=EMAIL_LIMIT,
            required=False,
        )
        if email is not None and not _EMAIL.fullmatch(email):
            raise inputs.InputError(
                "email", pick(lang, "电子邮箱格式不对", "that is not an e-mail address")
            )
    if config.asks("audience"):
        audience = inputs.one_of(
            body.get("audience"), "audience", audiences(event), lang=lang, label=names["audience"]
        )
    slot = body.get("slot")
    if slot in (None, "") and len(config.slots) == 1:
        slot = config.slots[0].id
    slot = inputs.one_of(slot, "slot", [s.id for s in config.slots], lang=lang, label=names["slot"])
    party = inputs.whole_number(
        body.get("party", 1), "party", lang=lang, label=names["party"], high=config.party_max
    )
    return Form(
        slot=slot,
        party=party,
        name=name,
        phone=phone,
        email=email,
        audience=audience,
        answers=_answers(config, body.get("answers"), lang),
    )


def _answers(config: RegistrationConfig, given: Any, lang: str) -> dict[str, str]:
    if given is None:
        given = {}
    if not isinstance(given, dict):
        raise inputs.InputError("answers", pick(lang, "答案格式不对", "answers must be an object"))
    extra = sorted(set(given) - {q.id for q in config.questions})
    if extra:
        field = f"answers.{extra[0]}"[:60]
        raise inputs.InputError(field, pick(lang, "没有这个问题", f"no question {extra[0]!r}"[:80]))
    answers = {}
    for question in config.questions:
        field = f"answers.{question.id}"
        value = given.get(question.id)
        if question.choices and value not in (None, ""):
            value = inputs.one_of(value, field, question.choices, lang=lang, label=question.label)
        else:
            value = inputs.text(
                value,
                field,
                lang=lang,
                label=question.label,
                limit=ANSWER_LIMIT,
                required=question.required,
            )
        if value is None and question.required:
            raise inputs.InputError(
                field, pick(lang, f"请填写{question.label}", f"{question.label} is required")
            )
        if value is not None:
            answers[question.id] = value
    return answers
