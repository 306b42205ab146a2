"""The SQL statements each operation issues per request, per database (transaction control
included: SQLite's explicit BEGIN counts, PostgreSQL's implicit one does not). Every front end
must match this table exactly, so that none is faster by doing less work, and it is the budget:
it does not grow with the size of a page. Checked by contract_tests/test_sql_statements.py."""

from __future__ import annotations

STATEMENTS = {
    "sqlite": {
        "health": 0, "ready": 2, "issue_token": 2, "read_me": 4, "read_product": 2, "list_products": 2,
        "create_product": 4, "update_product": 5, "place_order": 8, "list_orders": 5, "read_order": 5,
        "list_users": 4,
    },
    "postgresql": {
        "health": 0, "ready": 1, "issue_token": 1, "read_me": 2, "read_product": 1, "list_products": 1,
        "create_product": 2, "update_product": 3, "place_order": 6, "list_orders": 3, "read_order": 3,
        "list_users": 2,
    },
}  # fmt: skip
