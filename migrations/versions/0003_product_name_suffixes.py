"""Name search by a table of name suffixes, the same on both databases, replacing 0002's trigram
indexes.

A trigram index costs in proportion to the rows that hold all of a query's trigrams, not to the
matches (`q=lamp 5000` on a million products), cannot look up a `q` of one or two characters
(`q=zq` read every product), and pg_trgm skips punctuation (`q=50%`). Here every suffix of each
product's lower-cased name, cut to 16 characters, is a row of `product_name_suffixes` with the
product's id: a substring of a name is a prefix of one of its suffixes, so any `q` is a single
range of the primary key (core/services/products.py).

Triggers on `products` keep the table, lower-casing with the database's own lower(), the
function the contract's predicate (`lower(name) LIKE ...`) uses, so a match is always found.
SQLite triggers cannot generate a series, so the character positions 1..200 (a name's longest)
are the rows of `name_positions`. On PostgreSQL the suffixes sort by code point (COLLATE "C"),
so a prefix is a range, and a TRUNCATE of products empties the table too.

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
SuffixText = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")
LONGEST_NAME = 200
SUFFIX_LENGTH = 16  # core.models.NAME_SUFFIX_LENGTH


def _suffixes(row: str, tables: str = "name_positions") -> str:
    """The (suffix, id) pairs of `row`: NEW in a trigger, or every row of `products`."""
    return (
        f"SELECT DISTINCT substr(lower({row}.name), position, {SUFFIX_LENGTH}), {row}.id "
        f"FROM {tables} WHERE position <= length({row}.name)"
    )


def _delete_suffixes(row: str) -> str:
    # By (suffix, id), the primary key: a product's rows are found without an index on id.
    return (
        f"DELETE FROM product_name_suffixes WHERE product_id = {row}.id AND suffix IN "
        f"(SELECT substr(lower({row}.name), position, {SUFFIX_LENGTH}) "
        f"FROM name_positions WHERE position <= length({row}.name))"
    )


INSERT = "INSERT INTO product_name_suffixes (suffix, product_id) "
SQLITE_TRIGGERS = [
    "CREATE TRIGGER product_name_suffixes_insert AFTER INSERT ON products "
    f"BEGIN {INSERT}{_suffixes('new')}; END",
    "CREATE TRIGGER product_name_suffixes_delete AFTER DELETE ON products "
    f"BEGIN {_delete_suffixes('old')}; END",
    f"""CREATE TRIGGER product_name_suffixes_update AFTER UPDATE OF name ON products BEGIN
        {_delete_suffixes("old")};
        {INSERT}{_suffixes("new")};
    END""",
]
POSTGRESQL_TRIGGERS = [
    f"""CREATE FUNCTION product_name_suffixes_keep() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            {_delete_suffixes("OLD")};
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {INSERT}{_suffixes("NEW")};
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION product_name_suffixes_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM product_name_suffixes;  -- not TRUNCATE: the statement may be truncating it too
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER product_name_suffixes_keep AFTER INSERT OR DELETE OR UPDATE OF name ON products "
    "FOR EACH ROW EXECUTE FUNCTION product_name_suffixes_keep()",
    "CREATE TRIGGER product_name_suffixes_truncate AFTER TRUNCATE ON products "
    "FOR EACH STATEMENT EXECUTE FUNCTION product_name_suffixes_truncate()",
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
    op.create_table(
        "product_name_suffixes",
        sa.Column("suffix", SuffixText, primary_key=True),
        sa.Column("product_id", Id, primary_key=True),
        sqlite_with_rowid=False,
    )
    op.execute(INSERT + _suffixes("products", tables="products, name_positions"))
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER product_name_suffixes_keep ON products")
        op.execute("DROP TRIGGER product_name_suffixes_truncate ON products")
        op.execute("DROP FUNCTION product_name_suffixes_keep()")
        op.execute("DROP FUNCTION product_name_suffixes_truncate()")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER product_name_suffixes_{trigger}")
    op.drop_table("product_name_suffixes")
    op.drop_table("name_positions")
    _name_search_0002().create_name_search()
