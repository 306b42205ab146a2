"""The product catalogue: public reads, admin writes, ETags."""

from __future__ import annotations

from flask import Blueprint, Response, request

from core.schemas import Page, ProductCreate, ProductPublic, ProductQuery, ProductReplace, ProductUpdate
from core.services import products
from core.web import if_none_match_hits
from flask_impl.deps import admin_principal, json_response, no_content, parse_body, parse_query, runtime
from flask_impl.openapi import IF_MATCH, IF_NONE_MATCH, operation

bp = Blueprint("products", __name__, url_prefix="/v1/products")


@bp.get("")
@operation(query=ProductQuery, response=Page[ProductPublic])
def list_products() -> Response:
    return json_response(products.list_products(parse_query(ProductQuery), db=runtime().db))


@bp.get("/<id:product_id>")
@operation(response=ProductPublic, headers=[IF_NONE_MATCH])
def read_product(product_id: int) -> Response:
    product = products.read_product(product_id, db=runtime().db)
    if if_none_match_hits(request.headers.get("If-None-Match"), product.etag):
        return Response(status=304, headers={"ETag": product.etag})
    return json_response(product, headers={"ETag": product.etag})


@bp.post("")
@operation(body=ProductCreate, response=ProductPublic, status=201, auth=True)
def create_product() -> Response:
    admin_principal()
    product = products.create_product(parse_body(ProductCreate), db=runtime().db)
    return json_response(product, 201, {"Location": f"/v1/products/{product.id}", "ETag": product.etag})


@bp.put("/<id:product_id>")
@operation(body=ProductReplace, response=ProductPublic, headers=[IF_MATCH], auth=True)
def replace_product(product_id: int) -> Response:
    admin_principal()
    data = parse_body(ProductReplace)
    product = products.update_product(
        product_id, data, db=runtime().db, if_match=request.headers.get("If-Match")
    )
    return json_response(product, headers={"ETag": product.etag})


@bp.patch("/<id:product_id>")
@operation(body=ProductUpdate, response=ProductPublic, headers=[IF_MATCH], auth=True)
def update_product(product_id: int) -> Response:
    admin_principal()
    data = parse_body(ProductUpdate)
    product = products.update_product(
        product_id, data, db=runtime().db, if_match=request.headers.get("If-Match")
    )
    return json_response(product, headers={"ETag": product.etag})


@bp.delete("/<id:product_id>")
@operation(status=204, headers=[IF_MATCH], auth=True)
def delete_product(product_id: int) -> Response:
    admin_principal()
    products.delete_product(product_id, db=runtime().db, if_match=request.headers.get("If-Match"))
    return no_content()
