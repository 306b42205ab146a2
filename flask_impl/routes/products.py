"""The product catalogue: public reads, admin writes, ETags."""

from __future__ import annotations

from flask import Blueprint, Response

from core.http.conditional import if_none_match_hits, parse_if_match
from core.schemas import Page, ProductCreate, ProductPublic, ProductQuery, ProductReplace, ProductUpdate
from core.services import products
from flask_impl.deps import IF_MATCH, IF_NONE_MATCH, endpoint, json_response, no_content, runtime

bp = Blueprint("products", __name__, url_prefix="/v1/products")


@bp.get("")
@endpoint("public", query=ProductQuery, response=Page[ProductPublic])
def list_products(query: ProductQuery) -> Response:
    return json_response(products.list_products(query, db=runtime().db))


@bp.get("/<id:product_id>")
@endpoint("public", headers={"if_none_match": IF_NONE_MATCH}, response=ProductPublic)
def read_product(product_id: int, if_none_match: str | None) -> Response:
    product = products.read_product(product_id, db=runtime().db)
    if if_none_match_hits(if_none_match, product.etag):
        return Response(status=304, headers={"ETag": product.etag})
    return json_response(product, headers={"ETag": product.etag})


@bp.post("")
@endpoint("admin", body=ProductCreate, response=ProductPublic, status=201)
def create_product(data: ProductCreate) -> Response:
    product = products.create_product(data, db=runtime().db)
    return json_response(product, 201, {"Location": f"/v1/products/{product.id}", "ETag": product.etag})


@bp.put("/<id:product_id>")
@endpoint("admin", body=ProductReplace, headers={"if_match": IF_MATCH}, response=ProductPublic)
def replace_product(product_id: int, data: ProductReplace, if_match: str | None) -> Response:
    product = products.update_product(product_id, data, db=runtime().db, if_match=parse_if_match(if_match))
    return json_response(product, headers={"ETag": product.etag})


@bp.patch("/<id:product_id>")
@endpoint("admin", body=ProductUpdate, headers={"if_match": IF_MATCH}, response=ProductPublic)
def update_product(product_id: int, data: ProductUpdate, if_match: str | None) -> Response:
    product = products.update_product(product_id, data, db=runtime().db, if_match=parse_if_match(if_match))
    return json_response(product, headers={"ETag": product.etag})


@bp.delete("/<id:product_id>")
@endpoint("admin", headers={"if_match": IF_MATCH}, status=204)
def delete_product(product_id: int, if_match: str | None) -> Response:
    products.delete_product(product_id, db=runtime().db, if_match=parse_if_match(if_match))
    return no_content()
