"""Scenario names and the Locust user class that plays each (in locustfile.py).

Kept apart from the locustfile so the runner never imports Locust (which monkey-patches with
gevent on import).
"""

from __future__ import annotations

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
