"""Ticket QR codes: the fast encoder draws exactly what the qrcode library draws."""

from __future__ import annotations

import random

import qrcode
from qrcode.constants import ERROR_CORRECT_M

from kexie_events import qr, qr_encoder
from kexie_plugins.qr_checkin.codes import Signer


def library_matrix(text: str) -> list[list[bool]]:
    code = qrcode.QRCode(version=5, error_correction=ERROR_CORRECT_M, border=0, mask_pattern=0)
    code.add_data(text)
    code.make(fit=False)
    return code.modules


def test_fast_encoder_matches_the_library_module_for_module():
    rng = random.Random(5)
    signer = Signer(bytes(range(32)))
    texts = [signer.code(n) for n in (1, 42, 9999, 123456)]
    texts += [
        "".join(
            rng.choice(qr_encoder.ALPHANUMERIC) for _ in range(rng.randint(1, qr_encoder.CAPACITY))
        )
        for _ in range(60)
    ]
    for text in texts:
        assert qr_encoder.matrix(text) == library_matrix(text), text


def test_other_texts_go_through_the_library():
    link = "http://192.168.1.20:8000/#login=abc_DEF-123"
    assert not qr_encoder.fits(link)
    modules = qr.matrix(link, version=None)
    assert len(modules) >= 21
