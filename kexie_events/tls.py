"""A self-signed certificate for ``kexie serve --https``.

Phones let a page use the camera only over https (or on localhost). At a venue there is no
domain name and no internet, so the event gets its own certificate, made once and kept in the
event folder (the key with mode 0600). Each phone accepts it once; after that the camera works.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from pathlib import Path

CERT_FILE = "tls-cert.pem"
KEY_FILE = "tls-key.pem"


def certificate(folder: Path, addresses: list[str]) -> tuple[Path, Path]:
    """The event's certificate and key files, made when missing or not covering ``addresses``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    cert_path, key_path = folder / CERT_FILE, folder / KEY_FILE
    wanted = {ipaddress.ip_address(a) for a in addresses if _is_ip(a)}
    if cert_path.exists() and key_path.exists():
        # A key copied in, or left by an older release, may be readable by others.
        key_path.chmod(0o600)
        existing = x509.load_pem_x509_certificate(cert_path.read_bytes())
        names = existing.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        if wanted <= set(names.get_values_for_type(x509.IPAddress)):
            return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kexie-events check-in")])
    now = dt.datetime.now(dt.UTC)
    alternative = [x509.DNSName("localhost"), *(x509.IPAddress(a) for a in sorted(wanted, key=str))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        .sign(key, hashes.SHA256())
    )
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # O_CREAT's mode does not apply to a file that exists
    with os.fdopen(descriptor, "wb") as file:
        file.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
