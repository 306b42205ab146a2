"""The scenarios' test data, one pydantic model shared by the runner, `make ui`, the locustfile
and the verification gate.

The benchmark builds it offline from the seed (tokens are signed with the servers' secret and
cursors are plain ids, see core/pagination.py), so every server of a run gets the same data.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from core.auth import Tokens
from core.pagination import encode_cursor
from core.settings import Settings
from loadtests.config.dataset import SeedSpec
from loadtests.env.seed import ADJECTIVES, ADMIN_EMAIL, NOUNS, PASSWORD, customer_email

TOKENS = 200
CURSORS = 50
PAGE = 100


class Fixture(BaseModel):
    tokens: list[str] = Field(min_length=1, description="customer access tokens")
    token_emails: list[str] = Field(description="the email of each token's customer, same order")
    emails: list[str] = Field(min_length=1, description="customers who can log in with `password`")
    password: str
    admin_email: str
    products: int = Field(ge=1, description="product ids are 1..products")
    cursors: list[str] = Field(description="cursors into the product list, from several depths")
    words: list[str] = Field(min_length=1, description="words that occur in product names")

    def write(self, path: Path) -> Path:
        path.write_text(self.model_dump_json())
        return path

    @classmethod
    def read(cls, path: Path) -> Fixture:
        return cls.model_validate_json(path.read_text())


def seeded_fixture(spec: SeedSpec, settings: Settings) -> Fixture:
    """Test data for a database seeded with `spec`, tokens signed with `settings`' secret."""
    tokens = Tokens.from_settings(settings)
    customers = list(range(2, spec.users + 1))
    token_users = customers[:TOKENS]
    depth = min(CURSORS, spec.products // PAGE)
    return Fixture(
        tokens=[tokens.issue(user_id, "customer") for user_id in token_users],
        token_emails=[customer_email(user_id) for user_id in token_users],
        emails=[customer_email(user_id) for user_id in customers],
        password=PASSWORD,
        admin_email=ADMIN_EMAIL,
        products=spec.products,
        cursors=[encode_cursor(PAGE * page) for page in range(1, depth + 1)],
        words=ADJECTIVES + NOUNS,
    )
