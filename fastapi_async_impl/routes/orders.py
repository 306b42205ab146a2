"""Orders: placement with idempotent retries, listing, status changes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from core.bridge import call
from core.schemas import OrderCreate, OrderPublic, OrderQuery, OrderStatusUpdate, Page
from core.services import orders
from fastapi_async_impl.deps import PrincipalDep
from fastapi_impl.deps import IdempotencyKeyHeader, PathId, json_response, runtime
from fastapi_impl.routing import ContractRoute

router = APIRouter(prefix="/v1/orders", tags=["orders"], route_class=ContractRoute)


@router.post("", status_code=201, response_model=OrderPublic)
async def place_order(
    data: OrderCreate,
    actor: PrincipalDep,
    request: Request,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    order = await call(
        orders.place_order, data, db=runtime(request).db, actor=actor, idempotency_key=idempotency_key
    )
    return json_response(order, 201, {"Location": f"/v1/orders/{order.id}"})


@router.get("", response_model=Page[OrderPublic])
async def list_orders(
    query: Annotated[OrderQuery, Query()], actor: PrincipalDep, request: Request
) -> Response:
    return json_response(await call(orders.list_orders, query, db=runtime(request).db, actor=actor))


@router.get("/{order_id:id}", response_model=OrderPublic)
async def read_order(order_id: PathId, actor: PrincipalDep, request: Request) -> Response:
    return json_response(await call(orders.read_order, order_id, db=runtime(request).db, actor=actor))


@router.patch("/{order_id:id}", response_model=OrderPublic)
async def change_order_status(
    order_id: PathId, data: OrderStatusUpdate, actor: PrincipalDep, request: Request
) -> Response:
    return json_response(
        await call(orders.change_order_status, order_id, data, db=runtime(request).db, actor=actor)
    )
