"""SQLite's SQL as PostgreSQL reads it: the few rewrites the queries in data/ need.

The queries are written once, for SQLite. PostgreSQL needs numbered placeholders
(``$1`` for each ``?``) and says ``ON CONFLICT DO NOTHING`` where SQLite says ``INSERT OR
IGNORE``. The rest is made the same on the schema's side (data/migrations/postgresql): a
``nocase`` collation, a ``rowid`` column where a query orders by it.
"""

from __future__ import annotations

import re
from functools import lru_cache

_INSERT_OR_IGNORE = re.compile(r"^\s*INSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_ROWS_FIRST = re.compile(r"^\s*(SELECT|WITH|VALUES|SHOW)\b", re.IGNORECASE)


@lru_cache(maxsize=1024)
def to_postgres(sql: str) -> str:
    """The statement in PostgreSQL's dialect (cached: the same strings come back often)."""
    sql = _numbered_placeholders(sql)
    if _INSERT_OR_IGNORE.match(sql):
        sql = _INSERT_OR_IGNORE.sub("INSERT INTO", sql, count=1)
        returning = _RETURNING.search(sql)
        if returning:
            at = returning.start()
            sql = f"{sql[:at].rstrip()} ON CONFLICT DO NOTHING {sql[at:]}"
        else:
            sql = f"{sql.rstrip().rstrip(';')} ON CONFLICT DO NOTHING"
    return sql


def returns_rows(sql: str) -> bool:
    """Whether a (translated) statement answers with rows: a query, or RETURNING."""
    return bool(_ROWS_FIRST.match(sql) or _RETURNING.search(sql))


def _numbered_placeholders(sql: str) -> str:
    """Each ``?`` outside quotes becomes ``$1``, ``$2``, … in order."""
    out: list[str] = []
    quote: str | None = None
    number = 0
    for char in sql:
        if quote:
            if char == quote:
                quote = None
        elif char in ("'", '"'):
            quote = char
        elif char == "?":
            number += 1
            out.append(f"${number}")
            continue
        out.append(char)
    return "".join(out)


def status_count(status: str) -> int:
    """The row count in a command tag: ``UPDATE 3`` → 3, ``INSERT 0 1`` → 1."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1
