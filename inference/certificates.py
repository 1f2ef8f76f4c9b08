"""The certificate and key that sign Content Credentials: the operator's, or our own.

An operator with a certificate from a C2PA-trusted issuer sets ``C2PA_CERT`` (the PEM
chain, leaf first) and ``C2PA_KEY`` (its PKCS#8 PEM key). Without them the studio makes
its own chain at first start, an EC P-256 CA and a leaf it signs, with the extensions
c2pa-rs requires (SKI/AKI, digitalSignature, emailProtection), and keeps it in
``DATA_DIR/c2pa/signer.pem``. Verifiers then report "untrusted signer": the signature is
intact and says which studio made the image, but nobody vouches for that studio.

Key and chain live in one file, created with a hard link that fails if it exists, so two
workers starting at once on one ``DATA_DIR`` end up with the same chain. The folder is
0700 and the file 0600, whatever the worker's umask.

The chain that signs (self-made or the operator's, never the key) is also written to
``DATA_DIR/c2pa/certificate.pem``: the bot compares an image's signer with it, so "Check
provenance" can tell this studio's images from a lookalike signed with the same names.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from data import private

SELF_MADE = Path("c2pa") / "signer.pem"
PUBLIC = Path("c2pa") / "certificate.pem"  # the signing chain only: what the bot compares
_KEY_MARK = b"-----BEGIN PRIVATE KEY-----"
_CERT_MARK = b"-----BEGIN CERTIFICATE-----"


class CertificateError(RuntimeError):
    """The configured certificate or key cannot sign; one sentence for the operator."""


@dataclass(frozen=True)
class SigningKey:
    """PEM bytes as c2pa's ``C2paSignerInfo`` takes them."""

    chain: bytes  # leaf certificate first, then its issuers
    key: bytes  # PKCS#8
    self_made: bool


def load_signing_key(data_dir: Path, cert: Path | None, key: Path | None) -> SigningKey:
    """The operator's certificate and key when both are set, else the studio's own; its
    chain is published to ``DATA_DIR/c2pa/certificate.pem`` for the bot's checks."""
    signing = _load(Path(data_dir), cert, key)
    publish_chain(Path(data_dir) / PUBLIC, signing.chain)
    return signing


def publish_chain(path: Path, chain: bytes) -> None:
    """Write ``chain`` to ``path`` (0600, atomically) unless it already holds it."""
    private.make_dir(path.parent)
    if path.exists() and path.read_bytes() == chain:
        return
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as temporary:
        temporary.write(chain)
    os.chmod(temporary.name, 0o600)
    os.replace(temporary.name, path)


def _load(data_dir: Path, cert: Path | None, key: Path | None) -> SigningKey:
    if (cert is None) != (key is None):
        raise CertificateError("Set both C2PA_CERT and C2PA_KEY, or neither.")
    if cert is not None and key is not None:
        try:
            chain, key_pem = cert.read_bytes(), key.read_bytes()
        except OSError as error:
            raise CertificateError(f"Cannot read C2PA_CERT/C2PA_KEY: {error}.") from None
        if _CERT_MARK not in chain:
            raise CertificateError(f"C2PA_CERT ({cert}) holds no PEM certificate.")
        if b"PRIVATE KEY-----" not in key_pem:
            raise CertificateError(f"C2PA_KEY ({key}) holds no PEM private key.")
        return SigningKey(chain, key_pem, self_made=False)
    return _self_made(data_dir / SELF_MADE)


def _self_made(path: Path) -> SigningKey:
    if not path.exists():
        private.make_dir(path.parent)  # 0700 even without the CLI's umask
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as temporary:
            temporary.write(make_chain())
        try:
            os.chmod(temporary.name, 0o600)
            os.link(temporary.name, path)  # fails if another worker got there first: use theirs
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary.name)
    pem = path.read_bytes()
    start = pem.index(_CERT_MARK)
    return SigningKey(chain=pem[start:], key=pem[:start], self_made=True)


def make_chain(organisation: str = "Imagine studio") -> bytes:
    """A new CA and leaf: the leaf's PKCS#8 key, then the leaf and CA certificates (PEM)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{organisation} root", organisation)
    ca = (
        _certificate(ca_name, ca_name, ca_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    leaf_name = _name(f"{organisation} signer", organisation)
    leaf = (
        _certificate(leaf_name, ca_name, leaf_key.public_key(), now)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem + b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (leaf, ca))


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )


def _certificate(
    subject: x509.Name, issuer: x509.Name, public_key, now: dt.datetime
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
    )


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )
