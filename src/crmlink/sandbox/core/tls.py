"""A private certificate authority for a sandbox, written to its state folder.

The CA signs the server certificate (for 127.0.0.1, ::1 and localhost), and a separate
self-signed key pair is made for clients that authenticate with a certificate
(Salesforce JWT bearer, Azure AD certificate assertion). Files are reused when present,
so a persisted sandbox keeps the same CA across restarts.

The CA and server keys are ECDSA P-256: made in microseconds (an RSA-2048 key takes tens of
milliseconds, and every sandbox start in the tests made two), and accepted by Python's ssl,
httpx, requests and the CRM client libraries. The client key stays RSA-2048: the JWT
assertions it signs are RS256, the one algorithm Salesforce and Azure AD both accept.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import NameOID

_VALIDITY = dt.timedelta(days=3650)


@dataclass(frozen=True)
class TlsFiles:
    ca_bundle: Path
    server_cert: Path
    server_key: Path


@dataclass(frozen=True)
class ClientKeyPair:
    private_key: Path
    certificate: Path


def _new_tls_key() -> ec.EllipticCurvePrivateKey:
    """A CA or server key: ECDSA on P-256 (fast to make, what TLS clients all accept)."""
    return ec.generate_private_key(ec.SECP256R1())


def _new_client_key() -> rsa.RSAPrivateKey:
    """A client's JWT signing key: RSA, for RS256."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_key(key: CertificateIssuerPrivateKeyTypes, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    os.chmod(path, 0o600)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "crmlink sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(subject: x509.Name, issuer: x509.Name, public_key) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + _VALIDITY)
    )


def _make_ca(folder: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = _new_tls_key()
    name = _name("crmlink sandbox CA")
    cert = (
        _builder(name, name, key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_key(key, folder / "ca-key.pem")
    (folder / "ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def _make_server_cert(
    folder: Path, ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate
) -> None:
    key = _new_tls_key()
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    names.append(x509.IPAddress(ipaddress.ip_address("::1")))
    cert = (
        _builder(_name("localhost"), ca_cert.subject, key.public_key())
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(key, folder / "server-key.pem")
    (folder / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def ensure_tls(folder: Path) -> TlsFiles:
    """Create (or reuse) the CA and a server certificate for loopback in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    if all(p.exists() for p in (files.ca_bundle, files.server_cert, files.server_key)):
        return files
    ca_key, ca_cert = _make_ca(folder)
    _make_server_cert(folder, ca_key, ca_cert)
    return files


def ensure_client_keypair(folder: Path, common_name: str = "crmlink client") -> ClientKeyPair:
    """Create (or reuse) a self-signed key pair a client signs JWT assertions with."""
    folder.mkdir(parents=True, exist_ok=True)
    pair = ClientKeyPair(folder / "client-key.pem", folder / "client-cert.pem")
    if pair.private_key.exists() and pair.certificate.exists():
        return pair
    key = _new_client_key()
    name = _name(common_name)
    cert = _builder(name, name, key.public_key()).sign(key, hashes.SHA256())
    _write_key(key, pair.private_key)
    pair.certificate.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return pair


def load_certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def sha1_thumbprint(cert: x509.Certificate) -> bytes:
    """The SHA-1 thumbprint Azure AD puts (base64url) in a JWT assertion's `x5t`."""
    return cert.fingerprint(hashes.SHA1())  # noqa: S324 - the protocol's choice, not ours
