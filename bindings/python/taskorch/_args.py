"""Argument checks and conversions done before anything reaches C.

Wrong types raise TypeError; values C could not even represent (a NUL
inside a string, a negative count) raise ValidationError. Everything else
is left for the library to judge, so its rules and messages apply.

The values are typed ``object``: these functions are where a caller's
wrong type becomes a TypeError with a clear message.
"""
from __future__ import annotations

import collections.abc
import ctypes
import datetime
import math
import os
from typing import TYPE_CHECKING, Any, List, Optional, Sequence, Tuple, overload

if TYPE_CHECKING:
    from typing import Literal

from . import _lib as L
from .errors import ValidationError


def _type_error(what: str, expected: str, value: object) -> TypeError:
    return TypeError("%s must be %s, not %s" % (what, expected, type(value).__name__))


@overload
def text(value: object, what: str) -> bytes: ...
@overload
def text(value: object, what: str, optional: Literal[False]) -> bytes: ...
@overload
def text(value: object, what: str, optional: bool) -> Optional[bytes]: ...


def text(value: object, what: str, optional: bool = False) -> Optional[bytes]:
    """A str to NUL-terminated UTF-8 bytes (None stays None if optional).
    Lone surrogates are passed through so the library's UTF-8 check refuses
    them with its own message."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _type_error(what, "str or None" if optional else "str", value)
    if "\0" in value:
        raise ValidationError(L.TASKORCH_EINVAL, "%s contains a NUL character" % what)
    return value.encode("utf-8", "surrogatepass")


def texts(values: object, what: str) -> List[bytes]:
    """A str or an iterable of str to a list of bytes. A single str is one
    item (tags="api" means one tag, not three)."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    elif (isinstance(values, (bytes, bytearray))
          or not isinstance(values, collections.abc.Iterable)):
        raise _type_error(what, "a str or an iterable of str", values)
    return [text(v, what + " item") for v in values]


def str_array(items: Sequence[Optional[bytes]]) -> Tuple[Any, int]:
    """A list of bytes to (const char *const *, count); keep the array
    referenced while C uses it."""
    if not items:
        return None, 0
    return (ctypes.c_char_p * len(items))(*items), len(items)


@overload
def integer(value: object, what: str, minimum: Optional[int] = None,
            maximum: Optional[int] = None) -> int: ...
@overload
def integer(value: object, what: str, minimum: Optional[int] = None,
            maximum: Optional[int] = None, *, optional: bool) -> Optional[int]: ...


def integer(value: object, what: str, minimum: Optional[int] = None,
            maximum: Optional[int] = None, optional: bool = False) -> Optional[int]:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _type_error(what, "int or None" if optional else "int", value)
    if minimum is not None and value < minimum:
        raise ValidationError(L.TASKORCH_EINVAL, "%s must be at least %d, not %d"
                              % (what, minimum, value))
    if maximum is not None and value > maximum:
        raise ValidationError(L.TASKORCH_EINVAL, "%s must be at most %d, not %d"
                              % (what, maximum, value))
    return value


def flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise _type_error(what, "bool", value)
    return value


def seconds(value: object, what: str) -> Optional[float]:
    """A timeout in seconds (int or float >= 0, or None for none)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _type_error(what, "a number of seconds or None", value)
    if not value >= 0:
        raise ValidationError(L.TASKORCH_EINVAL, "%s must be a number of seconds >= 0, "
                              "not %r" % (what, value))
    return value


def _duration_text_ms(value: object, what: str) -> int:
    """A duration string ("90", "90s", "15m", "2h", "1d", "250ms"), parsed
    by the library, to milliseconds."""
    b = text(value, what)
    out = ctypes.c_int64()
    if L.taskorch_duration_parse(ctypes.byref(out), b):
        raise ValidationError(L.TASKORCH_EINVAL,
                              "%s must be a duration such as 90, 90s, 15m, 2h, 1d or 250ms "
                              "(more than zero), not '%s'" % (what, value))
    return int(out.value)


def duration_ms(value: object, what: str) -> int:
    """A length of time > 0 to whole milliseconds (at least 1): seconds as
    an int or float, a datetime.timedelta, or a duration string parsed by
    the library."""
    if isinstance(value, str):
        return _duration_text_ms(value, what)
    if isinstance(value, datetime.timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _type_error(what, "a number of seconds, a timedelta or a duration string", value)
    if not (value > 0 and math.isfinite(value)):
        raise ValidationError(L.TASKORCH_EINVAL, "%s must be more than zero seconds, not %r"
                              % (what, value))
    ms: int = max(1, round(value * 1000))
    if ms > 2**62:
        raise ValidationError(L.TASKORCH_EINVAL, "%s is too long: %r" % (what, value))
    return ms


def timeout(value: object, what: str) -> Optional[float]:
    """A timeout in seconds (float) or None: a number >= 0, a timedelta or
    a duration string."""
    if value is None:
        return None
    if isinstance(value, str):
        return _duration_text_ms(value, what) / 1000
    if isinstance(value, datetime.timedelta):
        value = value.total_seconds()
    s = seconds(value, what)
    return None if s == math.inf else s


def path(value: object, what: str = "path") -> Optional[bytes]:
    if value is None:
        return None
    if not isinstance(value, (str, bytes, os.PathLike)):
        raise _type_error(what, "str, bytes, os.PathLike or None", value)
    b = os.fsencode(value)
    if b"\0" in b:
        raise ValidationError(L.TASKORCH_EINVAL, "%s contains a NUL character" % what)
    return b


@overload
def choice(value: object, names: Sequence[str], what: str) -> int: ...
@overload
def choice(value: object, names: Sequence[str], what: str,
           optional: bool) -> Optional[int]: ...


def choice(value: object, names: Sequence[str], what: str,
           optional: bool = False) -> Optional[int]:
    """The index of value in names (a priority, status or kind name)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise _type_error(what, "str or None" if optional else "str", value)
    if what == "status" and value == "in-progress":
        value = "in_progress"
    try:
        return names.index(value)
    except ValueError:
        raise ValidationError(L.TASKORCH_EINVAL, "unknown %s '%s'; use %s or %s"
                              % (what, value, ", ".join(names[:-1]), names[-1])) from None


def choices(values: object, names: Sequence[str], what: str) -> List[int]:
    """A name or an iterable of names to a list of indexes."""
    if isinstance(values, str):
        values = [values]
    elif (not isinstance(values, collections.abc.Iterable)
          or isinstance(values, (bytes, bytearray))):
        raise _type_error(what, "a str or an iterable of str", values)
    return [choice(v, names, what) for v in values]
