"""The JSON contract as pydantic models, shared by every front end for input and output.

Requests are strict (a JSON integer only for an int, a string only for a str) and forbid
unknown fields. Query models parse from text, as query strings are text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Generic, Literal, TypeVar

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    MISSING,
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from core.etags import etag_for
from core.ids import ID_PATTERN, MAX_ID

MAX_PRICE_CENTS = 10**12
MAX_STOCK = 10**9
MAX_ORDER_ITEMS = 50
MAX_QUANTITY = 1000
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


def _check_email_syntax(value: str) -> str:
    try:
        # test_environment: `.test` (reserved for testing, RFC 6761) is valid syntax too.
        validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        raise ValueError(f"not a valid email address: {error}") from None
    return value


def _rfc3339_utc(value: datetime) -> str:
    # isoformat ends a UTC time in "+00:00", and is a third faster than strftime (once per
    # timestamp of every product, user and order sent).
    return value.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=320),
    AfterValidator(_check_email_syntax),
    Field(json_schema_extra={"format": "email"}),
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]
# PostgreSQL text cannot hold U+0000, so no string that is stored or searched for may contain it.
NO_NUL = r"^[^\x00]*$"
# What `strip_whitespace` trims: Unicode White_Space (pydantic-core trims as Rust's str::trim).
# Spelled out because `\s` means something else in each regex engine.
_SPACE = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def _trimmed_name_schema(max_length: int) -> dict[str, str]:
    """What a name field accepts (1..max_length characters once trimmed, no NUL) as one pattern:
    minLength/maxLength would count the whitespace that trimming drops."""
    edge = rf"[^{_SPACE}\x00]"
    pattern = rf"^[{_SPACE}]*{edge}(?:[^\x00]{{0,{max_length - 2}}}{edge})?[{_SPACE}]*$"
    return {"type": "string", "pattern": pattern}


UserName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=NO_NUL),
    WithJsonSchema(_trimmed_name_schema(100)),
]
ProductName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL),
    WithJsonSchema(_trimmed_name_schema(200)),
]
Description = Annotated[str, StringConstraints(max_length=2000, pattern=NO_NUL)]
PriceCents = Annotated[int, Field(ge=0, le=MAX_PRICE_CENTS)]
Stock = Annotated[int, Field(ge=0, le=MAX_STOCK)]
Role = Literal["customer", "admin"]
OrderStatus = Literal["pending", "paid", "shipped", "cancelled"]
Timestamp = Annotated[datetime, PlainSerializer(_rfc3339_utc, return_type=str)]
IdempotencyKey = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[\x20-\x7e]+$")]
_DECIMAL_TEXT = re.compile(r"-?[0-9]+")


def _decimal_text(value: object) -> object:
    # pydantic's lax int also takes "1.0", " 1", "+1" and "1_000": not integers as the schema
    # (type: integer) and the contract ("parsed from their text") read a query parameter.
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value):
        message = "Input should be a valid integer, unable to parse string as an integer"
        raise PydanticCustomError("int_parsing", message)
    return value


# A query integer: decimal digits, with a minus sign to reach the range check rather than a parse
# error. It goes after Field(...): before it, the bounds would reach the JSON schema as `ge`/`le`.
QueryInteger = BeforeValidator(_decimal_text)
QueryInt = Annotated[int, Field(ge=0, le=MAX_ID), QueryInteger]
PathId = Annotated[int, Field(ge=1, le=MAX_ID)]
# Checked by core.pagination.decode_cursor (a 422 naming `cursor`); the schema only documents it.
Cursor = Annotated[str, WithJsonSchema({"type": "string", "pattern": f"^{ID_PATTERN}$"})]


class RequestModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class ResponseModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- auth and users --------------------------------------------------------------------------


class UserRegister(RequestModel):
    email: Email
    password: Password
    name: UserName


class TokenRequest(RequestModel):
    email: Email
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class UserUpdate(RequestModel):
    name: UserName | MISSING = MISSING
    password: Password | MISSING = MISSING
    role: Role | MISSING = MISSING


class UserPublic(ResponseModel):
    id: int
    email: str
    name: str
    role: Role
    created_at: Timestamp


class TokenPublic(ResponseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


# --- products --------------------------------------------------------------------------------


class ProductCreate(RequestModel):
    name: ProductName
    description: Description = ""
    price_cents: PriceCents
    stock: Stock


class ProductReplace(ProductCreate):
    """PUT: like a create, but the description is required too."""

    description: Description


class ProductUpdate(RequestModel):
    name: ProductName | MISSING = MISSING
    description: Description | MISSING = MISSING
    price_cents: PriceCents | MISSING = MISSING
    stock: Stock | MISSING = MISSING


class ProductPublic(ResponseModel):
    id: int
    name: str
    description: str
    price_cents: int
    stock: int
    created_at: Timestamp
    updated_at: Timestamp
    # Sent as the ETag header, not in the body.
    version: SkipJsonSchema[int] = Field(exclude=True)

    @property
    def etag(self) -> str:
        return etag_for(self.version)


# --- orders ----------------------------------------------------------------------------------


class OrderItemCreate(RequestModel):
    product_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    quantity: Annotated[int, Field(ge=1, le=MAX_QUANTITY)]


class OrderCreate(RequestModel):
    items: Annotated[list[OrderItemCreate], Field(min_length=1, max_length=MAX_ORDER_ITEMS)]


class OrderStatusUpdate(RequestModel):
    status: OrderStatus


class OrderItemPublic(ResponseModel):
    product_id: int
    quantity: int
    unit_price_cents: int


class OrderPublic(ResponseModel):
    id: int
    user_id: int
    status: OrderStatus
    items: list[OrderItemPublic]
    total_cents: int
    created_at: Timestamp
    updated_at: Timestamp


# --- lists -----------------------------------------------------------------------------------


class PageQuery(BaseModel):
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE), QueryInteger] = DEFAULT_PAGE_SIZE
    cursor: Cursor | None = None


class ProductQuery(PageQuery):
    q: Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)] = ""
    min_price_cents: QueryInt | None = None
    max_price_cents: QueryInt | None = None


class OrderQuery(PageQuery):
    status: OrderStatus | None = None
    user_id: Annotated[int, Field(ge=1, le=MAX_ID), QueryInteger] | None = None


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None


# --- errors ----------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    error: str
    message: str
    details: list[ErrorDetail] | MISSING = MISSING


class Status(BaseModel):
    status: Literal["ok"] = "ok"
