"""Messages to people who signed up: written, logged, and handed to every ``kexie_notify``.

The ledger queues a message in the same transaction as the change it tells of; this module
sends what is queued, after the commit. Every message is written to the log
(``registration_messages``: who, what, when, through which channels, or why not); then each
``kexie_notify`` implementation sends it through its channel or lets it pass. Built in is
e-mail over SMTP (:func:`send_email`); SMS and WeChat are for plugins (docs/plugins.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from kexie_events.i18n import moment_text, pick, time_text
from kexie_events.model import Event
from kexie_events.plugins import Plugins
from kexie_events.store import EventStore
from kexie_plugins.registration import ledger
from kexie_plugins.registration.config import RegistrationConfig, Slot

T = TypeVar("T")
SMTP_TIMEOUT = 15.0


@attrs.frozen
class Person:
    """Who a message is for; a field is ``None`` when it was not asked, not given, or purged.

    Attributes:
        registration: the sign-up's number.
    """

    registration: int
    name: str | None = None
    phone: str | None = None
    email: str | None = None


@attrs.frozen
class Message:
    """A message to a person who signed up, complete and in the event's language.

    Attributes:
        kind: ``confirmed``, ``waitlisted``, ``promoted``, ``cancelled`` or ``reminder``.
        subject: a short title (an e-mail's subject).
        text: the whole message, with the time, the place and the link.
        url: the person's own page (their ticket, their place in line, cancelling): a secret.
    """

    kind: str
    subject: str
    text: str
    url: str


def manage_url(config: RegistrationConfig, registration: ledger.Registration) -> str:
    """The person's own page: ``public_url`` when set, else the address they signed up at."""
    base = config.public_url or registration.origin or ""
    return f"{base}/r/m/{registration.secret}"


def when_text(slot: Slot | None, event: Event) -> str:
    """``2028年12月31日 22:30–22:45``: the slot's time, or the event's without one."""
    start, end = (slot.start, slot.end) if slot else (event.start, event.end)
    if start.date() == end.date():
        return f"{moment_text(start, event.lang)}–{time_text(end)}"
    return f"{moment_text(start, event.lang)} – {moment_text(end, event.lang)}"


def place_text(event: Event, site_id: str | None) -> str:
    """The site's name and address."""
    for site in event.sites:
        if site.id == site_id:
            separator = "，" if event.lang == "zh" else ", "
            return site.name + (separator + site.address if site.address else "")
    return ""


def compose(
    event: Event, config: RegistrationConfig, registration: ledger.Registration, kind: str
) -> tuple[Person, Message]:
    """The person and the message of ``kind`` about ``registration``, as it stands now."""
    lang, title = event.lang, event.title
    slot = config.slot(registration.slot)
    url = manage_url(config, registration)
    when, place = when_text(slot, event), place_text(event, registration.site)
    name = registration.name
    hello = pick(
        lang, f"{name}您好，" if name else "您好，", f"Dear {name}, " if name else "Hello, "
    )
    party = registration.party
    numbers = "、".join(f"{n:06d}" for n in registration.tickets)
    numbers_en = ", ".join(f"{n:06d}" for n in registration.tickets)
    details = pick(
        lang,
        f"{when}，{place}，{party}人，票号{numbers}。入场时请出示门票二维码：{url}",
        f"{when}, {place}, {party} {'person' if party == 1 else 'people'}, ticket"
        f"{'s' if party > 1 else ''} {numbers_en}. Show the QR ticket at the gate: {url}",
    )
    bring = f" {config.bring}" if config.bring else ""
    slot_label = slot.label if slot else registration.slot
    # The place in line as it is when the message goes (none once moved up meanwhile).
    position = registration.position
    place_zh = f"第{position}位" if position else ""
    place_en = f" as number {position}" if position else ""
    texts = {
        "confirmed": (
            pick(lang, f"报名成功：{title}", f"You are signed up: {title}"),
            pick(lang, f"{hello}您已成功报名“{title}”：", f"{hello}you are signed up for {title}: ")
            + details
            + bring,
        ),
        "promoted": (
            pick(lang, f"候补成功：{title}", f"A place came free: {title}"),
            pick(
                lang,
                f"{hello}有名额空出，您在“{title}”的候补已转为正式报名：",
                f"{hello}a place came free and you are now signed up for {title}: ",
            )
            + details
            + bring,
        ),
        "waitlisted": (
            pick(lang, f"已进入候补名单：{title}", f"On the waiting list: {title}"),
            pick(
                lang,
                f"{hello}“{title}”{slot_label}的名额已满，您已进入候补名单{place_zh}。"
                f"有名额空出时会按报名顺序递补并通知您。查看或取消：{url}",
                f"{hello}{title} ({slot_label}) is full; you are on the waiting list{place_en}."
                " When places come free they go in order of sign-up, and we will tell you."
                f" See or cancel: {url}",
            ),
        ),
        "cancelled": (
            pick(lang, f"报名已取消：{title}", f"Sign-up cancelled: {title}"),
            pick(
                lang,
                f"{hello}您在“{title}”（{when}）的报名已取消，门票同时作废。",
                f"{hello}your sign-up for {title} ({when}) is cancelled, and its tickets"
                " no longer admit.",
            ),
        ),
        "reminder": (
            pick(lang, f"活动提醒：{title}", f"Reminder: {title}"),
            pick(lang, f"{hello}提醒您按时参加“{title}”：", f"{hello}a reminder of {title}: ")
            + details
            + bring,
        ),
    }
    subject, text = texts[kind]
    person = Person(registration.id, registration.name, registration.phone, registration.email)
    return person, Message(kind, subject, text, url)


def _direct(work: Callable[[], T]) -> T:
    return work()


def deliver_pending(
    event: Event,
    store: EventStore,
    plugins: Plugins,
    config: RegistrationConfig,
    *,
    run: Callable[[Callable[[], Any]], Any] = _direct,
) -> list[ledger.LoggedMessage]:
    """Send every queued message; return what became of each (from the log).

    ``run`` wraps every write to the store (the web app passes ``WebContext.run``, its
    writer); the channels are called outside it, since SMTP may take seconds.
    """
    sent = []
    for pending in run(lambda: ledger.claim_messages(store)):
        registration = ledger.get(store, pending.signup)
        person, message = compose(event, config, registration, pending.kind)
        channels, errors = notify(event, plugins, person, message)
        recipient = ", ".join(a for a in (person.phone, person.email) if a) or None
        run(
            lambda p=pending, m=message, c=channels, e=errors, r=recipient: ledger.record_delivery(
                store, p.id, channels=c, errors=e, recipient=r, subject=m.subject, body=m.text
            )
        )
        sent.append(pending.id)
    log = ledger.message_log(store)
    return [entry for entry in log if entry.id in sent]


def notify(
    event: Event, plugins: Plugins, person: Person, message: Message
) -> tuple[list[str], list[str]]:
    """Call every ``kexie_notify``; return the channels that took it and the errors met.

    Unlike :meth:`Plugins.call_each`, one channel failing does not stop the others: a
    broken SMS gateway must not keep the e-mail from going out. As there, a plugin that
    declares its section is called only when the event has it, and gets it as ``config``.
    """
    channels, errors = ["log"], []
    declared = plugins.sections()
    for impl in reversed(plugins.manager.hook.kexie_notify.get_hookimpls()):
        name = impl.plugin_name
        if name in declared and name not in event.configs:
            continue
        arguments = {
            "event": event,
            "config": event.configs.get(name),
            "person": person,
            "message": message,
        }
        try:
            channel = impl.function(**{arg: arguments[arg] for arg in impl.argnames})
        except Exception as error:
            errors.append(f"{impl.plugin_name}: {type(error).__name__}: {error}")
            continue
        if channel:
            channels.append(str(channel))
    return channels, errors


def send_email(config: RegistrationConfig, person: Person, message: Message) -> str | None:
    """Send ``message`` by e-mail when SMTP is configured and the person gave an address."""
    settings = config.email
    if not settings.configured or not person.email:
        return None
    import smtplib
    import ssl
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = settings.sender
    mail["To"] = person.email
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    mail.set_content(message.text)
    if settings.security == "ssl":
        smtp = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=SMTP_TIMEOUT)
    with smtp:
        if settings.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.user and settings.password:
            smtp.login(settings.user, settings.password)
        smtp.send_message(mail)
    return "email"
