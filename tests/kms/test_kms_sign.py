"""Sign/Verify, GenerateMac/VerifyMac and DeriveSharedSecret through boto3; every signature is
checked independently with `cryptography` and with the OpenSSL command line."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from kms_fixtures import KmsUnderTest, recipient_for

from core.kms.local.credentials import ADMIN_PRINCIPAL_ARN, PRINCIPAL_ARN

CASES = [
    ("RSA_2048", f"RSASSA_{scheme}_SHA_{bits}")
    for scheme in ("PSS", "PKCS1_V1_5")
    for bits in (256, 384, 512)
] + [
    ("ECC_NIST_P256", "ECDSA_SHA_256"),
    ("ECC_NIST_P384", "ECDSA_SHA_384"),
    ("ECC_NIST_P521", "ECDSA_SHA_512"),
    ("ECC_SECG_P256K1", "ECDSA_SHA_256"),
]
HASH = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}


def _code(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    return str(raised.value.response["Error"]["Code"])


def _check_with_cryptography(public_der: bytes, algorithm: str, message: bytes, sig: bytes) -> None:
    public = serialization.load_der_public_key(public_der)
    digest = HASH[algorithm.rsplit("_", 1)[1]]()
    if isinstance(public, rsa.RSAPublicKey):
        pad: padding.AsymmetricPadding = (
            padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size)
            if "PSS" in algorithm
            else padding.PKCS1v15()
        )
        public.verify(sig, message, pad, digest)
    else:
        assert isinstance(public, ec.EllipticCurvePublicKey)
        public.verify(sig, message, ec.ECDSA(digest))


def _check_with_openssl(
    tmp_path: Path, public_der: bytes, algorithm: str, message: bytes, sig: bytes
) -> None:
    (tmp_path / "pub.der").write_bytes(public_der)
    (tmp_path / "msg").write_bytes(message)
    (tmp_path / "sig").write_bytes(sig)
    command = ["openssl", "dgst", f"-sha{algorithm.rsplit('_', 1)[1]}", "-keyform", "DER"]
    command += ["-verify", str(tmp_path / "pub.der"), "-signature", str(tmp_path / "sig")]
    if "PSS" in algorithm:
        command += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest"]
    result = subprocess.run(
        [*command, str(tmp_path / "msg")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "Verified OK" in result.stdout, result.stderr


@pytest.mark.parametrize(("spec", "algorithm"), CASES)
def test_sign_verifies_independently(
    local_kms: KmsUnderTest, tmp_path: Path, spec: str, algorithm: str
) -> None:
    kms = local_kms.client()
    key = kms.create_key(KeySpec=spec, KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    public = kms.get_public_key(KeyId=key)
    assert algorithm in public["SigningAlgorithms"] and "EncryptionAlgorithms" not in public
    message = b"the enclave's build manifest"
    raw = kms.sign(KeyId=key, Message=message, SigningAlgorithm=algorithm)
    assert raw["SigningAlgorithm"] == algorithm and raw["KeyId"].endswith(key)
    _check_with_cryptography(public["PublicKey"], algorithm, message, raw["Signature"])
    if shutil.which("openssl"):
        _check_with_openssl(tmp_path, public["PublicKey"], algorithm, message, raw["Signature"])
    digest = hashlib.new("sha" + algorithm.rsplit("_", 1)[1], message).digest()
    signed = kms.sign(KeyId=key, Message=digest, MessageType="DIGEST", SigningAlgorithm=algorithm)
    _check_with_cryptography(public["PublicKey"], algorithm, message, signed["Signature"])
    for kind, text in (("RAW", message), ("DIGEST", digest)):
        verified = kms.verify(
            KeyId=key,
            Message=text,
            MessageType=kind,
            Signature=signed["Signature"],
            SigningAlgorithm=algorithm,
        )
        assert verified["SignatureValid"] is True
    assert (
        _code(
            kms.verify,
            KeyId=key,
            Message=b"another manifest",
            Signature=raw["Signature"],
            SigningAlgorithm=algorithm,
        )
        == "KMSInvalidSignatureException"
    )


def test_sign_refusals(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    ecc = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    symmetric = kms.create_key()["KeyMetadata"]["KeyId"]
    sign = {"Message": b"m", "SigningAlgorithm": "ECDSA_SHA_256"}
    assert _code(kms.sign, KeyId=symmetric, **sign) == "InvalidKeyUsageException"
    assert _code(kms.encrypt, KeyId=ecc, Plaintext=b"x") == "InvalidKeyUsageException"
    assert (
        _code(kms.sign, KeyId=ecc, Message=b"m", SigningAlgorithm="ECDSA_SHA_384")
        == "InvalidKeyUsageException"
    )
    short = {"Message": b"x" * 31, "MessageType": "DIGEST", "SigningAlgorithm": "ECDSA_SHA_256"}
    assert _code(kms.sign, KeyId=ecc, **short) == "ValidationException"
    assert _code(kms.sign, KeyId=ecc, DryRun=True, **sign) == "DryRunOperationException"
    kms.disable_key(KeyId=ecc)
    assert _code(kms.sign, KeyId=ecc, **sign) == "DisabledException"


@pytest.mark.parametrize("bits", [224, 256, 384, 512])
def test_hmac_keys(local_kms: KmsUnderTest, bits: int) -> None:
    kms = local_kms.client()
    key = kms.create_key(KeySpec=f"HMAC_{bits}", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    algorithm = f"HMAC_SHA_{bits}"
    assert key["MacAlgorithms"] == [algorithm]
    mac = kms.generate_mac(KeyId=key["KeyId"], Message=b"token", MacAlgorithm=algorithm)
    assert len(mac["Mac"]) == bits // 8 and mac["MacAlgorithm"] == algorithm
    again = kms.generate_mac(KeyId=key["KeyId"], Message=b"token", MacAlgorithm=algorithm)
    assert again["Mac"] == mac["Mac"]  # deterministic, as HMAC is
    ok = kms.verify_mac(
        KeyId=key["KeyId"], Message=b"token", MacAlgorithm=algorithm, Mac=mac["Mac"]
    )
    assert ok["MacValid"] is True
    forged = bytes([mac["Mac"][0] ^ 1]) + mac["Mac"][1:]
    refusal = _code(
        kms.verify_mac, KeyId=key["KeyId"], Message=b"token", MacAlgorithm=algorithm, Mac=forged
    )
    assert refusal == "KMSInvalidMacException"
    other = "HMAC_SHA_256" if bits != 256 else "HMAC_SHA_384"
    assert (
        _code(kms.generate_mac, KeyId=key["KeyId"], Message=b"t", MacAlgorithm=other)
        == "InvalidKeyUsageException"
    )
    assert _code(kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x") == "InvalidKeyUsageException"


def test_grants_allow_the_new_operations(local_kms: KmsUnderTest) -> None:
    """Under a policy for the admin alone, a grant lets the local principal GenerateMac and
    Sign, and nothing the grant does not name."""
    admin_creds = local_kms.server.admin_credentials
    admin = local_kms.client(admin_creds.secret_access_key, admin_creds.access_key_id)
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ADMIN_PRINCIPAL_ARN},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
    )
    mac_key = admin.create_key(KeySpec="HMAC_256", Policy=policy)["KeyMetadata"]["KeyId"]
    sign_key = admin.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", Policy=policy)
    sign_id = sign_key["KeyMetadata"]["KeyId"]
    user = local_kms.client()
    mac = {"KeyId": mac_key, "Message": b"a", "MacAlgorithm": "HMAC_SHA_256"}
    sign = {"KeyId": sign_id, "Message": b"a", "SigningAlgorithm": "ECDSA_SHA_256"}
    assert _code(user.generate_mac, **mac) == "AccessDeniedException"
    assert _code(user.sign, **sign) == "AccessDeniedException"
    admin.create_grant(KeyId=mac_key, GranteePrincipal=PRINCIPAL_ARN, Operations=["GenerateMac"])
    admin.create_grant(KeyId=sign_id, GranteePrincipal=PRINCIPAL_ARN, Operations=["Sign"])
    tag = user.generate_mac(**mac)["Mac"]
    assert admin.verify_mac(Mac=tag, **mac)["MacValid"]
    assert _code(user.verify_mac, Mac=tag, **mac) == "AccessDeniedException"
    signature = user.sign(**sign)["Signature"]
    assert admin.verify(Signature=signature, **sign)["SignatureValid"]
    assert _code(user.verify, Signature=signature, **sign) == "AccessDeniedException"


def _derive_refusal(kms: Any, key_id: str, public_key: bytes) -> str:
    return _code(
        kms.derive_shared_secret, KeyId=key_id, KeyAgreementAlgorithm="ECDH", PublicKey=public_key
    )


def test_derive_shared_secret(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key = kms.create_key(KeySpec="ECC_NIST_P384", KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
    assert key["KeyAgreementAlgorithms"] == ["ECDH"]
    kms_public = serialization.load_der_public_key(
        kms.get_public_key(KeyId=key["KeyId"])["PublicKey"]
    )
    assert isinstance(kms_public, ec.EllipticCurvePublicKey)
    mine = ec.generate_private_key(ec.SECP384R1())
    spki = mine.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    out = kms.derive_shared_secret(KeyId=key["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=spki)
    assert out["SharedSecret"] == mine.exchange(ec.ECDH(), kms_public)
    assert out["KeyAgreementAlgorithm"] == "ECDH" and out["KeyOrigin"] == "AWS_KMS"
    wrong_curve = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert _derive_refusal(kms, key["KeyId"], wrong_curve) == "ValidationException"
    signer = kms.create_key(KeySpec="ECC_NIST_P384", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    assert _derive_refusal(kms, signer["KeyId"], spki) == "InvalidKeyUsageException"


def test_derive_shared_secret_for_a_recipient(local_kms: KmsUnderTest) -> None:
    """With an attested Recipient the secret leaves only encrypted to the enclave's key."""
    kms = local_kms.client()
    key = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
    mine = ec.generate_private_key(ec.SECP256R1())
    spki = mine.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    enclave, recipient = recipient_for(local_kms, bytes(48))
    out = kms.derive_shared_secret(
        KeyId=key["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=spki, Recipient=recipient
    )
    assert "SharedSecret" not in out
    kms_public = serialization.load_der_public_key(
        kms.get_public_key(KeyId=key["KeyId"])["PublicKey"]
    )
    assert isinstance(kms_public, ec.EllipticCurvePublicKey)
    assert enclave.decrypt(out["CiphertextForRecipient"]) == mine.exchange(ec.ECDH(), kms_public)
