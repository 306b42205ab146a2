"""Floor app for Flask: GET /hello and GET /products/<id>."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from core.db import make_engine
from core.models import Product
from loadtests.floor import as_json


def create_app() -> Flask:
    app = Flask(__name__)
    engine = make_engine(os.environ["DATABASE_URL"])

    @app.get("/hello")
    def hello() -> dict[str, Any]:
        return {"message": "hello"}

    @app.get("/products/<int:product_id>")
    def read_product(product_id: int) -> tuple[dict[str, Any], int]:
        with Session(engine) as session:
            product = session.get(Product, product_id)
            if product is None:
                return {"error": "not_found"}, 404
            return as_json(product), 200

    return app
