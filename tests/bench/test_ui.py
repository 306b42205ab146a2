"""`make ui` offers the scenarios that fit the server it points at."""

from __future__ import annotations

import httpx
import pytest

from loadtests.studies.ui import highest_floor_product, server_kind, user_classes


def client_for(routes: dict[str, int]) -> httpx.Client:
    transport = httpx.MockTransport(lambda request: httpx.Response(routes.get(request.url.path, 404)))
    return httpx.Client(transport=transport, base_url="http://server")


def test_an_api_server_gets_the_implementation_scenarios_only() -> None:
    assert server_kind(client_for({"/health": 200})) == "implementation"
    classes = user_classes("implementation")
    assert "ProductById" in classes and "Mixed" in classes
    assert not {"FloorHello", "FloorProductById"} & set(classes)


def test_a_floor_app_gets_the_floor_scenarios_only() -> None:
    assert server_kind(client_for({"/hello": 200})) == "floor"
    assert user_classes("floor") == ["FloorHello", "FloorProductById"]


def test_a_server_that_is_neither_is_refused() -> None:
    with pytest.raises(SystemExit, match="neither"):
        server_kind(client_for({}))


@pytest.mark.parametrize("highest", [1, 2, 37, 1000, 10_000])
def test_the_floor_apps_highest_product_is_found_by_probing(highest: int) -> None:
    routes = {f"/products/{i}": 200 for i in range(1, highest + 1)}
    assert highest_floor_product(client_for(routes)) == highest
