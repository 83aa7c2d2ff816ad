"""The local certificate authority that lets clients with TikTok's hostnames built in reach the sandbox.

A client that hard-codes ``https://open-api.tiktokglobalshop.com`` can be routed here (hosts file,
Docker network alias, HTTPS proxy), but it will only talk to a server whose certificate it trusts.
The sandbox makes a CA of its own on first use, keeps it in a per-user folder, and issues the
server's certificate from it at every start; the user trusts the CA once.

The CA is name-constrained to the hostnames it serves: trusting it lets the sandbox answer for
TikTok's API and auth hosts and for loopback, and for nothing else (no bank, no package registry).
All the cryptography is the ``cryptography`` package's.
"""

from __future__ import annotations

import ipaddress
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# The hosts of the real platform (reference: "Hosts and URL shape"). Their subdomains are allowed by
# the CA's constraints, but the server's certificate names only these.
TIKTOK_HOSTS = ("open-api.tiktokglobalshop.com", "auth.tiktok-shops.com")
TIKTOK_DOMAINS = ("tiktokglobalshop.com", "tiktok-shops.com")
# The sandbox's own names, as a client on the same machine reaches it.
LOOPBACK_NAMES = ("localhost",)
LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")
SERVED_NAMES = (*TIKTOK_HOSTS, *LOOPBACK_NAMES, *LOOPBACK_ADDRESSES)

CA_CERT = "ca.pem"
CA_KEY = "ca-key.pem"
CA_LIFETIME = timedelta(days=3650)
# Reissued at every start; kept under the 398 days that browsers and macOS accept for a server.
SERVER_LIFETIME = timedelta(days=397)
# Clocks of containers and virtual machines drift: a certificate valid from an hour ago still works.
BACKDATE = timedelta(hours=1)


class CertificateAuthorityError(Exception):
    """The CA folder cannot be created, written or read; the message says which and why."""


def default_ca_dir() -> Path:
    """``$XDG_DATA_HOME/tts-sandbox/ca``, else ``~/.local/share/tts-sandbox/ca``: per user, outside
    any repository, so the key is never committed by accident."""
    data_home = os.environ.get("XDG_DATA_HOME", "").strip()
    base = Path(data_home) if data_home else Path.home() / ".local" / "share"
    return base / "tts-sandbox" / "ca"


@dataclass(frozen=True)
class CertificateAuthority:
    folder: Path
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    created: bool  # made by this call (first use), not found

    @property
    def cert_path(self) -> Path:
        return self.folder / CA_CERT

    def issue_server_certificate(self, now: datetime | None = None) -> tuple[bytes, bytes]:
        """A new key and certificate (PEM) for every name the sandbox serves, signed by this CA."""
        now = now or datetime.now(UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        names: list[x509.GeneralName] = [x509.DNSName(n) for n in (*TIKTOK_HOSTS, *LOOPBACK_NAMES)]
        names += [x509.IPAddress(ipaddress.ip_address(a)) for a in LOOPBACK_ADDRESSES]
        certificate = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, TIKTOK_HOSTS[0])]))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - BACKDATE)
            .not_valid_after(min(now + SERVER_LIFETIME, self.certificate.not_valid_after_utc))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
            .sign(self.key, hashes.SHA256())
        )
        return _key_pem(key), certificate.public_bytes(serialization.Encoding.PEM)


def load_or_create(folder: Path | None = None, now: datetime | None = None) -> CertificateAuthority:
    """The CA kept in ``folder`` (default: ``default_ca_dir()``), made there on first use. A CA that
    has expired is replaced (its clients must trust the new one). Raises CertificateAuthorityError."""
    folder = (folder or default_ca_dir()).expanduser()
    now = now or datetime.now(UTC)
    cert_file, key_file = folder / CA_CERT, folder / CA_KEY
    if cert_file.exists() or key_file.exists():
        found = _load(folder)
        if found.certificate.not_valid_after_utc > now + timedelta(days=1):
            return found
    return _create(folder, now)


def _load(folder: Path) -> CertificateAuthority:
    try:
        certificate = x509.load_pem_x509_certificate((folder / CA_CERT).read_bytes())
        key = serialization.load_pem_private_key((folder / CA_KEY).read_bytes(), password=None)
    except OSError as exc:
        raise CertificateAuthorityError(f"cannot read the CA in {folder}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise CertificateAuthorityError(
            f"{folder} holds no CA the sandbox can read ({exc}); remove {CA_CERT} and {CA_KEY} there "
            "to have a new one made, or choose another folder with --ca-dir"
        ) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != certificate.public_key():
        raise CertificateAuthorityError(
            f"{folder / CA_KEY} is not the key of {folder / CA_CERT} (written by two sandboxes at once?); "
            "remove both to have a new CA made"
        )
    return CertificateAuthority(folder, certificate, key, created=False)


def _create(folder: Path, now: datetime) -> CertificateAuthority:
    key = ec.generate_private_key(ec.SECP256R1())
    owner = _owner()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tiktok-shop-sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"tiktok-shop-sandbox local CA ({owner})"),
        ]
    )
    permitted: list[x509.GeneralName] = [x509.DNSName(d) for d in (*TIKTOK_DOMAINS, *LOOPBACK_NAMES)]
    permitted += [x509.IPAddress(ipaddress.ip_network(a)) for a in LOOPBACK_ADDRESSES]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(key_cert_sign=True, crl_sign=True, digital_signature=True), critical=True)
        .add_extension(
            x509.NameConstraints(permitted_subtrees=permitted, excluded_subtrees=None), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write(folder / CA_KEY, _key_pem(key), private=True)
        _write(folder / CA_CERT, certificate.public_bytes(serialization.Encoding.PEM), private=False)
    except OSError as exc:
        where = exc.filename or folder
        raise CertificateAuthorityError(
            f"cannot keep the CA in {folder}: {where}: {exc.strerror or exc}; choose a folder you can "
            "write with --ca-dir"
        ) from exc
    return CertificateAuthority(folder, certificate, key, created=True)


def _write(path: Path, content: bytes, *, private: bool) -> None:
    """Whole or not at all (a reader never sees half a key), and the key readable by its owner only."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.chmod(temporary, 0o600 if private else 0o644)  # mkstemp makes it 0600
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _key_usage(
    *, digital_signature: bool = False, key_cert_sign: bool = False, crl_sign: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=key_cert_sign,
        crl_sign=crl_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _owner() -> str:
    """Who the CA belongs to, in its name, so that a trust store listing shows whose it is."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except Exception:  # no user name in the environment (some containers)
        user = "user"
    return f"{user}@{socket.gethostname()}"
