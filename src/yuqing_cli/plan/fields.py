"""How a field of a plan model is written in ``plan.yaml``: the declaration vocabulary.

Each field of the models in :mod:`yuqing_cli.plan.schema` is declared once, in its
annotation::

    per_incident: Annotated[bool, flag("designated for one incident by `yq assign`")] = False

The declaration (a :class:`Key`) says the YAML key (the field's name unless given),
whether the key is required — else its default: the field's own default, else
``absent``, else empty —, what kind of value it holds and what that value names (a role
id, a level id, a step id …), and one line of documentation. The loader reads every
model through these declarations (:mod:`yuqing_cli.plan.records`), the lookups of
:class:`~yuqing_cli.plan.schema.Plan` find items by the fields declared as names, and
``docs/plan-format.md``'s tables are written from them (:mod:`yuqing_cli.plan.docs`).

A field may carry several keys (``Annotated[T, key_a, key_b]``): the first gives the
value, each further one is combined into it (``min_level`` narrows ``levels``).
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any


class Kind(enum.Enum):
    """What a key holds."""

    TEXT = "text"  # one value, kept as text (numbers and dates as written)
    FLAG = "flag"  # true or false
    NUMBER = "number"  # a positive number
    COUNT = "count"  # a positive whole number
    TEXTS = "texts"  # a list of texts
    ONE = "one"  # the id of one item of ``ref``
    MANY = "many"  # a list of ids of ``ref``
    FLOOR = "floor"  # the id of a level: it and every level above it
    CITE = "cite"  # an article of the plan: "N" or "N.M"
    HOURS = "hours"  # hours: one number, or level id (or *) -> number
    THRESHOLDS = "thresholds"  # several keys (``keys``), each a positive number
    RECORD = "record"  # a mapping, read as the field's model
    RECORDS = "records"  # a list of mappings, each read as the field's model
    PARENT = "parent"  # not written: the id of the item it is listed under
    DERIVED = "derived"  # not written: computed by the loader


class Name(enum.Enum):
    """How a field names its item, for finding what people type (:mod:`.lookup`)."""

    ID = "id"  # the item's id (a person's name): unique, exact
    ZH = "zh"  # its name in Chinese: unique prefixes are accepted, NFKC-plain
    TITLE = "title"  # a sentence in Chinese (a step's title): matched like a name
    EN = "en"  # its name in English
    ALIAS = "alias"  # another name people type (a level's roman numeral)


ID, ZH, TITLE, EN, ALIAS = Name.ID, Name.ZH, Name.TITLE, Name.EN, Name.ALIAS


# (Plain classes, not dataclasses: they are made when the models are, on every start.)


class Ref:
    """A kind of thing a value names: an item the plan lists, or one of a fixed list.

    ``noun`` gives its name in messages, translated when shown (``lambda: _("role")``);
    ``also``: or an id of this kind (a deadline's origin: or a milestone).
    """

    __slots__ = ("id", "noun", "fixed", "also")

    def __init__(
        self,
        id: str,
        noun: Callable[[], str],
        fixed: tuple[str, ...] = (),
        also: Ref | None = None,
    ) -> None:
        self.id, self.noun, self.fixed, self.also = id, noun, fixed, also


class Group:
    """A mapping of keys inside an item that holds some of its fields (e.g. ``when``)."""

    __slots__ = ("key", "doc", "required")

    def __init__(self, key: str, doc: str, required: bool = False) -> None:
        self.key, self.doc, self.required = key, doc, required


NOTHING: Any = object()  # no value given


class Key:
    """One key of ``plan.yaml`` and how it is read. Build one with the functions below.

    ``key``: the YAML key, if not the field's name; ``absent``: the value when the key is
    absent, if not the field's default; ``ref``: what the value names (ONE, MANY, FLOOR;
    the items of RECORDS); ``within``: the mapping inside the item that holds the key;
    ``names``: how it names its item in lookups; ``clean``: applied to a text as read;
    ``check``: (message, hint) if the value is bad; ``nonempty``: a list that must name at
    least one; ``keys``: THRESHOLDS, the keys it is written as; ``combine``: a further
    key, (value, this) -> value; ``anonymous``: RECORD, an item without an id of its own.
    """

    __slots__ = ("kind", "doc", "key", "required", "absent", "ref", "within", "names",
                 "clean", "check", "nonempty", "keys", "combine", "anonymous")  # fmt: skip

    def __init__(
        self,
        kind: Kind,
        doc: str,
        *,
        key: str = "",
        required: bool = False,
        absent: Any = NOTHING,
        ref: Ref | None = None,
        within: Group | None = None,
        names: Name | None = None,
        clean: Callable[[str], str] | None = None,
        check: Callable[[Any], tuple[str, str] | None] | None = None,
        nonempty: bool = False,
        keys: tuple[str, ...] = (),
        combine: Callable[[Any, Any], Any] | None = None,
        anonymous: bool = False,
    ) -> None:
        self.kind, self.doc, self.key, self.required = kind, doc, key, required
        self.absent, self.ref, self.within, self.names = absent, ref, within, names
        self.clean, self.check, self.nonempty, self.keys = clean, check, nonempty, keys
        self.combine, self.anonymous = combine, anonymous


def text(doc: str, **options: Any) -> Key:
    return Key(Kind.TEXT, doc, **options)


def flag(doc: str, **options: Any) -> Key:
    return Key(Kind.FLAG, doc, **options)


def number(doc: str, **options: Any) -> Key:
    return Key(Kind.NUMBER, doc, **options)


def count(doc: str, **options: Any) -> Key:
    return Key(Kind.COUNT, doc, **options)


def texts(doc: str, **options: Any) -> Key:
    return Key(Kind.TEXTS, doc, **options)


def one(ref: Ref, doc: str, **options: Any) -> Key:
    return Key(Kind.ONE, doc, ref=ref, **options)


def many(ref: Ref, doc: str, **options: Any) -> Key:
    return Key(Kind.MANY, doc, ref=ref, **options)


def floor(ref: Ref, doc: str, **options: Any) -> Key:
    return Key(Kind.FLOOR, doc, ref=ref, **options)


_CITES = 'the article it comes from: `"N"` or `"N.M"` (item M of Article N)'


def cites(doc: str = _CITES) -> Key:
    return Key(Kind.CITE, doc, key="article", required=True)


def hours(doc: str, **options: Any) -> Key:
    return Key(Kind.HOURS, doc, **options)


def thresholds(doc: str, keys: tuple[str, ...], **options: Any) -> Key:
    return Key(Kind.THRESHOLDS, doc, keys=keys, **options)


def record(doc: str, **options: Any) -> Key:
    return Key(Kind.RECORD, doc, **options)


def records(ref: Ref, doc: str, **options: Any) -> Key:
    return Key(Kind.RECORDS, doc, ref=ref, **options)


def parent(doc: str) -> Key:
    return Key(Kind.PARENT, doc)


def derived(doc: str, **options: Any) -> Key:
    return Key(Kind.DERIVED, doc, **options)


# -- the declarations of a model, resolved --------------------------------------------------


class Field:
    """A model's field with its keys: what the reader and the docs need."""

    __slots__ = ("name", "key", "spec", "more", "model", "collection", "default")

    def __init__(
        self,
        name: str,  # the dataclass field
        key: str,  # the YAML key of ``spec``
        spec: Key,  # the key that gives the value
        more: tuple[Key, ...],  # further keys combined into it
        model: type | None,  # RECORD, RECORDS: the model read
        collection: type,  # MANY, TEXTS: tuple or frozenset
        default: Any,  # the value when absent; NOTHING if the key is required or has none
    ) -> None:
        self.name, self.key, self.spec, self.more = name, key, spec, more
        self.model, self.collection, self.default = model, collection, default

    @property
    def keys(self) -> tuple[Key, ...]:
        return (self.spec, *self.more)


def yaml_key(field: Field, spec: Key | None = None) -> str:
    """The key a field (or one of its further keys) is written as."""
    spec = spec or field.spec
    return spec.key or field.name


@cache
def declared(cls: type) -> tuple[Field, ...]:
    """The declared fields of a model, in order. A field without a declaration is a
    programming error (every field says where it comes from, even if not the file)."""
    hints = typing.get_type_hints(cls, include_extras=True)
    out = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        specs = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, Key)]
        if not specs:  # a field added without saying how the file writes it
            raise TypeError(
                f"{cls.__name__}.{f.name} has no plan declaration: annotate it, e.g. "
                f'Annotated[{f.type!r}, key.text("…")], or key.derived("…") if not in the '
                "file (docs/plan-format.md, the last section)"
            )
        base = _strip(typing.get_args(hint)[0])
        model = None
        if specs[0].kind is Kind.RECORD:
            model = base
        elif specs[0].kind is Kind.RECORDS:
            model = typing.get_args(base)[0]
        collection = frozenset if typing.get_origin(base) is frozenset else tuple
        default = _default(f, specs[0])
        key = specs[0].key or f.name
        out.append(Field(f.name, key, specs[0], tuple(specs[1:]), model, collection, default))
    return tuple(out)


def _strip(hint: Any) -> Any:
    """``X | None`` -> ``X``."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return hint


_EMPTY = {Kind.TEXT: "", Kind.TEXTS: (), Kind.MANY: (), Kind.ONE: None, Kind.RECORDS: ()}


def _default(f: dataclasses.Field[Any], spec: Key) -> Any:
    if spec.required:
        return NOTHING
    if spec.absent is not NOTHING:
        return spec.absent
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return _EMPTY.get(spec.kind, NOTHING)


@cache
def id_field(cls: type) -> Field | None:
    """The field that identifies an item of ``cls`` (its id, or a person's name)."""
    return next((f for f in declared(cls) if f.spec.names is Name.ID), None)


@cache
def name_fields(cls: type) -> tuple[tuple[str, Name], ...]:
    """(field, how) for every field that names an item of ``cls`` in lookups."""
    return tuple((f.name, f.spec.names) for f in declared(cls) if f.spec.names is not None)


def groups(cls: type) -> tuple[Group, ...]:
    """The groups of ``cls``, in the order their first field comes."""
    found: dict[Group, None] = {}
    for f in declared(cls):
        for spec in f.keys:
            if spec.within is not None:
                found.setdefault(spec.within)
    return tuple(found)
