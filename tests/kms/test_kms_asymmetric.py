"""RSA KMS keys and data key pairs through boto3, with and without an attestation `Recipient`."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from kms_fixtures import PROD_PCR0, KmsUnderTest, recipient_for

OAEP = {
    "RSAES_OAEP_SHA_1": hashes.SHA1(),
    "RSAES_OAEP_SHA_256": hashes.SHA256(),
}


@pytest.mark.parametrize("spec,bits", [("RSA_2048", 2048), ("RSA_3072", 3072)])
def test_public_key_ciphertext_made_locally_decrypts(
    local_kms: KmsUnderTest, spec: str, bits: int
) -> None:
    kms = local_kms.client()
    meta = kms.create_key(KeySpec=spec, KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    assert meta["KeySpec"] == spec
    assert meta["EncryptionAlgorithms"] == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
    out = kms.get_public_key(KeyId=meta["KeyId"])
    public = serialization.load_der_public_key(out["PublicKey"])
    assert isinstance(public, rsa.RSAPublicKey) and public.key_size == bits
    assert out["KeyUsage"] == "ENCRYPT_DECRYPT" and out["KeySpec"] == spec
    for name, digest in OAEP.items():
        local = public.encrypt(
            b"made outside", padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)
        )
        plain = kms.decrypt(CiphertextBlob=local, KeyId=meta["KeyId"], EncryptionAlgorithm=name)
        assert plain["Plaintext"] == b"made outside" and plain["EncryptionAlgorithm"] == name
        made = kms.encrypt(KeyId=meta["KeyId"], Plaintext=b"inside", EncryptionAlgorithm=name)
        assert len(made["CiphertextBlob"]) == bits // 8
        again = kms.decrypt(
            CiphertextBlob=made["CiphertextBlob"], KeyId=meta["KeyId"], EncryptionAlgorithm=name
        )
        assert again["Plaintext"] == b"inside"


def test_rsa_key_errors(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    symmetric = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256")[
        "CiphertextBlob"
    ]
    cases = {
        "no algorithm": lambda: kms.encrypt(KeyId=key, Plaintext=b"x"),
        "no key id": lambda: kms.decrypt(
            CiphertextBlob=blob, EncryptionAlgorithm="RSAES_OAEP_SHA_256"
        ),
        "wrong algorithm": lambda: kms.decrypt(
            CiphertextBlob=blob, KeyId=key, EncryptionAlgorithm="RSAES_OAEP_SHA_1"
        ),
        "data key": lambda: kms.generate_data_key(KeyId=key, KeySpec="AES_256"),
        "no public key": lambda: kms.get_public_key(KeyId=symmetric),
    }
    expected = {
        "no algorithm": "InvalidKeyUsageException",
        "no key id": "InvalidCiphertextException",
        "wrong algorithm": "InvalidCiphertextException",
        "data key": "InvalidKeyUsageException",
        "no public key": "UnsupportedOperationException",
    }
    for name, call in cases.items():
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == expected[name], name


def test_rsa_decrypt_with_recipient(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key = kms.create_key(KeySpec="RSA_4096", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(
        KeyId=key, Plaintext=b"to the enclave", EncryptionAlgorithm="RSAES_OAEP_SHA_1"
    )
    recipient, spec = recipient_for(local_kms, PROD_PCR0)
    out = kms.decrypt(
        CiphertextBlob=blob["CiphertextBlob"],
        KeyId=key,
        EncryptionAlgorithm="RSAES_OAEP_SHA_1",
        Recipient=spec,
    )
    assert "Plaintext" not in out
    assert recipient.decrypt(out["CiphertextForRecipient"]) == b"to the enclave"


@pytest.mark.parametrize("spec", ["RSA_2048", "ECC_NIST_P256", "ECC_NIST_P521", "ECC_SECG_P256K1"])
def test_data_key_pair(local_kms: KmsUnderTest, spec: str) -> None:
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]
    out = kms.generate_data_key_pair(
        KeyId=key["KeyId"], KeyPairSpec=spec, EncryptionContext={"a": "b"}
    )
    assert out["KeyPairSpec"] == spec and out["KeyId"] == key["Arn"]
    private = serialization.load_der_private_key(out["PrivateKeyPlaintext"], None)
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert public == out["PublicKey"]
    if spec.startswith("ECC"):
        assert isinstance(private, ec.EllipticCurvePrivateKey)
    opened = kms.decrypt(
        CiphertextBlob=out["PrivateKeyCiphertextBlob"], EncryptionContext={"a": "b"}
    )
    assert opened["Plaintext"] == out["PrivateKeyPlaintext"]
    bare = kms.generate_data_key_pair_without_plaintext(KeyId=key["KeyId"], KeyPairSpec=spec)
    assert "PrivateKeyPlaintext" not in bare and bare["PublicKey"]


def test_data_key_pair_with_recipient_keeps_the_private_key_for_the_enclave(
    local_kms: KmsUnderTest,
) -> None:
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    recipient, spec = recipient_for(local_kms, PROD_PCR0)
    out = kms.generate_data_key_pair(KeyId=key, KeyPairSpec="RSA_3072", Recipient=spec)
    assert "PrivateKeyPlaintext" not in out
    private = recipient.decrypt(out["CiphertextForRecipient"])
    assert kms.decrypt(CiphertextBlob=out["PrivateKeyCiphertextBlob"])["Plaintext"] == private
    loaded = serialization.load_der_private_key(private, None)
    assert isinstance(loaded, rsa.RSAPrivateKey) and loaded.key_size == 3072


def test_data_key_pair_spec_errors(local_kms: KmsUnderTest) -> None:
    kms = local_kms.client()
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    rsa_key = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    for kwargs, code in [
        ({"KeyId": key, "KeyPairSpec": "SM2"}, "UnsupportedOperationException"),
        ({"KeyId": rsa_key, "KeyPairSpec": "RSA_2048"}, "InvalidKeyUsageException"),
    ]:
        with pytest.raises(ClientError) as caught:
            kms.generate_data_key_pair(**kwargs)
        assert caught.value.response["Error"]["Code"] == code
