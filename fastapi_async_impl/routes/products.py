"""The product catalogue: public reads, admin writes, ETags."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from core.bridge import call
from core.http.conditional import if_none_match_hits, parse_if_match
from core.schemas import Page, ProductCreate, ProductPublic, ProductQuery, ProductReplace, ProductUpdate
from core.services import products
from fastapi_async_impl.deps import AdminDep
from fastapi_impl.deps import IfMatchHeader, IfNoneMatchHeader, PathId, json_response, runtime
from fastapi_impl.routing import ContractRoute

router = APIRouter(prefix="/v1/products", tags=["products"], route_class=ContractRoute)


@router.get("", response_model=Page[ProductPublic])
async def list_products(query: Annotated[ProductQuery, Query()], request: Request) -> Response:
    return json_response(await call(products.list_products, query, db=runtime(request).db))


@router.get("/{product_id:id}", response_model=ProductPublic)
async def read_product(
    product_id: PathId, request: Request, if_none_match: IfNoneMatchHeader = None
) -> Response:
    product = await call(products.read_product, product_id, db=runtime(request).db)
    if if_none_match_hits(if_none_match, product.etag):
        return Response(status_code=304, headers={"ETag": product.etag})
    return json_response(product, headers={"ETag": product.etag})


@router.post("", status_code=201, response_model=ProductPublic)
async def create_product(data: ProductCreate, _: AdminDep, request: Request) -> Response:
    product = await call(products.create_product, data, db=runtime(request).db)
    return json_response(product, 201, {"Location": f"/v1/products/{product.id}", "ETag": product.etag})


@router.put("/{product_id:id}", response_model=ProductPublic)
async def replace_product(
    product_id: PathId, data: ProductReplace, _: AdminDep, request: Request, if_match: IfMatchHeader = None
) -> Response:
    product = await call(
        products.update_product, product_id, data, db=runtime(request).db, if_match=parse_if_match(if_match)
    )
    return json_response(product, headers={"ETag": product.etag})


@router.patch("/{product_id:id}", response_model=ProductPublic)
async def update_product(
    product_id: PathId, data: ProductUpdate, _: AdminDep, request: Request, if_match: IfMatchHeader = None
) -> Response:
    product = await call(
        products.update_product, product_id, data, db=runtime(request).db, if_match=parse_if_match(if_match)
    )
    return json_response(product, headers={"ETag": product.etag})


@router.delete("/{product_id:id}", status_code=204, response_class=Response)
async def delete_product(
    product_id: PathId, _: AdminDep, request: Request, if_match: IfMatchHeader = None
) -> None:
    await call(products.delete_product, product_id, db=runtime(request).db, if_match=parse_if_match(if_match))
