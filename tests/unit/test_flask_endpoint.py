"""Flask's `@endpoint` declaration must match its view, or the app does not import."""

from __future__ import annotations

import pytest
from flask import Response

from core.auth import Principal
from core.schemas import ProductCreate
from flask_impl.deps import IF_MATCH, endpoint


def test_a_declared_input_the_view_does_not_take_fails_at_import() -> None:
    with pytest.raises(TypeError, match=r"declares \['data', 'if_match'\]"):

        @endpoint("admin", body=ProductCreate, headers={"if_match": IF_MATCH})
        def create_product() -> Response:
            return Response()


def test_a_public_view_cannot_ask_for_an_actor() -> None:
    with pytest.raises(TypeError, match="public"):

        @endpoint("public")
        def read_me(actor: Principal) -> Response:
            return Response()


def test_a_matching_declaration_keeps_the_view_name_for_flask_and_openapi() -> None:
    @endpoint("admin", body=ProductCreate)
    def create_product(data: ProductCreate) -> Response:
        return Response()

    assert create_product.__name__ == "create_product"
    assert create_product.operation.access == "admin"
