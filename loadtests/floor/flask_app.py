"""Floor app for Flask: GET /hello and GET /products/<id> (see loadtests/floor/__init__.py)."""

from __future__ import annotations

from flask import Flask, Response

from loadtests.floor import HELLO, JSON, NOT_FOUND, database, read_product_json


def create_app() -> Flask:
    app = Flask(__name__)
    db = database()
    # Werkzeug copies a response's headers when it sends it, so one instance serves every request.
    hello_response = Response(HELLO, content_type=JSON)

    @app.get("/hello")
    def hello() -> Response:
        return hello_response

    @app.get("/products/<int:product_id>")
    def read_product(product_id: int) -> Response:
        body = read_product_json(db, product_id)
        if body is None:
            return Response(NOT_FOUND, status=404, content_type=JSON)
        return Response(body, content_type=JSON)

    return app
