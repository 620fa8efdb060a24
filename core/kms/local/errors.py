"""KMS's error shapes: `{"__type": code, "message": text}` with HTTP 400, as boto3 parses them."""

from __future__ import annotations


class KmsError(Exception):
    """An error the local KMS returns to its client in KMS's own form."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    def body(self) -> dict[str, str]:
        return {"__type": self.code, "message": self.message}


def validation(message: str) -> KmsError:
    return KmsError("ValidationException", message)


def not_found(message: str) -> KmsError:
    return KmsError("NotFoundException", message)


def invalid_ciphertext(message: str = "") -> KmsError:
    return KmsError("InvalidCiphertextException", message)


def access_denied(
    principal: str, action: str, resource: str, *, explicit: bool, why: str | None = None
) -> KmsError:
    """The two message forms KMS uses (aws/aws-nitro-enclaves-sdk-c#127, #157); `why` adds the
    local KMS's reason when a grant was the nearest thing to an allow."""
    head = f"User: {principal} is not authorized to perform: {action} on resource: {resource}"
    if explicit:
        tail = "with an explicit deny in a resource-based policy"
    else:
        tail = f"because no resource-based policy allows the {action} action"
    return KmsError("AccessDeniedException", f"{head} {tail}" + (f"; {why}" if why else ""))
