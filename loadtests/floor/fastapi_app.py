"""Floor app for FastAPI: GET /hello and GET /products/{id}."""

from __future__ import annotations

import os
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from core.db import make_engine
from core.models import Product
from loadtests.floor import as_json


def create_app() -> FastAPI:
    app = FastAPI()
    engine = make_engine(os.environ["DATABASE_URL"])

    @app.get("/hello")
    async def hello() -> dict[str, Any]:
        return {"message": "hello"}

    @app.get("/products/{product_id}")
    def read_product(product_id: int) -> Any:
        with Session(engine) as session:
            product = session.get(Product, product_id)
            if product is None:
                return JSONResponse({"error": "not_found"}, status_code=404)
            return as_json(product)

    return app
