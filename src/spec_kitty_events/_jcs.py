"""RFC 8785 JSON Canonicalization Scheme (JCS).

One canonical byte string per JSON value, so that a hash over it is the same in every language:
object members sorted by the UTF-16 code units of their names, no insignificant white space,
strings with the minimal escaping of ECMAScript's ``JSON.stringify``, and numbers in
ECMAScript's shortest round-trip form (``1e+21``, ``0.000001``, ``1e-7``).
"""

from __future__ import annotations

import json
import math
from typing import Any, List

_encode_string = json.JSONEncoder(ensure_ascii=False).encode


def canonicalize(value: Any) -> bytes:
    """The UTF-8 bytes of the canonical form of a JSON value.

    Accepts what ``json.loads`` produces (dict with str keys, list, tuple, str, int, float, bool,
    None).  Raises ``ValueError`` for NaN and infinities, ``TypeError`` for anything else.
    """
    parts: List[str] = []
    _write(value, parts)
    return "".join(parts).encode("utf-8")


def _write(value: Any, out: List[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int):
        out.append(_number(float(value)) if abs(value) >= 2**53 else str(value))
    elif isinstance(value, float):
        out.append(_number(value))
    elif isinstance(value, dict):
        _write_object(value, out)
    elif isinstance(value, (list, tuple)):
        _write_array(value, out)
    else:
        raise TypeError(f"not a JSON value: {type(value).__name__}")


def _write_object(value: dict[Any, Any], out: List[str]) -> None:
    for key in value:
        if not isinstance(key, str):
            raise TypeError(f"object keys must be strings, got {type(key).__name__}")
    out.append("{")
    for index, key in enumerate(sorted(value, key=_utf16_units)):
        if index:
            out.append(",")
        out.append(_string(key))
        out.append(":")
        _write(value[key], out)
    out.append("}")


def _write_array(value: Any, out: List[str]) -> None:
    out.append("[")
    for index, item in enumerate(value):
        if index:
            out.append(",")
        _write(item, out)
    out.append("]")


def _utf16_units(text: str) -> bytes:
    # Big-endian UTF-16 bytes compare exactly as the sequence of 16-bit code units does.
    return text.encode("utf-16-be", "surrogatepass")


def _string(text: str) -> str:
    # Python's JSON string encoder with ensure_ascii=False escapes exactly what RFC 8785 asks
    # for ('"', '\\', \b \f \n \r \t, other controls as lower-case \u00xx) and nothing more.
    return _encode_string(text)


def _number(value: float) -> str:
    """ECMAScript Number::toString for a finite double (RFC 8785 §3.2.2.3)."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"{value!r} has no JSON representation")
    if value == 0:
        return "0"
    if value < 0:
        return "-" + _number(-value)
    digits, exponent = _shortest_digits(value)
    # The value is 0.d1d2...dk x 10^n with n = exponent, as in the ECMAScript algorithm.
    k = len(digits)
    n = exponent
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    sign = "+" if n - 1 >= 0 else "-"
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{sign}{abs(n - 1)}"


def _shortest_digits(value: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of a positive double and its exponent ``n``.

    Python's ``repr`` already yields the shortest round-trip digits; only the layout differs
    from ECMAScript, so the digits and the decimal exponent are read back out of it.
    """
    mantissa, _, exp_text = repr(value).partition("e")
    exponent = int(exp_text) if exp_text else 0
    whole, _, fraction = mantissa.partition(".")
    if fraction == "0":
        fraction = ""
    digits = (whole + fraction).lstrip("0")
    # position of the decimal point relative to the first significant digit
    point = len(whole) + exponent
    leading_zeros = len(whole + fraction) - len((whole + fraction).lstrip("0"))
    n = point - leading_zeros
    return digits.rstrip("0") or "0", n
