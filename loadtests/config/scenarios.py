"""Scenario names and the Locust user class that plays each (in loadtests/load/locustfile.py).

Kept apart from the locustfile so the runner never imports Locust (which monkey-patches with
gevent on import): programs that run Locust get the locustfile's path.
"""

from __future__ import annotations

from pathlib import Path

LOCUSTFILE = Path(__file__).parents[1] / "load" / "locustfile.py"

USER_CLASSES = {
    "health": "Health",
    "product_by_id": "ProductById",
    "list_products": "ListProducts",
    "me": "Me",
    "create_order": "CreateOrder",
    "login": "Login",
    "mixed": "Mixed",
    "floor_hello": "FloorHello",
    "floor_product_by_id": "FloorProductById",
}
# The floor app's counterpart of an implementation scenario.
FLOOR_SCENARIOS = {"health": "floor_hello", "product_by_id": "floor_product_by_id"}
