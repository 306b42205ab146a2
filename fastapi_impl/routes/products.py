"""The product catalogue: public reads, admin writes, ETags."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from core.schemas import Page, ProductCreate, ProductPublic, ProductQuery, ProductReplace, ProductUpdate
from core.services import products
from core.web import if_none_match_hits
from fastapi_impl.deps import AdminDep, ContractRoute, PathId, RuntimeDep, json_response

router = APIRouter(prefix="/v1/products", tags=["products"], route_class=ContractRoute)

IfMatch = Annotated[str | None, Header(alias="If-Match")]
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match")]


@router.get("", response_model=Page[ProductPublic])
def list_products(query: Annotated[ProductQuery, Query()], rt: RuntimeDep) -> Response:
    return json_response(products.list_products(query, db=rt.db))


@router.get("/{product_id:id}", response_model=ProductPublic)
def read_product(product_id: PathId, rt: RuntimeDep, if_none_match: IfNoneMatch = None) -> Response:
    product = products.read_product(product_id, db=rt.db)
    if if_none_match_hits(if_none_match, product.etag):
        return Response(status_code=304, headers={"ETag": product.etag})
    return json_response(product, headers={"ETag": product.etag})


@router.post("", status_code=201, response_model=ProductPublic)
def create_product(data: ProductCreate, _: AdminDep, rt: RuntimeDep) -> Response:
    product = products.create_product(data, db=rt.db)
    return json_response(product, 201, {"Location": f"/v1/products/{product.id}", "ETag": product.etag})


@router.put("/{product_id:id}", response_model=ProductPublic)
def replace_product(
    product_id: PathId, data: ProductReplace, _: AdminDep, rt: RuntimeDep, if_match: IfMatch = None
) -> Response:
    product = products.update_product(product_id, data, db=rt.db, if_match=if_match)
    return json_response(product, headers={"ETag": product.etag})


@router.patch("/{product_id:id}", response_model=ProductPublic)
def update_product(
    product_id: PathId, data: ProductUpdate, _: AdminDep, rt: RuntimeDep, if_match: IfMatch = None
) -> Response:
    product = products.update_product(product_id, data, db=rt.db, if_match=if_match)
    return json_response(product, headers={"ETag": product.etag})


@router.delete("/{product_id:id}", status_code=204, response_class=Response)
def delete_product(product_id: PathId, _: AdminDep, rt: RuntimeDep, if_match: IfMatch = None) -> None:
    products.delete_product(product_id, db=rt.db, if_match=if_match)
