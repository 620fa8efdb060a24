"""Table-driven tests of run-enclave's rules: each input, nitro-cli's code and message."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.nitro_errors import MESSAGES, NitroCliCode, NitroCliError, detailed_info
from core.platform import rules
from core.platform.base import EnclaveInfo
from core.platform.cpulist import format_cpulist, parse_cpulist
from core.platform.sim.profiles import PROFILES

MIB = 1 << 20
M5X = {c.cpu: c for c in PROFILES["m5.xlarge"].topology()}  # cores {0,2} {1,3}
M52X = {c.cpu: c for c in PROFILES["m5.2xlarge"].topology()}  # cores {0,4} {1,5} {2,6} {3,7}
C6G = {c.cpu: c for c in PROFILES["c6g.4xlarge"].topology()}


def code_of(call: object, *args: object) -> int:
    with pytest.raises(NitroCliError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value.exit_code


def test_error_table_covers_e00_to_e60_in_enum_order() -> None:
    assert [c.value for c in NitroCliCode] == list(range(61))
    assert sorted(MESSAGES) == list(range(61))
    assert NitroCliCode.InsufficientMemoryRequested == 26
    assert NitroCliCode.EnclaveNamingError == 58


def test_error_text_exit_code_and_docs_link() -> None:
    error = NitroCliError(26, "memory", 10, 24, fix="more")
    assert error.exit_code == 26
    text = str(error)
    assert text.startswith(
        "[ E26 ] Insufficient memory requested. User provided `memory` is 10 MB, but based on "
        "the EIF file size, the minimum memory should be 24 MB"
    )
    assert "https://docs.aws.amazon.com/enclaves/latest/user/cli-errors.html#E26" in text
    assert text.endswith("fix: more")
    assert detailed_info(1) == (
        "[ E01 ] Missing mandatory argument. User did not provide the `MISSING_INFO` argument."
    )


@pytest.mark.parametrize(
    ("text", "mib"),
    [("512", 512), ("512M", 512), ("512m", 512), ("2G", 2048), ("2g", 2048), ("1T", 1 << 20)],
)
def test_memory_suffixes(text: str, mib: int) -> None:
    assert rules.parse_memory(text) == mib


@pytest.mark.parametrize("text", ["", "12K", "1.5G", "-5", "G", "5GB"])
def test_bad_memory_is_e03(text: str) -> None:
    assert code_of(rules.parse_memory, text) == 3


@pytest.mark.parametrize(
    ("cid", "result"), [(None, None), (0, None), (4, 4), (16, 16), (0xFFFFFFFE, 0xFFFFFFFE)]
)
def test_valid_cids(cid: int | None, result: int | None) -> None:
    assert rules.check_cid(cid) == result


@pytest.mark.parametrize("cid", [1, 2, 3, 0xFFFFFFFF, 1 << 40, -1])
def test_reserved_or_too_large_cids_are_e03(cid: int) -> None:
    assert code_of(rules.check_cid, cid) == 3


@pytest.mark.parametrize(
    ("memory", "eif_size", "code"),
    [
        (0, 1, 26),  # nothing requested
        (15, 4 * MIB - 1, 26),  # 4 × ceil(4 MiB - 1 B) = 16
        (16, 4 * MIB - 1, 29),  # passes 4×, but under the driver's 64 MiB
        (63, 1000, 29),
        (399, 100 * MIB, 26),
        (400, 100 * MIB + 1, 26),  # ceil rounds the EIF up to 101 MiB → 404
    ],
)
def test_memory_rules(memory: int, eif_size: int, code: int) -> None:
    assert code_of(rules.check_memory, memory, eif_size) == code


@pytest.mark.parametrize(("memory", "eif_size"), [(64, 1000), (404, 100 * MIB + 1), (64, 16 * MIB)])
def test_memory_accepted(memory: int, eif_size: int) -> None:
    rules.check_memory(memory, eif_size)


def test_e26_names_the_minimum() -> None:
    with pytest.raises(NitroCliError) as caught:
        rules.check_memory(100, 30 * MIB)
    assert "is 100 MB" in caught.value.what and "should be 120 MB" in caught.value.what
    assert (
        caught.value.detail
        == "At least 120 MB must be allocated (which is 4 times the EIF file size)"
    )


def test_zero_memory_names_the_real_minimum_not_a_placeholder() -> None:
    with pytest.raises(NitroCliError) as caught:
        rules.check_memory(0, 30 * MIB)
    assert "should be 120 MB" in caught.value.what and "MISSING_INFO" not in str(caught.value)
    assert caught.value.fix == "run with --memory 120 or more"


def test_the_app_names_the_code_once() -> None:
    from rich.text import Text

    from tui.engine.errors import error_markup

    with pytest.raises(NitroCliError) as caught:
        rules.check_memory(0, 30 * MIB)
    shown = Text.from_markup(error_markup(caught.value)).plain
    assert shown.count("E26") == 1 and "MISSING_INFO" not in shown and "120" in shown


@pytest.mark.parametrize(
    ("cpu_ids", "pool", "code"),
    [((1, 1), (1, 3), 20), ((1, 3, 3), (1, 3), 20), ((2,), (1, 3), 21), ((1, 5), (1, 3), 21)],
)
def test_cpu_id_rules(cpu_ids: tuple[int, ...], pool: tuple[int, ...], code: int) -> None:
    assert code_of(rules.check_cpu_ids, cpu_ids, pool) == code


@pytest.mark.parametrize(("count", "pool", "code"), [(3, (1, 3), 22), (0, (1, 3), 29)])
def test_cpu_count_rules(count: int, pool: tuple[int, ...], code: int) -> None:
    assert code_of(rules.check_cpu_count, count, pool) == code


@pytest.mark.parametrize(
    ("count", "pool", "used", "expected"),
    [
        (2, (1, 3), (), (1, 3)),  # m5.xlarge: the one core outside CPU 0's
        (2, (1, 2, 5, 6), (1, 5), (2, 6)),  # next free full core
        (4, (1, 2, 5, 6), (), (1, 2, 5, 6)),
    ],
)
def test_driver_picks_full_cores(
    count: int, pool: tuple[int, ...], used: tuple[int, ...], expected: tuple[int, ...]
) -> None:
    topology = M5X if max(pool) < 4 else M52X
    assert rules.pick_cpus(count, pool, used, topology) == expected


@pytest.mark.parametrize(
    ("count", "pool", "used", "detail"),
    [
        (1, (1, 5), (), "full CPU cores have not been set"),  # SMT: 1 thread of a core
        (2, (1, 3), (), "no CPUs are available in the pool"),  # no whole core in the pool
        (3, (1, 2, 5, 6), (), "full CPU cores have not been set"),
        (2, (1, 2, 5, 6), (1, 2, 5, 6), "no CPUs are available in the pool"),
    ],
)
def test_driver_cpu_failures_are_e29(
    count: int, pool: tuple[int, ...], used: tuple[int, ...], detail: str
) -> None:
    with pytest.raises(NitroCliError) as caught:
        rules.pick_cpus(count, pool, used, M52X)
    assert caught.value.exit_code == 29 and detail in (caught.value.detail or "")


def test_graviton_takes_single_cpus() -> None:
    assert rules.pick_cpus(1, (1, 2, 3), (), C6G) == (1,)
    assert rules.pick_cpus(2, (1, 2, 3), (2,), C6G) == (1, 3)
    with pytest.raises(NitroCliError):
        rules.pick_cpus(3, (1, 2, 3), (2,), C6G)


def test_explicit_cpus_must_be_free_and_full_cores() -> None:
    assert code_of(rules.check_cpus_free, (1, 3), {3}) == 29
    assert code_of(rules.check_full_cores, (1,), M5X) == 29
    rules.check_full_cores((1, 3), M5X)


@pytest.mark.parametrize(
    ("memory", "free", "regions"),
    [
        (1600, {1024: 2}, [1024, 1024]),  # the real 1600 → 2048 case
        (512, {2: 256}, [2] * 256),
        (1600, {1024: 2, 2: 512}, [1024] + [2] * 288),
        (1025, {1024: 2, 2: 0}, [1024, 1024]),
        (64, {2: 32, 1024: 1}, [2] * 32),
        (1000, {2: 100, 1024: 1}, [1024]),  # smallest-first rescue, then surplus 2 MiB freed
    ],
)
def test_memory_regions_follow_nitro_cli(
    memory: int, free: dict[int, int], regions: list[int]
) -> None:
    assert rules.allocate_regions(memory, free) == regions


def test_not_enough_hugepages_is_e27() -> None:
    with pytest.raises(NitroCliError) as caught:
        rules.allocate_regions(600, {2: 256})
    assert caught.value.exit_code == 27
    assert "`memory` is 600 MB" in caught.value.what


@pytest.mark.parametrize(
    ("path", "name"), [("/x/hello.eif", "hello"), ("hello", "hello"), ("a/b.c.eif", "b.c")]
)
def test_default_name(path: str, name: str) -> None:
    assert rules.default_name(path) == name


def test_unique_name_suffixes() -> None:
    assert rules.unique_name("app", set()) == "app"
    assert rules.unique_name("app", {"app"}) == "app_1"
    assert rules.unique_name("app", {"app", "app_1"}) == "app_2"


def _enclave(name: str, debug: bool = False) -> EnclaveInfo:
    return EnclaveInfo(name, f"i-x-enc{name}", 1, 16, (1, 3), 512, "RUNNING", debug)


def test_names_resolve_or_e58() -> None:
    one, two = _enclave("a"), _enclave("b")
    assert rules.match_name("a", [one, two]) is one
    for name, enclaves, detail in [
        ("c", [one, two], "No enclave matched the given name."),
        ("a", [one, _enclave("a")], "Conflicting enclave names have been found."),
    ]:
        with pytest.raises(NitroCliError) as caught:
            rules.match_name(name, enclaves)
        assert caught.value.exit_code == 58 and caught.value.detail == detail


def test_console_needs_debug_mode_e44() -> None:
    rules.check_console_allowed(_enclave("a", debug=True))
    with pytest.raises(NitroCliError) as caught:
        rules.check_console_allowed(_enclave("a"))
    assert caught.value.exit_code == 44 and "--debug-mode" in (caught.value.detail or "")


@pytest.mark.parametrize(
    ("text", "cpus"), [("1-3,5", (1, 2, 3, 5)), ("5,1", (1, 5)), ("", ()), ("2, 3", (2, 3))]
)
def test_cpulist_parse(text: str, cpus: tuple[int, ...]) -> None:
    assert parse_cpulist(text) == cpus


@pytest.mark.parametrize("text", ["0-3-7", "a", "3-1", "1,,x"])
def test_cpulist_bad_interval_is_e24(text: str) -> None:
    assert code_of(parse_cpulist, text) == 24


@given(st.sets(st.integers(min_value=0, max_value=200)))
def test_cpulist_roundtrip(cpus: set[int]) -> None:
    assert parse_cpulist(format_cpulist(cpus)) == tuple(sorted(cpus))


@given(st.text(max_size=20))
def test_memory_parser_never_crashes(text: str) -> None:
    try:
        assert rules.parse_memory(text) >= 0
    except NitroCliError as error:
        assert error.exit_code == 3
