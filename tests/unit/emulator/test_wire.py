"""The emulator's bounded request reading (wire.py): framing headers, chunked decoding, the body
budget, JSON limits — plain cases and Hypothesis properties (pure functions, bounded runs)."""

from __future__ import annotations

import io
import json
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fcctl.emulator import errors, wire

PROPS = settings(max_examples=200, deadline=None)


# --- Content-Length / Transfer-Encoding ------------------------------------------------------
@pytest.mark.parametrize("values, expected", [
    ([], None), (["0"], 0), (["17"], 17), ([" 17\t"], 17),
])
def test_content_length_accepted(values, expected):
    assert wire.content_length(values) == expected


@pytest.mark.parametrize("values", [
    ["-1"], ["+5"], ["1_000"], ["0x10"], [""], ["5", "6"], ["5, 6"], ["1" * 20], ["５"],
    # identical repeats are refused too (RFC 9110 §8.6 allows either; folding invites smuggling)
    ["5", "5"], ["5, 5"], ["5,"],
])
def test_content_length_refused(values):
    with pytest.raises(wire.WireError):
        wire.content_length(values)


@given(st.lists(st.text(max_size=30), max_size=3))
@PROPS
def test_content_length_never_raises_anything_else(values):
    try:
        got = wire.content_length(values)
    except wire.WireError:
        return
    assert got is None or 0 <= got < 10 ** 19


@pytest.mark.parametrize("values, chunked", [([], False), (["chunked"], True),
                                             (["Chunked "], True)])
def test_transfer_encoding(values, chunked):
    assert wire.transfer_chunked(values) is chunked


@pytest.mark.parametrize("values", [["gzip"], ["gzip, chunked"], ["chunked, chunked"], [""]])
def test_transfer_encoding_refused(values):
    with pytest.raises(wire.WireError):
        wire.transfer_chunked(values)


# --- chunked ------------------------------------------------------------------------------------
def chunked(*parts: bytes, ext: bytes = b"") -> bytes:
    # an empty chunk would be the last one
    return b"".join(b"%x%s\r\n%s\r\n" % (len(p), ext, p) for p in parts if p) + b"0\r\n\r\n"


def test_chunked_decodes_with_extensions_and_trailers():
    raw = io.BytesIO(b"5\r\nhello\r\n6;ext=1;b\r\n world\r\n0;z\r\nX-Trailer: 1\r\n\r\n")
    assert wire.read_chunked(raw, 100) == b"hello world"


@pytest.mark.parametrize("raw, error", [
    (b"-5\r\nhello\r\n0\r\n\r\n", wire.WireError),
    (b"zz\r\n", wire.WireError),
    (b"0x5\r\nhello\r\n0\r\n\r\n", wire.WireError),
    (b"+5\r\nhello\r\n0\r\n\r\n", wire.WireError),
    (b"5\r\nhel", wire.WireError),  # ends early
    (b"5\r\nhelloXX0\r\n\r\n", wire.WireError),  # no CRLF after the data
    (b"f" * 17 + b"\r\n", wire.WireError),
    (b"1" * 5000, wire.WireError),  # a size line that never ends
    (b"ffffffffffffffff\r\n", wire.TooLarge),  # refused before reading
    (b"65\r\n", wire.TooLarge),  # 101 > 100
    (b"0\r\n" + b"X: y\r\n" * 100 + b"\r\n", wire.WireError),  # trailers without end
])
def test_chunked_refusals(raw, error):
    with pytest.raises(error):
        wire.read_chunked(io.BytesIO(raw), 100)


def test_chunked_total_is_capped_across_chunks():
    with pytest.raises(wire.TooLarge) as exc:
        wire.read_chunked(io.BytesIO(chunked(b"a" * 60, b"b" * 60)), 100)
    assert exc.value.limit == 100


def test_chunked_reserves_before_reading():
    asked: list[int] = []
    assert wire.read_chunked(io.BytesIO(chunked(b"ab", b"cde")), 100, asked.append) == b"abcde"
    assert asked == [2, 3]


@given(st.lists(st.binary(max_size=40), max_size=6), st.sampled_from([b"", b";a=b", b";x"]))
@PROPS
def test_chunked_round_trip(parts, ext):
    assert wire.read_chunked(io.BytesIO(chunked(*parts, ext=ext)), 10_000) == b"".join(parts)


@given(st.binary(max_size=300))
@PROPS
def test_chunked_never_raises_anything_else_and_respects_the_cap(raw):
    try:
        out = wire.read_chunked(io.BytesIO(raw), 64)
    except wire.WireError:
        return
    assert len(out) <= 64


# --- the body budget --------------------------------------------------------------------------
def test_budget_waits_then_gives_up():
    budget = wire.BodyBudget(100)
    assert budget.acquire(80, 1)
    assert not budget.acquire(30, 0.05)
    assert not budget.try_acquire(30)
    assert budget.try_acquire(20)
    budget.release(80)
    assert budget.acquire(30, 0) and budget.used == 50
    assert not budget.acquire(101, 10)  # can never fit: no wait


def test_budget_wakes_a_waiter_on_release():
    budget = wire.BodyBudget(100)
    budget.acquire(100, 0)
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(budget.acquire(50, 30)))
    waiter.start()
    budget.release(100)
    waiter.join(30)
    assert got == [True] and budget.used == 50


# --- JSON ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    "[" * (wire.MAX_JSON_DEPTH + 1) + "]" * (wire.MAX_JSON_DEPTH + 1),
    '{"a": ' * 70 + "1" + "}" * 70,
    "9" * 5000, "-" + "9" * 5000, str(2 ** 63), str(-(2 ** 63) - 1),
    "1e999", "-1e999", "NaN", "Infinity", "-Infinity", '{"x": [1, 2, NaN]}',
    "not json", '{"a": 1', b"\xff\xfe".decode("latin-1"),
])
def test_json_beyond_limits_is_invalid_argument(text):
    with pytest.raises(errors.InvalidArgument):
        wire.loads(text)


def test_json_within_limits():
    deep = "[" * wire.MAX_JSON_DEPTH + "]" * wire.MAX_JSON_DEPTH
    assert wire.loads(deep) is not None
    assert wire.loads(f'{{"a": {2 ** 63 - 1}, "b": -1.5e300, "c": [true, null]}}') == {
        "a": 2 ** 63 - 1, "b": -1.5e300, "c": [True, None]}
    assert wire.loads(b'{"u": "\\u00e9"}') == {"u": "é"}


def test_bytes_that_are_not_utf8():
    with pytest.raises(errors.InvalidArgument):
        wire.loads(b'{"a": "\xff"}')


@given(st.text(max_size=200))
@PROPS
def test_json_loads_never_raises_anything_else(text):
    try:
        doc = wire.loads(text)
    except errors.InvalidArgument:
        return
    json.dumps(doc, allow_nan=False)  # whatever it accepts can be written back as JSON


@given(st.recursive(st.none() | st.booleans() | st.integers(-(2 ** 63), 2 ** 63 - 1)
                    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=10),
                    lambda kids: st.lists(kids, max_size=4)
                    | st.dictionaries(st.text(max_size=5), kids, max_size=4),
                    max_leaves=20))
@PROPS
def test_json_within_limits_round_trips(doc):
    assert wire.loads(json.dumps(doc)) == doc
