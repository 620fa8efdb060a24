"""What a failed KMS call means and how to fix it: one place for every boto3/KMS error.

boto3 errors carry an AWS code and sometimes no text at all (`InvalidCiphertextException`), or
botocore's own wording (`NoRegionError`); an operator needs the cause and the next command.
"""

from __future__ import annotations

from core.errors import NitrodeckError

# AWS error code → (what it means, the fix). `{key}` is the key the call named.
CLIENT_ERRORS: dict[str, tuple[str, str]] = {
    "NotFoundException": (
        "the key {key} does not exist in this KMS",
        "list this KMS's keys with `nitrodeck kms keys` (the local KMS and AWS hold different "
        "keys); pass one of them, or create one with `nitrodeck kms create-demo-key`",
    ),
    "InvalidCiphertextException": (
        "the ciphertext cannot be decrypted here: damaged, made by another KMS, or encrypted "
        "with a different encryption context",
        "encrypt it again against this KMS (`nitrodeck kms encrypt`), pass the same "
        "--encryption-context it was encrypted with, or check that the file is the ciphertext",
    ),
    "IncorrectKeyException": (
        "the ciphertext was encrypted under another key than {key}",
        "drop --key-id (KMS reads the key from the ciphertext) or pass the key it was made with",
    ),
    "AccessDeniedException": (
        "the key policy (or IAM) does not allow this call",
        "see why condition by condition: nitrodeck kms explain --key-id {key} --enclave-name N",
    ),
    "DisabledException": (
        "the key {key} is disabled",
        "enable it (aws kms enable-key --key-id {key}) or use another key",
    ),
    "KMSInvalidStateException": (
        "the key {key} is not usable now (pending deletion or import)",
        "cancel its deletion (aws kms cancel-key-deletion) or use another key",
    ),
    "UnrecognizedClientException": (
        "KMS does not know these credentials",
        'for the local KMS use its credentials (eval "$(nitrodeck kms start | grep ^export)"); '
        "for AWS check the access key or profile",
    ),
    "InvalidSignatureException": (
        "KMS rejected the request's signature (wrong secret key or clock skew)",
        "check the secret access key and that this machine's clock is right",
    ),
    "ValidationException": (
        "KMS rejected the request's parameters",
        "check the key id, the file sizes (Encrypt takes at most 4096 bytes) and the options",
    ),
}

# botocore's own failures, by class name → (what, fix).
BOTOCORE_ERRORS: dict[str, tuple[str, str]] = {
    "NoRegionError": (
        "no AWS region is configured for KMS",
        "export AWS_REGION=us-east-1 (or your region), set `region` in ~/.aws/config, or use "
        "the local KMS (the default on the simulator)",
    ),
    "NoCredentialsError": (
        "no AWS credentials were found",
        "configure credentials (environment, ~/.aws/credentials or an instance role), or use "
        "the local KMS",
    ),
    "EndpointConnectionError": (
        "nothing answers at the KMS endpoint",
        "start the local KMS (`nitrodeck kms start`; `nitrodeck kms status` says where it "
        "listens) or check --endpoint-url",
    ),
}


def kms_error(
    error: Exception, *, action: str, where: str, key: str | None = None
) -> NitrodeckError:
    """`error` from a boto3 KMS call as a NitrodeckError with its cause and one fix."""
    shown_key = key or "KEY"
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        info = response.get("Error", {})
        code, message = str(info.get("Code", "")), str(info.get("Message") or "")
        meaning, fix = CLIENT_ERRORS.get(
            code,
            (
                "KMS refused the call",
                f"look up {code} in the AWS KMS API reference for {action}",
            ),
        )
        said = f" (KMS said: {message})" if message else ""
        what = f"KMS {action} failed with {code}: {meaning.format(key=shown_key)}{said}"
        return NitrodeckError(what, where=where, fix=fix.format(key=shown_key))
    meaning, fix = BOTOCORE_ERRORS.get(
        type(error).__name__,
        ("KMS could not be reached", "check --endpoint-url, the region and the network"),
    )
    return NitrodeckError(f"KMS {action} failed: {meaning} ({error})", where=where, fix=fix)
