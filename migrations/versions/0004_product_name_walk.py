"""An index of the name suffixes by their first three characters, then product id.

A `q` with more matches than the service counts (FEW) used to be read in id order from the
products (a window of ids), and the rest of its page from all of its candidates sorted by id:
a page that lay late among many matches (`q=mug 9` on a million products: 11,000 matches, the
first page among ids 9..9,999) cost about three times what it cost on 10,000 products. Under one
three-character key the suffixes are in product id order, so the service walks the suffixes that
start with `q`'s first three characters from the cursor, checks the rest of `q` on the index
entry, and stops at the page (core/services/products.py).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WALK_LENGTH = 3  # core.models.NAME_WALK_LENGTH


def upgrade() -> None:
    op.create_index(
        "ix_product_name_suffixes_walk",
        "product_name_suffixes",
        [sa.text(f"substr(suffix, 1, {WALK_LENGTH})"), "product_id"],
        postgresql_include=["suffix"],  # SQLite's index holds the primary key (suffix) anyway
    )


def downgrade() -> None:
    op.drop_index("ix_product_name_suffixes_walk", table_name="product_name_suffixes")
