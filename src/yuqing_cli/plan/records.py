"""Reading the plan's models from composed YAML, through their declarations.

:class:`Records` reads a mapping as a model of :mod:`yuqing_cli.plan.schema`: the keys it
allows and requires, each value's kind, the references it makes (checked against the ids
read so far: a section is read after those it names), duplicate ids, and an item's
position and parent all come from the fields' declarations (:mod:`yuqing_cli.plan.fields`).
What no declaration can say — the stage graph, a role that must be per incident,
derived values — the loader adds through *finishers*, one per model, called with each
item as it is read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar

import yaml

from yuqing_cli.i18n import _
from yuqing_cli.plan.fields import (
    NOTHING,
    Field,
    Group,
    Key,
    Kind,
    Name,
    Ref,
    declared,
    groups,
    id_field,
    yaml_key,
)
from yuqing_cli.plan.reader import Abort, Label, Reader, What, line_of
from yuqing_cli.plan.vocabulary import ARTICLE, LEVEL

T = TypeVar("T")


class Nodes:
    """The nodes an item was read from, by field (``item.at.assigns``), by a further key
    (``item.at.min_level``) or by group (``item.at.when``); None where the key is absent."""

    __slots__ = ("_nodes", "_allowed")

    def __init__(self, nodes: dict[str, yaml.Node], allowed: frozenset[str]) -> None:
        self._nodes = nodes
        self._allowed = allowed

    def __getattr__(self, name: str) -> yaml.Node | None:
        if name.startswith("_") or name not in self._allowed:
            raise AttributeError(name)  # a programming error: no such key
        return self._nodes.get(name)


@dataclass
class Item(Generic[T]):
    """A model read from the file, with where it was read from."""

    value: T
    node: yaml.Node  # the mapping
    at: Nodes
    owner: What  # how messages name it: "step 'report'"
    index: int = 0  # its place in its list
    ref: Ref | None = None  # what its id is, for an item of a list


@dataclass(frozen=True, slots=True)
class Where:
    """Where a value is: in which item (``owner``, "" for the plan itself) and under which
    keys of it (``path``); ``parent`` is the id of the item it is listed under."""

    owner: What = ""
    path: tuple[str, ...] = ()
    parent: str = ""

    def here(self) -> str:
        """The record itself, as messages name it."""
        if not self.path:
            return str(self.owner) if self.owner else _("the plan file")
        path = ".".join(self.path)
        if self.owner:
            return _("`{path}` of {owner}").format(path=path, owner=self.owner)
        return f"`{path}`"

    def inside(self, key: str) -> Where:
        return Where(self.owner, (*self.path, key), self.parent)

    def of(self, key: str) -> Label:
        """A key of the record, as messages name it — made only if one is."""
        return _KeyLabel(self, key)


class _KeyLabel(Label):
    __slots__ = ("_where", "_key")

    def __init__(self, where: Where, key: str) -> None:
        self._where = where
        self._key = key

    def __str__(self) -> str:
        return self._where.inside(self._key).here()


@dataclass(frozen=True, slots=True)
class _Layout:
    """The keys of a model's mapping and of its groups: (required, optional) each."""

    top: tuple[tuple[str, ...], tuple[str, ...]]
    groups: tuple[tuple[Group, tuple[str, ...], tuple[str, ...]], ...]
    allowed: frozenset[str]  # names of item.at
    needed: frozenset[str]  # the required keys of the mapping itself


@cache
def _layout(cls: type, anonymous: bool) -> _Layout:
    ident = id_field(cls)
    required: list[str] = []
    optional: list[str] = []
    inner: dict[Group, tuple[list[str], list[str]]] = {g: ([], []) for g in groups(cls)}
    allowed = set()
    for f in declared(cls):
        allowed.add(f.name)
        for spec in f.keys:
            if spec.kind in (Kind.PARENT, Kind.DERIVED) or (anonymous and f is ident):
                continue
            names = spec.keys if spec.kind is Kind.THRESHOLDS else (yaml_key(f, spec),)
            allowed.update(names)
            if spec.within is not None:
                group = spec.within
                if group.key not in required and group.key not in optional:
                    (required if group.required else optional).append(group.key)
                    allowed.add(group.key)
                inner[group][0 if spec.required else 1].extend(names)
            elif spec.required and spec.kind is not Kind.CITE:  # a missing article says so
                required.extend(names)
            else:
                optional.extend(names)
    return _Layout(
        (tuple(required), tuple(optional)),
        tuple((g, tuple(r), tuple(o)) for g, (r, o) in inner.items()),
        frozenset(allowed),
        frozenset(required),
    )


class Records:
    """Reads models through their declarations, collecting problems in ``reader``."""

    def __init__(self, reader: Reader, finish: Mapping[type, Callable[[Item[Any]], Any]]) -> None:
        self.reader = reader
        self.finish = finish
        # ids read (with the node of their item, None for a default item): of the sections
        # read, and of the section being read
        self.known: dict[Ref, dict[str, yaml.Node | None]] = {}
        self.reading: dict[Ref, dict[str, yaml.Node | None]] = {}
        self.pending: list[tuple[Ref, str, yaml.Node, Where, str, bool]] = []
        self.items: dict[type, list[Item[Any]]] = {}
        self._sets: dict[Ref, frozenset[str]] = {}

    # -- what is known ------------------------------------------------------------------

    def id_set(self, ref: Ref) -> frozenset[str]:
        """:meth:`ids` as a set (empty until their section is read), kept until more are."""
        found = self._sets.get(ref)
        if found is None:
            found = self._sets[ref] = frozenset(self.ids(ref) or ())
        return found

    def ids(self, ref: Ref) -> list[str] | None:
        """The ids a value naming ``ref`` may have; None until their section is read."""
        out = list(ref.fixed)
        if ref.also is not None:
            more = self.ids(ref.also)
            if more is None:
                return None
            out += more
        if not ref.fixed:
            read = self.known.get(ref)
            if read is None:
                return None
            out += read
        return out

    def items_of(self, cls: type[T]) -> list[Item[T]]:
        return self.items.get(cls, [])

    def find(self, cls: type[T], item_id: str) -> T | None:
        """The item of ``cls`` read with this id, if any."""
        model: type = cls
        ident = id_field(model)
        for item in self.items_of(cls):
            if ident is not None and getattr(item.value, ident.name) == item_id:
                return item.value
        return None

    def refer(
        self, ref: Ref, value: str, node: yaml.Node, where: Where, key: str, is_id: bool = False
    ) -> None:
        """Check that ``value`` is an id of ``ref`` — now, or once its section is read."""
        if value in self.id_set(ref):
            return
        known = self.ids(ref)
        if known is None:
            self.pending.append((ref, value, node, where, key, is_id))
            return
        what = ref.noun()
        if is_id:
            message = _("unknown {what} {ref!r}").format(what=what, ref=value)
        elif where.owner:
            message = _("{owner} names unknown {what} {ref!r} in `{key}`").format(
                owner=where.owner, what=what, ref=value, key=".".join((*where.path, key))
            )
        else:
            message = _("`{key}` names unknown {what} {ref!r}").format(
                key=".".join((*where.path, key)), what=what, ref=value
            )
        self.reader.fail(node, message, _("known: {names}").format(names=", ".join(known)))

    def complete(self) -> None:
        """The section being read is read: its ids are known, and references wait no more."""
        for ref, found in self.reading.items():
            self.known.setdefault(ref, {}).update(found)
        self.reading.clear()
        self._sets.clear()
        waiting, self.pending = self.pending, []
        for ref, value, node, where, key, is_id in waiting:
            self.refer(ref, value, node, where, key, is_id)

    # -- reading ------------------------------------------------------------------------

    def plan(self, cls: type[T], root: yaml.Node) -> Item[T]:
        """The whole plan: its sections in the order their references need."""
        return self.record(cls, root, Where(), top=True)

    def record(
        self,
        cls: type[T],
        node: yaml.Node,
        where: Where,
        index: int = 0,
        anonymous: bool = False,
        top: bool = False,
        ref: Ref | None = None,
    ) -> Item[T]:
        r = self.reader
        model: type = cls
        layout = _layout(model, anonymous)
        m = r.mapping(node, Label(where.here), *layout.top)
        inner: dict[Group, dict[str, yaml.Node]] = {}
        missing = not layout.needed <= m.keys()
        for group, required, optional in layout.groups:
            if group.key in m:
                inner[group] = r.mapping(m[group.key], where.of(group.key), required, optional)
                missing |= not inner[group].keys() >= set(required)
        if missing:
            raise Abort
        nodes: dict[str, yaml.Node] = {g.key: m[g.key] for g in inner}
        values: dict[str, Any] = {}
        failed = False
        fields = _order(model) if top else declared(model)
        ident = id_field(model)
        parent = where.parent  # the id of the item this one is listed under
        for f in fields:
            try:
                if f.spec.kind is Kind.PARENT:
                    values[f.name] = parent
                elif anonymous and f is ident:
                    values[f.name] = where.path[-1]
                else:
                    values[f.name] = self.field(f, m, inner, where, nodes, node)
            except Abort:
                failed = True
            if f is ident and f.name in values:
                where = Where(where.owner, where.path, values[f.name])  # for items listed under it
            if top:
                self.complete()
        if failed:
            raise Abort
        at = Nodes(nodes, layout.allowed)
        item: Item[T] = Item(cls(**values), node, at, where.owner, index, ref)
        finish = self.finish.get(cls)
        if finish is not None:
            item.value = finish(item)
        self.items.setdefault(cls, []).append(item)
        return item

    def field(
        self,
        f: Field,
        m: dict[str, yaml.Node],
        inner: dict[Group, dict[str, yaml.Node]],
        where: Where,
        nodes: dict[str, yaml.Node],
        owner_node: yaml.Node,
    ) -> Any:
        spec = f.spec
        if spec.kind is Kind.DERIVED:
            return f.default
        if not f.more and spec.within is None:  # most fields: one key of the mapping itself
            node = m.get(f.key)
            if node is not None:
                nodes[f.name] = node
            return self.value(f, spec, f.key, node, m, where, owner_node)
        value = NOTHING
        for spec in f.keys:
            source = m if spec.within is None else inner.get(spec.within, {})
            key = yaml_key(f, spec)
            node = source.get(key)
            if node is not None:
                nodes[f.name if spec is f.spec else key] = node
            if spec is f.spec:
                value = self.value(f, spec, key, node, source, where, owner_node)
            elif node is not None:
                more = self.value(f, spec, key, node, source, where, owner_node)
                if more is not None and spec.combine is not None:
                    value = spec.combine(value, more)
        return value

    def value(
        self,
        f: Field,
        spec: Key,
        key: str,
        node: yaml.Node | None,
        source: dict[str, yaml.Node],
        where: Where,
        owner_node: yaml.Node,
    ) -> Any:
        r = self.reader
        kind = spec.kind
        if kind is Kind.CITE:
            return self.cite(node, where, owner_node)
        if kind is Kind.THRESHOLDS:
            present = [k for k in spec.keys if k in source]
            return {k: r.number(source[k], where.of(k)) for k in present}
        if kind is Kind.RECORDS:
            return self.records(f, spec, key, node, where)
        if node is None:
            if kind is Kind.RECORD and f.default is NOTHING:  # read as if empty: finishers fill it
                empty = yaml.MappingNode("tag:yaml.org,2002:map", [], owner_node.start_mark)
                return self.record(f.model or object, empty, where.inside(key)).value
            return None if f.default is NOTHING else f.default
        what = where.of(key)
        if kind is Kind.TEXT:
            text = r.text(node, what)
            text = spec.clean(text) if spec.clean is not None else text
            self.check(spec, text, node)
            return text
        if kind is Kind.FLAG:
            return r.flag(node, what, bool(f.default))
        if kind is Kind.NUMBER:
            return r.number(node, what)
        if kind is Kind.COUNT:
            number = int(r.number(node, what))
            self.check(spec, number, node)
            return number
        if kind is Kind.TEXTS:
            return f.collection(t for t, _n in r.texts(node, what))
        if kind is Kind.ONE:
            named = r.text(node, what) or None
            if named is not None and spec.ref is not None:
                self.refer(spec.ref, named, node, where, key, is_id=spec.names is Name.ID)
            return named
        if kind is Kind.MANY:
            return self.many(f, spec, key, node, where)
        if kind is Kind.FLOOR:
            return self.floor(spec, key, node, where)
        if kind is Kind.HOURS:
            return self.hours(node, where)
        if kind is Kind.RECORD:
            model = f.model or object
            return self.record(model, node, where.inside(key), anonymous=spec.anonymous).value
        raise AssertionError(kind)  # pragma: no cover - every kind is read above

    def check(self, spec: Key, value: Any, node: yaml.Node) -> None:
        if spec.check is not None:
            problem = spec.check(value)
            if problem is not None:
                self.reader.fail(node, *problem)

    def many(self, f: Field, spec: Key, key: str, node: yaml.Node, where: Where) -> Any:
        named = self.reader.texts(node, where.of(key))
        if spec.ref is not None:
            for value, item in named:
                self.refer(spec.ref, value, item, where, key)
            if spec.nonempty and not named:
                what = spec.ref.noun()
                self.reader.fail(
                    node,
                    _("{where} names no {what}").format(where=where.inside(key).here(), what=what),
                    _("list at least one {what} id").format(what=what),
                )
        return f.collection(value for value, _n in named)

    def floor(self, spec: Key, key: str, node: yaml.Node, where: Where) -> frozenset[str] | None:
        """A level id: that level and every level above it (levels are listed lowest first)."""
        lowest = self.reader.text(node, where.of(key))
        ref = spec.ref or LEVEL
        ids = self.ids(ref)
        if ids is None:
            return None
        if lowest not in ids:
            self.refer(ref, lowest, node, where, key)
            return None
        return frozenset(ids[ids.index(lowest) :])

    def cite(self, node: yaml.Node | None, where: Where, owner_node: yaml.Node) -> str:
        r = self.reader
        what = Label(where.here)
        if node is None:
            r.fail(
                owner_node,
                _("{what} cites no article").format(what=what),
                _('add `article: "N"` (e.g. "7.3")'),
            )
            return ""
        value = r.text(node, Label(lambda: _("{what} article").format(what=what)))
        head = value.split(".", 1)[0]
        known = self.ids(ARTICLE) if head not in self.id_set(ARTICLE) else None
        if known is not None:
            r.fail(
                node,
                _("{what} cites article {value!r}, which the plan does not have").format(
                    what=what, value=value
                ),
                _("articles: ") + ", ".join(known),
            )
        return value

    def hours(self, node: yaml.Node, where: Where) -> dict[str, float]:
        """A number of hours, or level id (``*`` for the rest) -> hours."""
        r = self.reader
        what = where.of("hours")
        if not isinstance(node, yaml.MappingNode):
            return {"*": r.number(node, what)}
        levels = self.ids(LEVEL)
        out: dict[str, float] = {}
        for level_node, value_node in node.value:
            level_id = r.text(level_node, _("level id"))
            if levels is not None and level_id not in levels and level_id != "*":
                r.fail(
                    level_node,
                    _("{owner} has a deadline for unknown level {level_id!r}").format(
                        owner=where.owner or where.here(), level_id=level_id
                    ),
                    _("use level ids, or * for every other level"),
                )
            out[level_id] = r.number(value_node, what)
        return out

    def records(self, f: Field, spec: Key, key: str, node: yaml.Node | None, where: Where) -> Any:
        """A list of items: each read on its own (a broken one is left out), their ids
        unique across every list of their kind."""
        ref = spec.ref
        model = f.model or object
        if node is None:  # the default items
            if ref is not None:
                ident = id_field(model)
                for item in f.default:
                    if ident is not None:
                        self.reading.setdefault(ref, {})[getattr(item, ident.name)] = None
            return f.default
        r = self.reader
        try:
            nodes = r.sequence(node, where.of(key))
        except Abort:
            return ()
        seen = self.reading.setdefault(ref, {}) if ref is not None else {}
        ident = id_field(model)
        out: list[Any] = []
        for number, item_node in enumerate(nodes, 1):
            owner = self.owner(ref, model, item_node, number)
            try:
                item = self.record(
                    model, item_node, Where(owner, (), where.parent), len(out), ref=ref
                )
            except Abort:
                continue
            out.append(item.value)
            if ident is None or ref is None:
                continue
            item_id = getattr(item.value, ident.name)
            if item_id in seen:
                first = seen[item_id]
                r.fail(
                    item_node,
                    _("duplicate {what} {key!r} (first at line {v5})").format(
                        what=ref.noun(), key=item_id, v5=line_of(first) if first else "?"
                    ),
                    _("give each {what} its own id").format(what=ref.noun()),
                )
            else:
                seen[item_id] = item_node
        return tuple(out)

    def owner(self, ref: Ref | None, model: type, node: yaml.Node, number: int) -> Label:
        """How messages name an item of a list: by its id if it has a readable one."""
        return _OwnerLabel(ref, model, node, number)


class _OwnerLabel(Label):
    __slots__ = ("_ref", "_model", "_node", "_number")

    def __init__(self, ref: Ref | None, model: type, node: yaml.Node, number: int) -> None:
        self._ref, self._model, self._node, self._number = ref, model, node, number

    def __str__(self) -> str:
        what = self._ref.noun() if self._ref is not None else self._model.__name__
        ident = id_field(self._model)
        if ident is not None and isinstance(self._node, yaml.MappingNode):
            for key_node, value_node in self._node.value:
                if key_node.value == ident.key and isinstance(value_node, yaml.ScalarNode):
                    value = str(value_node.value).strip()
                    if ident.spec.clean is not None:
                        value = ident.spec.clean(value)
                    if value:
                        return _("{what} {id!r}").format(what=what, id=value)
        return _("{what} no. {n}").format(what=what, n=self._number)


# -- the order of the plan's sections ----------------------------------------------------------


def _needs(spec: Key) -> set[Ref]:
    ref = {Kind.CITE: ARTICLE, Kind.HOURS: LEVEL}.get(spec.kind, spec.ref)
    out = set()
    while ref is not None:
        if not ref.fixed:
            out.add(ref)
        ref = ref.also
    return out


@cache
def _uses(cls: type) -> frozenset[Ref]:
    out: set[Ref] = set()
    for f in declared(cls):
        for spec in f.keys:
            if spec.kind is not Kind.RECORDS:
                out |= _needs(spec)
        if f.model is not None:
            out |= _uses(f.model)
    return frozenset(out)


@cache
def _provides(cls: type) -> frozenset[Ref]:
    out: set[Ref] = set()
    for f in declared(cls):
        if f.spec.kind is Kind.RECORDS and f.spec.ref is not None:
            out.add(f.spec.ref)
        if f.model is not None:
            out |= _provides(f.model)
    return frozenset(out)


@cache
def _order(cls: type) -> tuple[Field, ...]:
    """The fields of ``cls`` in an order where each is read after the items it names
    (declaration order where that allows; a section naming its own items is checked
    when it is read)."""

    def uses(f: Field) -> frozenset[Ref]:
        own: set[Ref] = set()
        for spec in f.keys:
            if spec.kind is not Kind.RECORDS:
                own |= _needs(spec)
        return (_uses(f.model) if f.model else frozenset()) | own

    def provides(f: Field) -> frozenset[Ref]:
        own = {f.spec.ref} if f.spec.kind is Kind.RECORDS and f.spec.ref else set()
        return (_provides(f.model) if f.model else frozenset()) | own

    remaining = list(declared(cls))
    done: set[Ref] = set()
    out = []
    while remaining:
        ready = next((f for f in remaining if uses(f) - provides(f) <= done), remaining[0])
        out.append(ready)
        remaining.remove(ready)
        done |= provides(ready)
    return tuple(out)
