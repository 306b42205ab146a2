"""Name search by tables of name pieces, the same on both databases, replacing 0002's trigram
indexes.

A trigram index costs in proportion to the rows that hold all of a query's trigrams, not to the
matches (`q=lamp 5000` on a million products), cannot look up a `q` of one or two characters
(`q=zq` read every product), and pg_trgm skips punctuation (`q=50%`).

- `product_name_suffixes`: every suffix of each product's lower-cased name, cut to 16
  characters, with the product's id. A substring of a name is a prefix of one of its suffixes,
  so any `q` is a single range of the primary key: it counts and lists a filter's candidates.
- `product_name_grams`: every 4-character piece of each lower-cased name, with the id. Under
  one gram the ids are in order, so a `q` with many matches reads its page from the ids under
  its first four characters, in id order, and stops at the page (core/services/products.py).

Triggers on `products` keep both, lower-casing with the database's own lower(), the function
the contract's predicate (`lower(name) LIKE ...`) uses, so a match is always found. SQLite
triggers cannot generate a series, so the character positions 1..200 (a name's longest) are the
rows of `name_positions`. On PostgreSQL the keys sort by code point (COLLATE "C"), so a prefix
is a range, and a TRUNCATE of products empties both tables too.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence
from types import ModuleType

import sqlalchemy as sa
from alembic import context, op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KeyText = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
LONGEST_NAME = 200
SUFFIX_LENGTH = 16  # core.models.NAME_SUFFIX_LENGTH
GRAM_LENGTH = 4  # core.models.NAME_GRAM_LENGTH
# (table, key column, characters per key, whether a key must be whole): a suffix may be shorter
# than SUFFIX_LENGTH (the end of the name), a gram is always GRAM_LENGTH characters.
KEYS = [
    ("product_name_suffixes", "suffix", SUFFIX_LENGTH, False),
    ("product_name_grams", "gram", GRAM_LENGTH, True),
]


def _keys(row: str, length: int, whole: bool, tables: str = "name_positions", with_id: bool = True) -> str:
    """The (key, id) pairs of `row`: NEW or OLD in a trigger, or every row of `products`."""
    last = f"length({row}.name)" + (f" - {length - 1}" if whole else "")
    columns = f"substr(lower({row}.name), position, {length})" + (f", {row}.id" if with_id else "")
    return f"SELECT DISTINCT {columns} FROM {tables} WHERE position <= {last}"


def _inserts(row: str) -> list[str]:
    return [
        f"INSERT INTO {table} ({key}, product_id) {_keys(row, length, whole)}"
        for table, key, length, whole in KEYS
    ]


def _deletes(row: str) -> list[str]:
    # By (key, id), the primary key: a product's rows are found without an index on id.
    return [
        f"DELETE FROM {table} WHERE product_id = {row}.id "
        f"AND {key} IN ({_keys(row, length, whole, with_id=False)})"
        for table, key, length, whole in KEYS
    ]


def _statements(statements: list[str]) -> str:
    return "".join(f"{statement}; " for statement in statements)


SQLITE_TRIGGERS = [
    "CREATE TRIGGER product_name_search_insert AFTER INSERT ON products "
    f"BEGIN {_statements(_inserts('new'))}END",
    "CREATE TRIGGER product_name_search_delete AFTER DELETE ON products "
    f"BEGIN {_statements(_deletes('old'))}END",
    "CREATE TRIGGER product_name_search_update AFTER UPDATE OF name ON products "
    f"BEGIN {_statements(_deletes('old') + _inserts('new'))}END",
]
POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION product_name_search_keep() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            {_statements(_deletes("OLD"))}
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {_statements(_inserts("NEW"))}
        END IF;
        RETURN NULL;
    END $$""",
    # Not TRUNCATE: the statement that fired it may be truncating these tables too.
    f"""CREATE FUNCTION product_name_search_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {_statements([f"DELETE FROM {table}" for table, *_ in KEYS])}
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER product_name_search_keep AFTER INSERT OR DELETE OR UPDATE OF name ON products "
    "FOR EACH ROW EXECUTE FUNCTION product_name_search_keep()",
    "CREATE TRIGGER product_name_search_truncate AFTER TRUNCATE ON products "
    "FOR EACH STATEMENT EXECUTE FUNCTION product_name_search_truncate()",
]


def _name_search_0002() -> ModuleType:
    """Migration 0002's module, whose name search this one drops and its downgrade restores."""
    script = context.script.get_revision("0002")
    assert script is not None and script.module is not None
    return script.module


def upgrade() -> None:
    _name_search_0002().drop_name_search()
    positions = op.create_table("name_positions", sa.Column("position", sa.Integer(), primary_key=True))
    op.bulk_insert(positions, [{"position": position} for position in range(1, LONGEST_NAME + 1)])
    for table, key, length, whole in KEYS:
        op.create_table(
            table,
            sa.Column(key, KeyText, primary_key=True),
            sa.Column("product_id", Id, primary_key=True),
            sqlite_with_rowid=False,
        )
        op.execute(
            f"INSERT INTO {table} ({key}, product_id) "
            + _keys("products", length, whole, "products, name_positions")
        )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ("keep", "truncate"):
            op.execute(f"DROP TRIGGER product_name_search_{name} ON products")
            op.execute(f"DROP FUNCTION product_name_search_{name}()")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER product_name_search_{trigger}")
    for table, *_ in KEYS:
        op.drop_table(table)
    op.drop_table("name_positions")
    _name_search_0002().create_name_search()
