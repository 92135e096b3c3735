"""Plain data to and from frozen dataclasses, through their type hints.

Used where a value must be kept as text and read back exactly: the plan cache (JSON,
never pickle: reading a writable pickle can run code) and the state snapshots the
store keeps beside the audit trail. Decoding checks every value's type, so a damaged
or foreign document raises :class:`DecodeError` instead of building a wrong object.

A class may give its own plain form with a ``to_plain()`` method and a ``from_plain(data)``
class method (raising ValueError, KeyError or TypeError on a wrong shape), e.g. a time
that is usually exact and then needs one value, not three.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from typing import Any


class DecodeError(ValueError):
    """The data does not have the shape of the type asked for."""


_PLAIN = frozenset((str, int, float, bool, type(None)))
# How encode() writes each field of a dataclass type it has met: as it is, as an ISO
# time (or null), or through encode(). Decided from the field's type hint.
_AS_IS, _ISO, _ANY = 0, 1, 2
_FIELDS: dict[type, tuple[tuple[str, int], ...]] = {}


def _how(hint: Any) -> int:
    if hint in _PLAIN:
        return _AS_IS
    if hint is datetime:
        return _ISO
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Literal and all(type(a) in _PLAIN for a in args):
        return _AS_IS
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1 and _how(rest[0]) != _ANY:
            return _how(rest[0])
    return _ANY


def _fields_of(kind: type) -> tuple[tuple[str, int], ...]:
    try:
        hints = typing.get_type_hints(kind)
    except (NameError, TypeError):
        hints = {}
    found = tuple(
        (f.name, _how(hints[f.name]) if f.name in hints else _ANY)
        for f in dataclasses.fields(kind)
        if not f.name.startswith("_")
    )
    _FIELDS[kind] = found
    return found


def encode(value: Any, _seen: dict[int, Any] | None = None) -> Any:
    """A JSON-ready form of ``value`` (dataclasses, tuples, sets, mappings, datetimes).

    A dataclass instance met again within one value (an incident's detection time is
    also the start of its first wave…) is encoded once.
    """
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is datetime:
        return value.isoformat()
    if hasattr(value, "to_plain") and not isinstance(value, type):
        return value.to_plain()
    spec = _FIELDS.get(kind)
    if spec is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        spec = _fields_of(kind)
    if spec is not None:
        seen = {} if _seen is None else _seen
        done = seen.get(id(value))
        if done is not None:
            return done
        out = {}
        for name, how in spec:
            item = getattr(value, name)
            if how == _AS_IS or item is None:
                out[name] = item
            elif how == _ISO and type(item) is datetime:
                out[name] = item.isoformat()
            else:
                out[name] = encode(item, seen)
        seen[id(value)] = out
        return out
    if kind is tuple or kind is list:
        return [encode(v, _seen) for v in value]
    if kind is dict:
        return {str(k): encode(v, _seen) for k, v in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(encode(v, _seen) for v in value)
    if isinstance(value, tuple | list):
        return [encode(v, _seen) for v in value]
    if isinstance(value, Mapping):
        return {str(k): encode(v, _seen) for k, v in value.items()}
    return value


def dumps(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, Chinese kept as is."""
    kind = type(value)
    plain = _encoder(kind)(value) if dataclasses.is_dataclass(kind) else encode(value)
    return json.dumps(plain, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


Encoder = Callable[[Any], Any]


@cache
def _encoder(kind: Any) -> Encoder:  # noqa: C901 - one branch per kind of type
    """:func:`encode` specialised for values of the type ``kind``, from its type hints.

    Verify and every write encode whole incident states, so the per-type work (which
    fields, what each holds) is done once here. Each encoder checks the value has the
    type it expects and hands anything else to :func:`encode`, so the output is the
    same as :func:`encode`'s for any value.
    """
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if kind in (str, int, bool, float, type(None)) or origin is typing.Literal:
        scalars = (str, int, float, type(None))
        return lambda v: v if isinstance(v, scalars) else encode(v)
    if kind is datetime:
        return lambda v: v.isoformat() if type(v) is datetime else encode(v)
    if origin in (typing.Union, types.UnionType):
        others = [a for a in args if a is not type(None)]
        if len(others) == 1:
            inner = _encoder(others[0])
            return lambda v: None if v is None else inner(v)
        return encode
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _encoder(args[0])
        return lambda v: [item(x) for x in v] if type(v) is tuple else encode(v)
    if origin in (dict, Mapping, typing.Mapping) and args and args[0] is str:
        value = _encoder(args[1])
        return lambda v: (
            {k: value(x) for k, x in v.items()}
            if type(v) is dict and all(type(k) is str for k in v)
            else encode(v)
        )
    if isinstance(kind, type) and hasattr(kind, "to_plain"):
        plain: Encoder = kind.to_plain
        return lambda v: plain(v) if type(v) is kind else encode(v)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _record_encoder(kind)
    return encode


_SCALARS = (str, int, float, type(None))


def _record_encoder(kind: type) -> Encoder:
    """The encoder of a dataclass, written out as one function (as :mod:`dataclasses`
    writes ``__init__``): a dict display with one entry per field, scalars and times
    inline, other fields through their own encoders."""
    hints = typing.get_type_hints(kind)
    namespace: dict[str, Any] = {
        "_kind": kind, "_encode": encode, "_scalars": _SCALARS, "_datetime": datetime,
    }  # fmt: skip
    entries = []
    for i, f in enumerate(dataclasses.fields(kind)):
        if f.name.startswith("_"):
            continue
        hint = hints[f.name]
        value = f"v.{f.name}"
        if hint in (str, int, bool, float, type(None)) or typing.get_origin(hint) is typing.Literal:
            expr = f"(x if isinstance(x := {value}, _scalars) else _encode(x))"
        elif hint is datetime:
            expr = f"(x.isoformat() if type(x := {value}) is _datetime else _encode(x))"
        else:
            namespace[f"_e{i}"] = _encoder(hint)
            expr = f"_e{i}({value})"
        entries.append(f"{f.name!r}: {expr}")
    source = (
        "def record(v):\n"
        "    if type(v) is not _kind:\n"
        "        return _encode(v)\n"
        f"    return {{{', '.join(entries)}}}\n"
    )
    exec(source, namespace)  # noqa: S102 - code made here from the field names
    encoder: Encoder = namespace["record"]
    return encoder


def decode(kind: Any, data: Any) -> Any:
    """Build a value of type ``kind`` from :func:`encode`'s output."""
    return _decoder(kind)(data)


def loads(kind: Any, text: str) -> Any:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DecodeError(str(exc)) from None
    return decode(kind, data)


Decoder = Callable[[Any], Any]


def _expect(data: Any, kind: type | tuple[type, ...]) -> Any:
    """``data`` if it is of ``kind`` (a bool is no number); DecodeError otherwise."""
    if not isinstance(data, kind) or (isinstance(data, bool) and kind in (int, float)):
        raise DecodeError(f"expected {kind}, got {type(data).__name__}")
    return data


@cache
def _decoder(kind: Any) -> Decoder:  # noqa: C901 - one branch per kind of type
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if kind is Any:
        return lambda data: data
    if kind in (str, bool):
        return lambda data: _expect(data, kind)
    if kind is int:
        return lambda data: _expect(data, int)
    if kind is float:

        def as_float(data: Any) -> float:
            _expect(data, (int, float))
            return float(data)

        return as_float
    if kind is type(None):

        def none(data: Any) -> None:
            if data is not None:
                raise DecodeError("expected null")

        return none
    if kind is datetime:

        def when(data: Any) -> datetime:
            _expect(data, str)
            return datetime.fromisoformat(data)

        return when
    if origin is typing.Literal:

        def literal(data: Any) -> Any:
            if data not in args:
                raise DecodeError(f"expected one of {args}")
            return data

        return literal
    if origin in (typing.Union, types.UnionType):
        options = [_decoder(a) for a in args]

        def union(data: Any) -> Any:
            if data is None and type(None) in args:
                return None
            for option in options:
                try:
                    return option(data)
                except DecodeError:
                    continue
            raise DecodeError(f"no option of {kind} fits")

        return union
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            return lambda data: tuple(item(v) for v in _expect(data, list))
        items = [_decoder(a) for a in args]

        def fixed(data: Any) -> tuple[Any, ...]:
            _expect(data, list)
            if len(data) != len(items):
                raise DecodeError("wrong length")
            return tuple(d(v) for d, v in zip(items, data, strict=True))

        return fixed
    if origin in (frozenset, set):
        item = _decoder(args[0])
        return lambda data: frozenset(item(v) for v in _expect(data, list))
    if origin in (dict, Mapping, typing.Mapping):
        value = _decoder(args[1])
        return lambda data: {k: value(v) for k, v in _expect(data, dict).items()}
    if isinstance(kind, type) and hasattr(kind, "from_plain"):

        def own(data: Any) -> Any:
            try:
                return kind.from_plain(data)
            except (KeyError, TypeError, ValueError) as exc:
                raise DecodeError(f"{kind.__name__}: {exc}") from None

        return own
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _dataclass_decoder(kind)
    raise TypeError(f"cannot decode {kind!r}")  # a programming error, not bad data


def _dataclass_decoder(kind: type) -> Decoder:
    hints = typing.get_type_hints(kind)
    fields = [f for f in dataclasses.fields(kind) if not f.name.startswith("_")]
    decoders = {f.name: _decoder(hints[f.name]) for f in fields}
    required = {
        f.name
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }

    def build(data: Any) -> Any:
        _expect(data, dict)
        missing = required - data.keys()
        if missing or not data.keys() <= decoders.keys():
            raise DecodeError(f"{kind.__name__}: fields do not match")
        return kind(**{name: decoders[name](value) for name, value in data.items()})

    return build
