"""Security battery (OWASP API2), authentication: tokens, on a server of our own whose keys have
rotated once more than the suite's.
"""

from __future__ import annotations

import httpx
import jwt

from contract_tests.helpers import assert_unauthorized, forge, kid_of, me, new_customer
from contract_tests.own_server.server import ROTATED_SECRET
from contract_tests.targets import Target


def test_key_rotation_keeps_the_retired_secret_and_drops_the_one_before(
    own_client: httpx.Client, target: Target
) -> None:
    """On a server whose keys rotated once more: the suite's secret now only verifies, and the
    suite's retired secret (still accepted by the suite's server, see test_auth.py) is gone."""
    assert target.old_jwt_secret is not None
    customer = new_customer(own_client)
    assert jwt.get_unverified_header(customer.token)["kid"] == kid_of(ROTATED_SECRET)
    assert me(own_client, forge(target, customer)).status_code == 200
    assert_unauthorized(me(own_client, forge(target, customer, secret=target.old_jwt_secret)))
