"""``kexie certificates verify CODE`` and ``kexie certificates list DIR``."""

from __future__ import annotations

from pathlib import Path

import click

from kexie_events.plugin_cli import event_dir, open_event, print_json


@click.group()
def certificates() -> None:
    """Certificates the event issues (volunteer service, training, contest awards)."""


def _config(event):
    from kexie_plugins.certificates.config import NAME

    if NAME not in event.configs:
        raise click.UsageError(
            f"{event.toml_path}: the event has no [plugins.{NAME}] section, so it issues no "
            "certificates"
        )
    return event.configs[NAME]


def _as_json(certificate) -> dict:
    return {
        "kind": certificate.kind,
        "plugin": certificate.plugin,
        "key": certificate.key,
        "holder": certificate.holder,
        "title": certificate.title,
        "text": certificate.text,
        "details": [list(line) for line in certificate.details],
        "issued": certificate.issued.isoformat(),
    }


@certificates.command(name="verify")
@click.argument("code")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The folder of the event that issued the certificate.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@click.pass_context
def verify_command(ctx, code: str, directory: Path, as_json: bool) -> None:
    """Say whether CODE (or a verification link) is a genuine certificate of the event, and
    what it certifies. Exits 0 when genuine, 1 otherwise."""
    from kexie_events.i18n import date_text, pick
    from kexie_plugins.certificates import issuing, words

    plugins, event, store = open_event(ctx, directory)
    config = _config(event)
    with store:
        verdict = issuing.verify(event, config, store, plugins, code)
    lang = event.lang
    certificate = verdict.certificate
    if as_json:
        print_json(
            {
                "genuine": verdict.genuine,
                "outcome": verdict.outcome,
                "message": words.headline(verdict, lang),
                "certificate": _as_json(certificate) if certificate else None,
            }
        )
    else:
        click.echo(f"{words.headline(verdict, lang)}{pick(lang, '：', ': ')}")
        click.echo(words.explanation(verdict, lang))
        if certificate is not None:
            click.echo(f"  {pick(lang, '证书', 'Certificate')}: {certificate.title}")
            click.echo(f"  {pick(lang, '持有人', 'Holder')}: {certificate.holder}")
            click.echo(f"  {pick(lang, '证明内容', 'Certifies')}: {certificate.text}")
            for label, value in certificate.details:
                click.echo(f"  {label}: {value}")
            if config.issuer:
                click.echo(f"  {pick(lang, '颁发单位', 'Issued by')}: {config.issuer}")
            click.echo(
                f"  {pick(lang, '颁发日期', 'Issued on')}: {date_text(certificate.issued, lang)}"
            )
    ctx.exit(0 if verdict.genuine else 1)


@certificates.command(name="list")
@event_dir
@click.option("--json", "as_json", is_flag=True, help="Print the certificates with codes as JSON.")
@click.pass_context
def list_command(ctx, directory: Path, as_json: bool) -> None:
    """List the certificates the event issues now, with their codes."""
    from kexie_events.i18n import pick
    from kexie_plugins.certificates import issuing

    plugins, event, store = open_event(ctx, directory)
    config = _config(event)
    with store:
        found = issuing.issued(event, config, store, plugins)
    if as_json:
        print_json({"certificates": [{**_as_json(i.certificate), "code": i.code} for i in found]})
        return
    for item in found:
        click.echo(f"{item.certificate.title}  {item.certificate.holder}  {item.code}")
    click.echo(pick(event.lang, f"共{len(found)}份证书", f"{len(found)} certificates"))
