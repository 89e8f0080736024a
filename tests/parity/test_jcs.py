"""RFC 8785 canonical JSON: the RFC's own vectors, and agreement with ECMAScript."""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spec_kitty_events._jcs import canonicalize


def test_rfc_8785_section_3_2_2_example() -> None:
    value = {
        "numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/",
        "literals": [None, True, False],
    }
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonicalize(value) == expected.encode("utf-8")


def test_rfc_8785_section_3_2_3_sorting_by_utf16_code_units() -> None:
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys = list(json.loads(canonicalize(value)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


# RFC 8785 Appendix B: IEEE-754 bit patterns and their canonical text.
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "text"), APPENDIX_B)
def test_rfc_8785_appendix_b_numbers(bits: str, text: str) -> None:
    (value,) = struct.unpack(">d", bytes.fromhex(bits))
    assert canonicalize(value) == text.encode()


@pytest.mark.parametrize("bits", ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])
def test_nan_and_infinities_are_rejected(bits: str) -> None:
    (value,) = struct.unpack(">d", bytes.fromhex(bits))
    with pytest.raises(ValueError, match="no JSON representation"):
        canonicalize(value)


def test_integers_strings_and_nesting() -> None:
    assert canonicalize([1, -2, 0, 2**53]) == b"[1,-2,0,9007199254740992]"
    assert canonicalize({"b": [], "a": {}}) == b'{"a":{},"b":[]}'
    assert canonicalize(("x",)) == b'["x"]'
    assert canonicalize("tab\there\u0001") == b'"tab\\there\\u0001"'
    assert canonicalize("caf\u00e9") == '"caf\u00e9"'.encode()


@pytest.mark.parametrize("bad", [{1: "x"}, {"a": object()}, {1.5}])
def test_non_json_values_are_type_errors(bad: Any) -> None:
    with pytest.raises(TypeError):
        canonicalize(bad)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@settings(max_examples=50)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=200))
def test_numbers_match_ecmascript_json_stringify(values: list[float]) -> None:
    hexes = "\n".join(struct.pack(">d", v).hex() for v in values)
    script = (
        "const ls=require('fs').readFileSync(0,'utf8').trim().split('\\n');"
        "for(const h of ls){console.log(JSON.stringify(Buffer.from(h,'hex').readDoubleBE(0)));}"
    )
    out = subprocess.run(
        ["node", "-e", script], input=hexes, capture_output=True, text=True, check=True
    ).stdout.split()
    assert [canonicalize(v).decode() for v in values] == out


def _reference_string(text: str) -> str:
    """RFC 8785 §3.2.2.2 written out: escape only what the RFC names."""
    named = {
        '"': '\\"',
        "\\": "\\\\",
        "\b": "\\b",
        "\f": "\\f",
        "\n": "\\n",
        "\r": "\\r",
        "\t": "\\t",
    }
    body = "".join(named.get(c) or (f"\\u{ord(c):04x}" if ord(c) < 0x20 else c) for c in text)
    return f'"{body}"'


@settings(max_examples=300)
@given(st.text())
def test_strings_escape_exactly_what_the_rfc_names(text: str) -> None:
    assert canonicalize(text) == _reference_string(text).encode("utf-8")


def test_a_lone_surrogate_cannot_be_canonicalized() -> None:
    with pytest.raises(UnicodeEncodeError):
        canonicalize("\ud800")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@settings(max_examples=30)
@given(st.lists(st.text(), min_size=1, max_size=50))
def test_strings_match_ecmascript_json_stringify(values: list[str]) -> None:
    script = (
        "const vs=JSON.parse(require('fs').readFileSync(0,'utf8'));"
        "process.stdout.write(JSON.stringify(vs.map(v=>JSON.stringify(v))));"
    )
    out = subprocess.run(
        ["node", "-e", script],
        input=json.dumps(values),
        capture_output=True,
        encoding="utf-8",
        check=True,
    ).stdout
    assert [canonicalize(v).decode("utf-8") for v in values] == json.loads(out)
