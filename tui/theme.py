"""nitrodeck's own colour theme: AWS-ish amber accents on a deep navy, readable over SSH."""

from __future__ import annotations

from textual.theme import Theme

NITRODECK_THEME = Theme(
    name="nitrodeck",
    primary="#FF9900",
    secondary="#5AA9E6",
    accent="#FFB84D",
    foreground="#E6EDF3",
    background="#0D1520",
    surface="#142030",
    panel="#1C2B3F",
    success="#3FB950",
    warning="#D29922",
    error="#F85149",
    dark=True,
)
