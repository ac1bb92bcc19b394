"""Thousands of rows in one statement on PostgreSQL: COPY, or the batch as one JSON document.

An executemany sends one INSERT or UPDATE per row (psycopg pipelines them, but the server
still plans and runs each one); a multi-row VALUES statement, or one array parameter per
column, makes psycopg build and escape every value in Python. A plain insert goes through
COPY, whose rows psycopg formats in C and the server loads without planning a statement.
An insert that skips conflicts or returns ids, and an update, cannot use COPY: there the rows
travel as one JSON string (json.dumps, in C) that `json_populate_recordset(NULL::table, …)`
turns back into rows of the table's own type, so each column is parsed exactly as its type
parses input. Values first go through each column type's bind processing (UTC datetimes
become naive UTC, as the ORM stores them). SQLite gets the driver's own executemany of those
values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ARRAY, JSON, ColumnElement, Table, any_, bindparam, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from crm.extensions import db

COPY_OPEN = "rapport.copy_open"  # in a connection's info while one of its COPYs is open


def is_postgresql() -> bool:
    """Whether the session's database is PostgreSQL."""
    return db.session.get_bind().dialect.name == "postgresql"


def one_of(column: ColumnElement[Any], values: Collection[Any]) -> ColumnElement[bool]:
    """`column IN values` for a batch of values; on PostgreSQL as `= ANY(array)`.

    The array is one parameter, so the statement's text is the same for any number of values
    and psycopg converts it once; IN would expand a parameter for every value, each batch a
    new statement.
    """
    if is_postgresql():
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def insert_rows(table: Table, rows: Sequence[dict[str, Any]], conflict: Sequence[str] = (),
                returning: str | None = None) -> list[Any]:
    """Insert `rows` (all with the same keys); `conflict` columns: skip rows already there.

    Returns the `returning` column of the inserted rows (none for skipped ones).
    """
    if not rows:
        return []
    names = _insert_columns(table, rows[0])
    columns = ", ".join(names)
    skip = f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING" if conflict else ""
    if not is_postgresql():
        marks = ", ".join("?" for _ in names)
        _executemany(f"INSERT INTO {table.name} ({columns}) VALUES ({marks}){skip}",
                     table, names, rows)
        return []
    if not conflict and not returning:
        with _copying(table, names, rows):
            pass
        return []
    sql = (f"INSERT INTO {table.name} ({columns}) SELECT {columns} "
           f"FROM json_populate_recordset(NULL::{table.name}, CAST(:rows AS json))"
           + skip
           + (f" RETURNING {returning}" if returning else ""))
    result = db.session.execute(text(sql), {"rows": _document(table, names, rows)})
    return list(result.scalars()) if returning else []


@contextmanager
def inserting(table: Table, rows: Sequence[dict[str, Any]]) -> Iterator[None]:
    """insert_rows(table, rows), finished when the block ends.

    On PostgreSQL the rows stream to the server through COPY, and the server goes on loading
    them (its index work included) while the block runs, so the caller can overlap its own
    CPU work with the server's; the block must not use the session meanwhile. The COPY ends,
    and a refusal is raised, when the block does. Elsewhere the rows are written first.
    """
    if not rows or not is_postgresql():
        insert_rows(table, rows)
        yield
        return
    with _copying(table, _insert_columns(table, rows[0]), rows):
        yield


def update_rows(table: Table, key: str, rows: Sequence[dict[str, Any]]) -> None:
    """Set each row's other keys on the row whose `key` column equals its `key` value."""
    if not rows:
        return
    others = [name for name in rows[0] if name != key]
    if not is_postgresql():
        assignments = ", ".join(f"{name} = ?" for name in others)
        _executemany(f"UPDATE {table.name} SET {assignments} WHERE {key} = ?",
                     table, [*others, key], rows)
        return
    assignments = ", ".join(f"{name} = v.{name}" for name in others)
    db.session.execute(text(
        f"UPDATE {table.name} AS t SET {assignments} "
        f"FROM json_populate_recordset(NULL::{table.name}, CAST(:rows AS json)) AS v "
        f"WHERE t.{key} = v.{key}"), {"rows": _document(table, list(rows[0]), rows)})


def _insert_columns(table: Table, row: dict[str, Any]) -> list[str]:
    missing = [c for c in table.columns if c.name not in row and c.default is not None]
    callable_defaults = [c.name for c in missing if not c.default.is_scalar]
    if callable_defaults:  # a per-row default (a function) is the caller's to fill in
        raise ValueError(f"rows for {table.name} need values for {callable_defaults}")
    return [*row, *(c.name for c in missing)]


def _processors(table: Table, names: list[str]) -> list[Any]:
    dialect = db.session.get_bind().dialect
    return [_bind_processor(table.c[name], dialect) for name in names]


def _bind_processor(column: Any, dialect: Any) -> Callable[[Any], Any] | None:
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return None
    last_value, last_bound = object(), None

    def bind(value: Any) -> Any:
        # A batch's rows mostly share their timestamps (one `now`), so a value that is the
        # very object of the row before is bound once, not a thousand times.
        nonlocal last_value, last_bound
        if value is not last_value:
            last_value, last_bound = value, process(value)
        return last_bound

    return bind


def _executemany(sql: str, table: Table, names: list[str],
                 rows: Sequence[dict[str, Any]]) -> None:
    # The driver's executemany with values bound as SQLAlchemy binds them (the same
    # processors), without SQLAlchemy building a parameter dict for every row.
    db.session.connection().exec_driver_sql(sql, _bound_values(table, names, rows))


@contextmanager
def _copying(table: Table, names: list[str], rows: Sequence[dict[str, Any]]) -> Iterator[None]:
    # On the session's own connection, so the rows are part of its transaction. The driver's
    # errors are wrapped as SQLAlchemy wraps them, so callers catch one kind of error.
    sql = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    connection = db.session.connection()
    driver_error = connection.dialect.loaded_dbapi.Error
    try:
        with connection.connection.driver_connection.cursor() as cursor, \
                cursor.copy(sql) as copy:
            for values in _bound_values(table, names, rows):
                copy.write_row(values)
            connection.info[COPY_OPEN] = True
            try:
                yield
            finally:
                del connection.info[COPY_OPEN]
    except driver_error as error:
        raise DBAPIError.instance(sql, None, error, driver_error) from error


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_while_copying(connection, *_args) -> None:
    # A statement on a connection in the middle of a COPY would wait for the COPY's lock
    # forever; fail at once instead.
    if COPY_OPEN in connection.info:
        raise RuntimeError("the session is busy with a bulk insert: finish its block first")


def _bound_values(table: Table, names: list[str],
                  rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Each row's `names` values as the column types bind them; a name the rows lack gets
    the column's default (those names come last)."""
    present = [name for name in names if name in rows[0]]  # the defaults come last
    processors = _processors(table, names)
    tail = tuple(process(table.c[name].default.arg) if process else table.c[name].default.arg
                 for name, process in zip(names, processors, strict=True)
                 if name not in rows[0])
    converted = [(i, process) for i, process in enumerate(processors[:len(present)])
                 if process is not None]
    values = []
    for row in rows:
        value = [row[name] for name in present]
        for i, process in converted:
            value[i] = process(value[i])
        values.append((*value, *tail))
    return values


def _document(table: Table, names: list[str], rows: Sequence[dict[str, Any]]) -> str:
    """The rows as a JSON array of objects with the `names` columns, each value as its column
    type binds it (a name a row lacks gets the column's default)."""
    dialect = db.session.get_bind().dialect
    processors, structures = {}, []
    for name in names:
        column = table.c[name]
        # A JSON column's value stays a structure: it is written inside the document.
        if isinstance(column.type, JSON):
            structures.append(name)
        else:
            processors[name] = _bind_processor(column, dialect)
    defaults = {name: table.c[name].default.arg for name in names if name not in rows[0]}
    documents = []
    for row in rows:
        document = {**defaults, **row}
        for name, process in processors.items():
            if process is not None:
                document[name] = process(document[name])
        if any(document[name] is None for name in structures):
            # SQLAlchemy stores None in a JSON column as JSON null; this path would store
            # SQL NULL, so it refuses rather than differ.
            raise ValueError(f"a bulk write cannot store None in JSON columns {structures}")
        documents.append(document)
    return json.dumps(documents, default=_json_value)


def _json_value(value: Any) -> str:
    # An aware datetime would lose its offset in a timestamp column (psycopg would convert
    # it); UTCDateTime hands over naive UTC, so a bulk write never sees one.
    if isinstance(value, datetime) and value.tzinfo is not None:
        raise TypeError("bulk writes take naive UTC datetimes")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot go into a bulk write")
