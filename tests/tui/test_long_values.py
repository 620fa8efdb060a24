"""Long values: short where they repeat, whole once, folded at a fixed width."""

from __future__ import annotations

from tui.presenters.long_values import ShownOnce, fold_values, folded, short

PCR = "ab" * 48


def test_short_keeps_head_and_tail_and_leaves_short_values_alone() -> None:
    assert short(PCR) == PCR[:11] + "…" + PCR[-4:]
    assert short("demo") == "demo"


def test_a_pcr_folds_into_two_whole_lines_under_its_start() -> None:
    assert folded(PCR, indent="  ") == PCR[:48] + "\n  " + PCR[48:]
    text = fold_values(f"PCR0 {PCR}\nname demo")
    assert text == f"PCR0 {PCR[:48]}\n     {PCR[48:]}\nname demo"


def test_shown_once_shortens_every_later_mention() -> None:
    once = ShownOnce()
    first = once(f"expected {PCR}")
    again = once(f"the policy pins {PCR.upper()} only")
    assert PCR in first and PCR not in again.lower() and "…" in again
