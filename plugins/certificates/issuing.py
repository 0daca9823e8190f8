"""The certificates an event issues now, with their codes, and what a code is found to be.

Verification recomputes: the certificates the event grants *now* (from its file and store) are
signed again and the code is compared with them. A code whose signature is the event's but
whose digest differs from the certificate the event grants now was printed before something
changed (hours recorded later, a corrected name, a reworded text): it is reported as altered,
no longer matching, with what the event certifies now.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

from kexie_events.records import Certificate
from kexie_plugins.certificates import codes, volunteer
from kexie_plugins.certificates.config import CertificatesConfig

#: The outcomes of a verification.
GENUINE, ALTERED, WITHDRAWN = "genuine", "altered", "withdrawn"


@attrs.frozen
class Issued:
    """A certificate as printed: the record, its code, and what its QR carries."""

    certificate: Certificate
    code: str
    qr_text: str


@attrs.frozen
class Verdict:
    """What a code was found to be.

    Attributes:
        outcome: ``genuine``, ``altered`` (the event's signature, but the event now certifies
            something else), ``withdrawn`` (the event's signature, but it grants no such
            certificate now), or the :class:`~.codes.CodeError` reason (``malformed``,
            ``other_event``, ``forged``).
        certificate: what the event certifies now under that code, when there is such a one.
    """

    outcome: str
    certificate: Certificate | None = None

    @property
    def genuine(self) -> bool:
        """Whether the code is genuine and the certificate stands as printed."""
        return self.outcome == GENUINE


def granted(event, config: CertificatesConfig, store, plugins) -> list[Certificate]:
    """Every certificate the event grants now, of the kinds printed, in a stable order."""
    found = volunteer.certificates(event, config, store, plugins)
    found += plugins.collect("kexie_certificates", Certificate, event=event, store=store)
    found = [c for c in found if config.prints(c.kind)]
    return sorted(found, key=lambda c: (c.kind, c.plugin, c.key))


def issued(event, config: CertificatesConfig, store, plugins) -> list[Issued]:
    """The certificates with their signed codes (the key is made on first use)."""
    certificates = granted(event, config, store, plugins)
    signer = codes.load_or_create_signer(event.folder)
    signed = signer.codes(certificates, store.event_id)
    return [
        Issued(c, code, f"{config.verify_url}c/{code}" if config.verify_url else code)
        for c, code in zip(certificates, signed, strict=True)
    ]


def granted_by_id(event, config: CertificatesConfig, store, plugins) -> dict[str, Certificate]:
    """:func:`granted`, by each certificate's id (what a code names)."""
    return {codes.certificate_id(c): c for c in granted(event, config, store, plugins)}


def verify(
    event,
    config: CertificatesConfig,
    store,
    plugins,
    code: str,
    *,
    current: Callable[[], Mapping[str, Certificate]] | None = None,
) -> Verdict:
    """Check ``code`` (or a verification link) against the event's key and what it grants now.

    An event without its key has signed nothing: every code is another event's, and no key is
    made (a visitor to the public page must not create the event's secret). ``current`` gives
    what the event grants now (:func:`granted_by_id`, by default worked out afresh); it is
    asked only for a code whose signature is the event's.
    """
    if not (event.folder / codes.PRIVATE_KEY_FILE).exists():
        return Verdict("other_event")
    verifier = codes.load_or_create_signer(event.folder).verifier()
    try:
        signed = verifier.open(code)
    except codes.CodeError as error:
        return Verdict(error.reason)
    found = (current or (lambda: granted_by_id(event, config, store, plugins)))()
    certificate = found.get(signed.certificate_id)
    if certificate is None:
        return Verdict(WITHDRAWN)
    same = codes.digest(certificate, store.event_id) == signed.digest
    return Verdict(GENUINE if same else ALTERED, certificate)
