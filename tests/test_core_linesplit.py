"""core.linesplit: chunk boundaries never change the lines a console shows."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from core.linesplit import LineSplitter


def split_all(chunks: list[bytes], max_line: int = 65536) -> list[str]:
    splitter = LineSplitter(max_line=max_line)
    lines: list[str] = []
    for chunk in chunks:
        lines.extend(splitter.feed(chunk))
    return lines + splitter.flush()


def cut(data: bytes, points: list[int]) -> list[bytes]:
    edges = sorted({0, len(data), *(p % (len(data) + 1) for p in points)})
    return [data[a:b] for a, b in itertools.pairwise(edges)]


# Text that can be UTF-8 encoded (no lone surrogates), as any console byte stream decodes to.
TEXT = st.characters(exclude_categories=("Cs",))
LINE = st.characters(exclude_categories=("Cs",), exclude_characters="\r\n")


@given(st.text(alphabet=TEXT), st.lists(st.integers(min_value=0, max_value=10_000), max_size=20))
def test_any_chunking_gives_the_same_lines(text: str, points: list[int]) -> None:
    data = text.encode("utf-8")
    assert split_all(cut(data, points)) == split_all([data])


@given(st.lists(st.text(alphabet=LINE), min_size=1))
def test_lines_round_trip(lines: list[str]) -> None:
    assert split_all(["\n".join(lines).encode()]) == (lines if lines[-1] else lines[:-1])


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    assert split_all([b"a\r", b"\nb\r\n"]) == ["a", "b"]


def test_partial_line_is_held_until_its_newline() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b"hal") == []
    assert splitter.partial == "hal"
    assert splitter.feed(b"f\nrest") == ["half"]
    assert splitter.flush() == ["rest"]
    assert splitter.flush() == []


def test_invalid_utf8_becomes_replacement_characters() -> None:
    assert split_all([b"ok \xff\xfe\n"]) == ["ok \ufffd\ufffd"]


def test_newline_less_flood_is_cut_at_max_line() -> None:
    splitter = LineSplitter(max_line=4)
    assert splitter.feed(b"abcdefghij") == ["abcd", "efgh"]
    assert splitter.partial == "ij"


@given(st.binary(max_size=300), st.integers(min_value=1, max_value=50))
def test_memory_stays_bounded(data: bytes, max_line: int) -> None:
    splitter = LineSplitter(max_line=max_line)
    splitter.feed(data)
    assert len(splitter.partial) <= max_line
