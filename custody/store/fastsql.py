"""Peewee queries compiled once per kind of database and run again with new parameters.

Building a query's SQL is most of peewee's cost on the scan path (150–650 µs a
query, against 10–30 µs for SQLite to run it). A `Compiled` query is written
with peewee as usual, with `param("name")` where a value goes; its SQL text is
built once for each kind of database (SQLite, PostgreSQL: quoting and
placeholders differ) and executed afterwards with the values given by name,
converted as peewee would convert them (the field's `db_value`). Rows of a
compiled model select can be turned into model instances the way peewee's
own cursor wrapper does (`objects`).

`execute` runs hand-written SQL with `?` placeholders on either database.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import peewee

if TYPE_CHECKING:
    from custody.models import Models
    from custody.store.core import Store

__all__ = ["Compiled", "execute", "insert", "param", "placeholders", "relate"]


class _Slot(peewee.Node):
    """Where a named value goes; remembers how peewee would have converted it there."""

    def __init__(self, name: str, field: peewee.Field | None = None) -> None:
        self.name = name
        self.field = field

    def __sql__(self, ctx: peewee.Context) -> peewee.Context:
        convert = self.field.db_value if self.field is not None else ctx.state.converter
        ctx._values.append(_Bound(self.name, convert))
        return ctx.literal(ctx.state.param or "?")


@dataclass(frozen=True)
class _Bound:
    name: str
    convert: Callable[[Any], Any] | None


def param(name: str, field: peewee.Field | None = None) -> Any:
    """A named value in a compiled query. In a comparison with a field it is converted by that
    field's `db_value`; elsewhere (the values of an UPDATE) name the field to convert by."""
    return _Slot(name, field)


def _kind(db: peewee.Database) -> tuple[Any, ...]:
    return (type(db), db.param, db.quote)


_placeholder_cache: dict[tuple[tuple[Any, ...], str], str] = {}


def placeholders(db: peewee.Database, sql: str) -> str:
    """SQL written with `?` placeholders, for this database (PostgreSQL: `%s`)."""
    if db.param == "?":
        return sql
    key = (_kind(db), sql)
    text = _placeholder_cache.get(key)
    if text is None:
        text = _placeholder_cache[key] = sql.replace("?", db.param)
    return text


def execute(db: peewee.Database, sql: str, params: Sequence[Any] = ()) -> Any:
    """Hand-written SQL (`?` placeholders) on either database; returns the cursor."""
    return db.execute_sql(placeholders(db, sql), params)


def insert(db: peewee.Database, sql: str, params: Sequence[Any] = ()) -> int:
    """A hand-written INSERT (`?` placeholders) into a table with an `id` key; returns the new id."""
    if isinstance(db, peewee.SqliteDatabase):
        return execute(db, sql, params).lastrowid  # type: ignore[no-any-return]
    return execute(db, sql + " RETURNING id", params).fetchone()[0]  # type: ignore[no-any-return]


# peewee's own conversions that return a value of this type unchanged
_UNCHANGED: dict[Any, type] = {peewee.TextField.adapt: str, peewee.IntegerField.adapt: int}


def _native(field: peewee.Field) -> type | None:
    """The driver type for which the field's `python_value` returns the value unchanged (str for a
    text field, int for an integer or a key to one), or None when it must always be called."""
    while isinstance(field, peewee.ForeignKeyField):
        field = field.rel_field
    if type(field).python_value is not peewee.Field.python_value:
        return None
    return _UNCHANGED.get(type(field).adapt)


@dataclass(frozen=True)
class _Column:
    index: int  # position in the row
    name: str  # the field's name in the instance's data
    native: type | None  # values of this type (and None) need no conversion: see `_native`
    convert: Callable[[Any], Any]  # the field's python_value


@dataclass(frozen=True)
class _Shape:
    """How a compiled model select's row becomes instances: per selected model, its columns;
    then the positions of the other columns."""

    models: tuple[type[peewee.Model], ...]
    columns: tuple[tuple[_Column, ...], ...]
    extras: tuple[int, ...]


class Compiled:
    """A peewee query over a store's tables, compiled once per kind of database.

    >>> by_token = Compiled(lambda m: m.Station.select().where(m.Station.token_hash == param("hash")))
    >>> by_token.objects(store, hash=h)   # [(Station,), …]
    """

    def __init__(self, build: Callable[[Models], peewee.Query]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._sql: dict[tuple[Any, ...], tuple[str, tuple[Any, ...]]] = {}
        self._shape: _Shape | None = None
        self._models: weakref.WeakKeyDictionary[Models, tuple[type[peewee.Model], ...]] = (
            weakref.WeakKeyDictionary()
        )

    def sql(self, store: Store) -> tuple[str, tuple[Any, ...]]:
        """The SQL text for this store's database and its parameters (`_Bound` slots or constants)."""
        key = _kind(store.db)
        found = self._sql.get(key)
        if found is None:
            with self._lock:
                text, values = store.db.get_sql_context().sql(self._build(store.m)).query()
                found = self._sql[key] = (text, tuple(values))
        return found

    def execute(self, store: Store, **values: Any) -> Any:
        """Run it with these named values; returns the cursor."""
        text, slots = self.sql(store)
        params = [
            (values[slot.name] if slot.convert is None else slot.convert(values[slot.name]))
            if type(slot) is _Bound
            else slot
            for slot in slots
        ]
        return store.db.execute_sql(text, params)

    def first(self, store: Store, **values: Any) -> tuple[Any, ...] | None:
        return self.execute(store, **values).fetchone()  # type: ignore[no-any-return]

    def objects(self, store: Store, **values: Any) -> list[tuple[Any, ...]]:
        """The rows of a model select as instances of the store's tables, one per selected model or
        alias in the order selected, then the values of any other columns (a subquery, an expression).
        A joined instance whose columns are all NULL (an outer join that found nothing) is None.
        Instances are built as peewee's cursor wrapper builds them: converted, no dirty fields."""
        return [self.instances(store, row) for row in self.execute(store, **values).fetchall()]

    def instances(self, store: Store, row: Sequence[Any]) -> tuple[Any, ...]:
        """One row as `objects` returns it (the first selected model, the query's own, is never None)."""
        shape = self._shape or self._make_shape(store)
        models = self._models.get(store.m)
        if models is None:
            models = self._models[store.m] = tuple(store.m.of(model) for model in shape.models)
        out: list[Any] = []
        for n, (model, columns) in enumerate(zip(models, shape.columns, strict=True)):
            if n and all(row[c.index] is None for c in columns):
                out.append(None)
                continue
            data = {}
            for c in columns:
                value = row[c.index]
                data[c.name] = (
                    value
                    if c.native is not None and (value is None or type(value) is c.native)
                    else c.convert(value)
                )
            obj = model(__no_default__=True)
            obj.__data__ = data
            out.append(obj)
        out.extend(row[i] for i in shape.extras)
        return tuple(out)

    def _make_shape(self, store: Store) -> _Shape:
        query = self._build(store.m)
        sources: list[Any] = []
        models: list[type[peewee.Model]] = []
        columns: list[list[_Column]] = []
        extras = []
        for i, node in enumerate(query._returning):
            if isinstance(node, peewee.FieldAlias):
                source, field, model = node.source, node.field, node.source.model
            elif isinstance(node, peewee.Field):
                source, field, model = node.model, node, node.model
            else:
                extras.append(i)
                continue
            if not sources or sources[-1] is not source:
                if any(s is source for s in sources):
                    raise TypeError("select each model's fields together")
                sources.append(source)
                models.append(model)
                columns.append([])
            columns[-1].append(_Column(i, field.name, _native(field), field.python_value))
        self._shape = _Shape(tuple(models), tuple(tuple(c) for c in columns), tuple(extras))
        return self._shape


def relate(obj: peewee.Model, name: str, related: peewee.Model | None) -> None:
    """Attach a joined instance to `obj`'s foreign key `name`, as peewee's cursor wrapper does
    (None: the outer join found no row)."""
    obj.__rel__[name] = related
