"""The SQL statements each request issues, counted through SQLAlchemy's cursor events.

A front end's middleware calls `start()` when a request comes in and `statements()` when its
response starts; every statement executed in between, in the same context (threadpool and
greenlet hops copy the context), adds one. With SQL_COUNT_HEADER on, the count goes out as the
X-SQL-Statements header, so the contract suite can check, over HTTP, that every front end
issues the same statements for the same operation.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, event

SQL_STATEMENTS_HEADER = "X-SQL-Statements"

# A one-item list, so that code running in a copied context (a thread, a greenlet) adds to the
# request's own count.
_count: ContextVar[list[int] | None] = ContextVar("sql_statements", default=None)


def start() -> None:
    _count.set([0])


def statements() -> int:
    counter = _count.get()
    return counter[0] if counter is not None else 0


def _count_statement(*_: Any) -> None:
    counter = _count.get()
    if counter is not None:
        counter[0] += 1


def install(engine: Engine) -> None:
    event.listen(engine, "before_cursor_execute", _count_statement)
