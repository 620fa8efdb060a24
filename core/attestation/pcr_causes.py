"""What a PCR mismatch most likely means, per PCR, in the words an operator needs.

PCR meanings are fixed by Nitro (0 image, 1 kernel and bootstrap, 2 application, 3 parent's IAM
role, 4 parent instance, 8 EIF signing certificate, 16–31 the enclave's own).
"""

from __future__ import annotations

CAUSES = {
    0: "the enclave runs a different image (EIF) than the one expected",
    1: "the enclave's kernel or bootstrap differs (another nitro-cli or enclave blobs version)",
    2: "the application inside the image differs (the user ramdisk changed)",
    3: "the parent instance has a different IAM role",
    4: "the enclave runs on a different parent instance",
    8: "the EIF was signed with a different certificate, or not signed",
}
USER_PCR_CAUSE = "the enclave extended this user PCR with different data"
DEBUG_CAUSE = "debug mode zeroes PCR0/1/2/8: launch without --debug-mode"


def _short(value: bytes) -> str:
    return value.hex()[:16] + "…" if len(value) > 8 else value.hex()


def pcr_mismatch(
    index: int, expected: bytes, actual: bytes | None, debug: bool
) -> tuple[str, str] | None:
    """(what differs, likely cause) for one expected PCR; None when it matches."""
    if actual == expected:
        return None
    if actual is None:
        return (
            f"PCR{index}: expected {_short(expected)}, the document has no PCR{index}",
            f"PCR{index}: user PCRs 16–31 appear only once the enclave locks them",
        )
    what = f"PCR{index}: expected {_short(expected)}, found {_short(actual)}"
    if debug and not any(actual) and index in (0, 1, 2, 8):
        return what, f"PCR{index}: {DEBUG_CAUSE}"
    cause = CAUSES.get(index, USER_PCR_CAUSE if 16 <= index <= 31 else "unknown PCR")
    return what, f"PCR{index}: {cause}"
