"""Every scenario, defined once: the Locust user that plays it (load/locustfile.py), the
verification checks that prove what it asks is right (gate/verify.py), its floor twin, and its
wrk and k6 scripts where those generators play it (load/wrk.py and load/k6.py add the fixture
and the options). TechEmpower's toolset keeps a test type's verification and load script
together the same way.

Kept apart from the locustfile so the runner never imports Locust (which monkey-patches with
gevent on import): programs that run Locust get the locustfile's path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LOCUSTFILE = Path(__file__).parents[1] / "load" / "locustfile.py"


@dataclass(frozen=True)
class Scenario:
    name: str
    locust_user: str  # its class in load/locustfile.py
    gate: tuple[str, ...]  # the verification checks that cover its requests
    floor: str | None = None  # the floor app's counterpart scenario
    wrk: str | None = None  # a Lua `request` function
    k6: str | None = None  # a k6 `default` function


SCENARIOS = {
    scenario.name: scenario
    for scenario in (
        Scenario(
            name="health",
            locust_user="Health",
            gate=("health",),
            floor="floor_hello",
            wrk='request = function() return wrk.format("GET", "/health") end',
        ),
        Scenario(
            name="product_by_id",
            locust_user="ProductById",
            gate=("product by id", "conditional GET"),
            floor="floor_product_by_id",
            wrk="""request = function()
  return wrk.format("GET", "/v1/products/" .. math.random(1, PRODUCTS))
end""",
            k6="""export default function () {
  http.get(`${BASE}/v1/products/${1 + Math.floor(Math.random() * PRODUCTS)}`, {tags: {name: 'product'}});
}""",
        ),
        Scenario(
            name="list_products",
            locust_user="ListProducts",
            gate=("list", "cursor", "q filter", "price filter", "sql statements"),
        ),
        Scenario(
            name="me",
            locust_user="Me",
            gate=("me", "forged token", "expired token"),
            wrk="""request = function()
  local headers = {Authorization = "Bearer " .. TOKENS[math.random(#TOKENS)]}
  return wrk.format("GET", "/v1/users/me", headers)
end""",
        ),
        Scenario(
            name="create_order",
            locust_user="CreateOrder",
            gate=("order", "sql statements"),
            k6="""export default function () {
  const items = [{product_id: 1 + Math.floor(Math.random() * PRODUCTS), quantity: 1}];
  const token = TOKENS[Math.floor(Math.random() * TOKENS.length)];
  http.post(`${BASE}/v1/orders`, JSON.stringify({items: items}), {
    headers: {'Content-Type': 'application/json', Authorization: `Bearer ${token}`},
    tags: {name: 'order'},
  });
}""",
        ),
        Scenario(
            name="login",
            locust_user="Login",
            gate=("login", "wrong password"),
            wrk="""request = function()
  local body = '{"email": "' .. EMAILS[math.random(#EMAILS)] .. '", "password": "' .. PASSWORD .. '"}'
  return wrk.format("POST", "/v1/auth/token", {["Content-Type"] = "application/json"}, body)
end""",
        ),
        Scenario(
            name="mixed",
            locust_user="Mixed",
            gate=("list", "cursor", "product by id", "order", "me"),
        ),
        Scenario(
            name="floor_hello",
            locust_user="FloorHello",
            gate=("hello",),
            wrk='request = function() return wrk.format("GET", "/hello") end',
        ),
        Scenario(
            name="floor_product_by_id",
            locust_user="FloorProductById",
            gate=("product by id",),
            wrk="""request = function()
  return wrk.format("GET", "/products/" .. math.random(1, PRODUCTS))
end""",
        ),
    )
}
USER_CLASSES = {name: scenario.locust_user for name, scenario in SCENARIOS.items()}
FLOOR_SCENARIOS = {name: scenario.floor for name, scenario in SCENARIOS.items() if scenario.floor}
