"""Office Open XML files (Word, Excel): text XML can hold, and zips that are reproducible.

Light on purpose: the table importer and the exporters use it without loading python-docx.
"""

from __future__ import annotations

import io
import re
import zipfile

_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (a pasted control character)."""
    return _NOT_IN_XML.sub("", text)


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times and order, so equal content gives equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
