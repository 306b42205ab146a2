"""Security battery (OWASP API8), errors that leak nothing, on a server of our own whose rows the
test corrupts and whose log it reads.
"""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import create_engine, text

from contract_tests.helpers import login, new_customer, new_product
from contract_tests.own_server.server import OwnServer
from contract_tests.targets import ADMIN_EMAIL, ADMIN_PASSWORD

# A stored value the model cannot load: for SQLite text that is no timestamp; for PostgreSQL a
# valid timestamptz past Python's year 9999, which neither psycopg nor asyncpg can decode
# ('infinity' would not do: asyncpg decodes it as datetime.max).
UNLOADABLE_TIMESTAMP = {"sqlite": "not-a-timestamp", "postgresql": "20000-01-01 00:00:00+00"}


def corrupt_created_at(database_url: str, table: str, row_id: int) -> None:
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            value = UNLOADABLE_TIMESTAMP[engine.dialect.name]
            statement = text(f"UPDATE {table} SET created_at = '{value}' WHERE id = :id")
            assert connection.execute(statement, {"id": row_id}).rowcount == 1
    finally:
        engine.dispose()


def test_unexpected_error_is_a_bare_500_logged_with_its_request_id(
    own_server: OwnServer, own_client: httpx.Client
) -> None:
    admin = login(own_client, ADMIN_EMAIL, ADMIN_PASSWORD)
    customer = new_customer(own_client)
    product, bystander = new_product(own_client, admin), new_product(own_client, admin)
    corrupt_created_at(own_server.database_url, "products", product["id"])
    corrupt_created_at(own_server.database_url, "users", customer.id)
    for path, headers in [
        (f"/v1/products/{product['id']}", {}),
        ("/v1/products", {}),
        ("/v1/users/me", customer.headers),
    ]:
        request_id = f"security-{uuid.uuid4().hex}"
        response = own_client.get(path, headers={**headers, "X-Request-ID": request_id})
        assert response.status_code == 500, response.text
        assert response.json() == {"error": "internal_error", "message": "Internal server error"}
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.headers["X-Request-ID"] == request_id
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        if path.startswith("/v1/users"):
            assert response.headers["Cache-Control"] == "no-store"
        log = own_server.log_path.read_text()
        logged = next(line for line in log.splitlines() if request_id in line)
        assert '"unhandled_error"' in logged
        assert "Traceback (most recent call last)" in log.split(logged, 1)[1]
    assert own_client.get(f"/v1/products/{bystander['id']}").json() == bystander
    assert own_client.get("/health").status_code == 200
