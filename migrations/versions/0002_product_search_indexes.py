"""Product list filters that cost the same with a million products as with ten thousand.

- `ix_products_price_cents_id` (both databases): price filters.
- PostgreSQL: the pg_trgm extension and a GIN trigram index on `products.name`, which serves
  the name search (`name ILIKE '%q%'`) for queries of three characters or more.
- SQLite: `products_name_fts`, an FTS5 table with the trigram tokenizer over `products.name`
  (external content: it stores only the index), kept in step by three triggers. The service
  reads matching ids from it in id order (core/services/products.py).

Downgrading leaves the pg_trgm extension installed: other objects of the database may use it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE products_name_fts USING fts5("
    "name, content='products', content_rowid='id', tokenize='trigram')",
    "INSERT INTO products_name_fts (products_name_fts) VALUES ('rebuild')",
    """CREATE TRIGGER products_name_fts_insert AFTER INSERT ON products BEGIN
        INSERT INTO products_name_fts (rowid, name) VALUES (new.id, new.name);
    END""",
    """CREATE TRIGGER products_name_fts_delete AFTER DELETE ON products BEGIN
        INSERT INTO products_name_fts (products_name_fts, rowid, name) VALUES ('delete', old.id, old.name);
    END""",
    """CREATE TRIGGER products_name_fts_update AFTER UPDATE OF name ON products BEGIN
        INSERT INTO products_name_fts (products_name_fts, rowid, name) VALUES ('delete', old.id, old.name);
        INSERT INTO products_name_fts (rowid, name) VALUES (new.id, new.name);
    END""",
]


def upgrade() -> None:
    op.create_index("ix_products_price_cents_id", "products", ["price_cents", "id"])
    create_name_search()


def downgrade() -> None:
    drop_name_search()
    op.drop_index("ix_products_price_cents_id", table_name="products")


# Also used by migration 0003, which replaces this name search, and by its downgrade.
def create_name_search() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_products_name_trgm",
            "products",
            ["name"],
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        )
    else:
        for statement in SQLITE_SEARCH:
            op.execute(statement)


def drop_name_search() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_products_name_trgm", table_name="products")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER products_name_fts_{trigger}")
        op.execute("DROP TABLE products_name_fts")
