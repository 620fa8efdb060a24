"""The lab library, in teaching order."""

from __future__ import annotations

from core.errors import UsageError
from core.labs.kms_labs import DEBUG, DISABLED, GRANTS, HAPPY, OPEN, PARENT, REBUILT
from core.labs.model import Lab
from core.labs.platform_labs import BUSY, SIGNED, SMALL, STALE

LABS: tuple[Lab, ...] = (
    HAPPY,
    DEBUG,
    REBUILT,
    PARENT,
    STALE,
    SMALL,
    BUSY,
    OPEN,
    GRANTS,
    SIGNED,
    DISABLED,
)


def get_lab(name: str) -> Lab:
    """The lab called `name` (or its number in `nitrodeck lab list`)."""
    for number, lab in enumerate(LABS, 1):
        if name in (lab.name, str(number)):
            return lab
    raise UsageError(
        f"there is no lab {name!r}",
        where="lab name",
        fix="pick one of: " + ", ".join(lab.name for lab in LABS),
    )
