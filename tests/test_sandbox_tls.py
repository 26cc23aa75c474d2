"""The sandboxes' TLS files: quick ECDSA keys for TLS, an RSA key for RS256 client JWTs."""

from __future__ import annotations

import ssl

import httpx
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from crmlink.sandbox.core.tls import ensure_client_keypair, ensure_tls


def _private_key(path):
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def test_ca_and_server_keys_are_ecdsa_p256(tmp_path):
    files = ensure_tls(tmp_path)
    for path in (tmp_path / "ca-key.pem", files.server_key):
        key = _private_key(path)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        assert key.curve.name == "secp256r1"


def test_server_certificate_is_signed_by_the_ca_for_loopback(tmp_path):
    files = ensure_tls(tmp_path)
    ca = x509.load_pem_x509_certificate(files.ca_bundle.read_bytes())
    server = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
    server.verify_directly_issued_by(ca)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}


def test_the_ecdsa_server_is_verified_by_httpx_and_ssl(sf_sandbox):
    context = ssl.create_default_context(cafile=sf_sandbox.info()["ca_bundle"])
    response = httpx.get(f"{sf_sandbox.url}/__sandbox__/stats", verify=context)
    assert response.status_code == 200
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_client_key_stays_rsa_and_signs_rs256(tmp_path):
    pair = ensure_client_keypair(tmp_path)
    key = _private_key(pair.private_key)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    token = jwt.encode({"sub": "x"}, pair.private_key.read_text(), algorithm="RS256")
    public = x509.load_pem_x509_certificate(pair.certificate.read_bytes()).public_key()
    assert jwt.decode(token, public, algorithms=["RS256"]) == {"sub": "x"}


def test_existing_files_are_reused(tmp_path):
    ensure_tls(tmp_path)
    ensure_client_keypair(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    ensure_tls(tmp_path)
    ensure_client_keypair(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
