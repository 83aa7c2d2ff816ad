"""The sandbox's own CA: made on first use in a per-user folder, kept, and able to vouch for
TikTok's API and auth hostnames and loopback only."""

from __future__ import annotations

import ipaddress
import stat
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from sandbox.certificates import (
    SERVED_NAMES,
    CertificateAuthorityError,
    default_ca_dir,
    load_or_create,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def verify(authority, leaf: x509.Certificate, name: str, at: datetime = NOW) -> None:
    subject: x509.GeneralName
    try:
        subject = x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        subject = x509.DNSName(name)
    verifier = PolicyBuilder().store(Store([authority.certificate])).time(at).build_server_verifier(subject)
    verifier.verify(leaf, [])


def test_the_ca_is_made_on_first_use_and_kept(tmp_path):
    first = load_or_create(tmp_path / "ca", NOW)
    assert first.created
    assert stat.S_IMODE((tmp_path / "ca" / "ca-key.pem").stat().st_mode) == 0o600
    again = load_or_create(tmp_path / "ca", NOW + timedelta(days=30))
    assert not again.created
    assert again.certificate == first.certificate


def test_the_servers_certificate_is_valid_for_every_name_served(tmp_path):
    authority = load_or_create(tmp_path, NOW)
    _, pem = authority.issue_server_certificate(NOW)
    leaf = x509.load_pem_x509_certificate(pem)
    for name in SERVED_NAMES:
        verify(authority, leaf, name)
    with pytest.raises(VerificationError):
        verify(authority, leaf, "www.example.com")


def test_the_ca_cannot_vouch_for_any_other_host(tmp_path):
    """Even with its key, a certificate for another host does not verify: trusting the sandbox's CA
    opens no door but TikTok's hostnames and loopback."""
    authority = load_or_create(tmp_path, NOW)
    key = ec.generate_private_key(ec.SECP256R1())
    forged = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "bank.example")]))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(hours=1))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("bank.example")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()), critical=False
        )
        .sign(authority.key, hashes.SHA256())
    )
    with pytest.raises(VerificationError, match="name constraints"):
        verify(authority, forged, "bank.example")


def test_an_expired_ca_is_replaced(tmp_path):
    old = load_or_create(tmp_path, NOW)
    later = old.certificate.not_valid_after_utc + timedelta(days=1)
    new = load_or_create(tmp_path, later)
    assert new.created and new.certificate != old.certificate


def test_a_ca_with_a_key_of_another_is_refused(tmp_path):
    load_or_create(tmp_path / "one", NOW)
    load_or_create(tmp_path / "two", NOW)
    (tmp_path / "one" / "ca-key.pem").write_bytes((tmp_path / "two" / "ca-key.pem").read_bytes())
    with pytest.raises(CertificateAuthorityError, match="is not the key of"):
        load_or_create(tmp_path / "one", NOW)


def test_the_default_folder_is_per_user_data(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_ca_dir() == tmp_path / "tts-sandbox" / "ca"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_ca_dir() == tmp_path / "home" / ".local" / "share" / "tts-sandbox" / "ca"
