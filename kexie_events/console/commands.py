"""``kexie organizers``: console accounts from the command line (add, link, revoke, list).

Messages are in the ROOT's language (its events' ``lang`` when they agree, else Chinese), as
the console's own pages are before anyone has logged in. Only click and the light core are
imported at the top, as in :mod:`kexie_events.cli`.
"""

from __future__ import annotations

import click

from kexie_events.console.root import Root, opened
from kexie_events.plugin_cli import default_user, print_json

root_argument = click.argument("root", metavar="ROOT")
url_option = click.option(
    "--url",
    "base_url",
    metavar="URL",
    help="Address of kexie serve as the organiser's browser reaches it (default: the running"
    " server's).",
)
#: Where the link points when no ``kexie serve`` runs for ROOT: this computer, where a
#: plain-http console is safe; another computer needs ``--host 0.0.0.0 --https`` and a new link.
DEFAULT_BASE = "http://127.0.0.1:8000/"


@click.group()
def organizers() -> None:
    """Console accounts for organisers: one-time login links, revoking, listing.

    ROOT is an event folder or a folder of event folders (a county's year), or a PostgreSQL
    database that kexie serve serves; the accounts are kept in ROOT/console.db (or in
    PostgreSQL, with a database ROOT or KEXIE_DATABASE_URL). An admin manages accounts
    and sees every event; an organizer sees the events given with --events.
    """


@organizers.command(name="add")
@root_argument
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["admin", "organizer"]),
    default="organizer",
    show_default=True,
    help="admin: accounts and every event; organizer: the events given with --events.",
)
@click.option(
    "--events",
    default="",
    metavar="ID,...",
    help="Event folders (names, comma-separated) the organizer may see; by default the one"
    " event when ROOT is an event folder.",
)
@url_option
@click.option("--by", default=default_user, help="Who gives the account.")
def organizers_add(root: str, name: str, role: str, events: str, base_url, by: str) -> None:
    """Give NAME a console account; prints a one-time login link and its QR code."""
    from kexie_events.console.accounts import open_accounts

    with opened(root, copying=False) as served, open_accounts(served) as accounts:
        link = accounts.add(name, role, events.split(","), by=by)
        lang = accounts.lang
        _print_link(served, link, role, lang, base_url)


@organizers.command(name="link")
@root_argument
@click.argument("name")
@url_option
@click.option("--by", default=default_user, help="Who gives the link.")
def organizers_link(root: str, name: str, base_url, by: str) -> None:
    """Print a new one-time login link for NAME (earlier unused links stop working)."""
    from kexie_events.console.accounts import open_accounts

    with opened(root, copying=False) as served, open_accounts(served) as accounts:
        link = accounts.new_link(name, by=by)
        organiser = accounts.organiser(name)
        lang = accounts.lang
        _print_link(served, link, organiser.role if organiser else "", lang, base_url)


@organizers.command(name="revoke")
@root_argument
@click.argument("name")
@click.option("--by", default=default_user, help="Who revokes it.")
def organizers_revoke(root: str, name: str, by: str) -> None:
    """Close NAME's account: logged out at once, links stop working."""
    from kexie_events.console.accounts import open_accounts
    from kexie_events.i18n import pick

    with opened(root, copying=False) as served, open_accounts(served) as accounts:
        accounts.revoke(name, by=by)
        lang = accounts.lang
    click.echo(pick(lang, f"已注销{name}的控制台账号", f"closed the console account of {name}"))


@organizers.command(name="list")
@root_argument
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
def organizers_list(root: str, as_json: bool) -> None:
    """List the console accounts: name, role, events."""
    from kexie_events.console.accounts import open_accounts
    from kexie_events.i18n import date_text, pick

    with opened(root, copying=False) as served, open_accounts(served) as accounts:
        found = accounts.list()
        lang = accounts.lang
    if as_json:
        print_json(
            [
                {
                    "name": o.name,
                    "role": o.role,
                    "events": sorted(o.events),
                    "lang": o.lang,
                    "created_at": o.created_at.isoformat(),
                    "created_by": o.created_by,
                }
                for o in found
            ]
        )
        return
    if not found:
        click.echo(pick(lang, "还没有控制台账号", "no console accounts yet"))
    for organiser in found:
        seen = (
            pick(lang, "全部活动", "every event")
            if organiser.is_admin
            else ", ".join(sorted(organiser.events))
        )
        added = date_text(organiser.created_at.astimezone().date(), lang)
        click.echo(
            f"{organiser.name}  {_role_text(organiser.role, lang)}  {seen}  "
            + pick(
                lang,
                f"（{added}由{organiser.created_by}添加）",
                f"(added {added} by {organiser.created_by})",
            )
        )


def _role_text(role: str, lang: str) -> str:
    from kexie_events.i18n import pick

    if role == "admin":
        return pick(lang, "管理员", "admin")
    return pick(lang, "组织者", "organizer")


def _print_link(root: Root, link, role: str, lang: str, base_url: str | None) -> None:
    """The link, pointing where the console is served, with its QR code and any caveat."""
    from kexie_events.i18n import moment_text, pick
    from kexie_events.qr import terminal

    base, note = _base_url(root, base_url, lang)
    url = link.url(base)
    until = moment_text(link.expires_at.astimezone(), lang)
    click.echo(
        pick(
            lang,
            f"{link.name}（{_role_text(role, lang)}）的一次性登录链接，"
            f"{until}前有效，只能使用一次：",
            f"one-time login link for {link.name} ({_role_text(role, lang)}), valid until"
            f" {until}, to be used once:",
        )
    )
    click.echo(f"  {pick(lang, '链接', 'link')}: {url}")
    if note:
        click.echo(f"{pick(lang, '注意', 'note')}: {note}", err=True)
    if url.startswith("http://") and not _is_local(url):
        click.echo(
            pick(
                lang,
                "警告：链接不是 https，登录和之后的操作会以明文经过网络；"
                "请用 --https 运行 kexie serve。",
                "warning: the link is not https, so the login and everything after it cross the"
                " network in clear text; run kexie serve with --https.",
            ),
            err=True,
        )
    click.echo(terminal(url))


def _is_local(url: str) -> bool:
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    return host.startswith("127.") or host in ("localhost", "[::1]")


def _base_url(root: Root, given: str | None, lang: str) -> tuple[str, str]:
    """Where the console is served, and a note when that is a guess or this computer only."""
    from kexie_events.i18n import pick
    from kexie_events.volunteers import running_server

    if given:
        return given, ""
    server = running_server(root.folder)
    if server is not None:
        if server.phone_url:
            return server.phone_url, ""
        return server.urls[0], pick(
            lang,
            f"kexie serve 只监听 {server.host}，链接只能在这台电脑上打开；要在其他电脑或平板上"
            "打开，请用 --host 0.0.0.0 --https 重新运行，再运行 kexie organizers link 获取新链接",
            f"kexie serve listens on {server.host} only, so the link opens on this computer only;"
            " for another computer or a tablet, restart it with --host 0.0.0.0 --https and get a"
            " new link: kexie organizers link",
        )
    if root.kept_elsewhere:  # its servers may run anywhere: only the organiser knows where
        return DEFAULT_BASE, pick(
            lang,
            "数据库中的活动可能由多台服务器提供，请用 --url 给出组织者打开控制台的地址（例如"
            " https://kexie.county.example/）；这个链接暂按本机的 http://127.0.0.1:8000 生成",
            "the events of a database may be served by several servers: give the address the"
            " organiser opens the console at with --url (e.g. https://kexie.county.example/);"
            " this link assumes http://127.0.0.1:8000 on this computer",
        )
    return DEFAULT_BASE, pick(
        lang,
        "kexie serve 没有运行，链接假定它在这台电脑上运行（http://127.0.0.1:8000）；如需在其他"
        "电脑或平板上打开，请用 kexie serve ROOT --host 0.0.0.0 --https 运行后，用 kexie "
        "organizers link ROOT 姓名 获取新链接，或用 --url 指定地址",
        "kexie serve is not running, so the link assumes it will run on this computer"
        " (http://127.0.0.1:8000); to open it on another computer or a tablet, run kexie serve"
        " ROOT --host 0.0.0.0 --https, then get a new link with kexie organizers link ROOT NAME,"
        " or give --url",
    )
