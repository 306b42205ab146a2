"""Sends the steps of a sequence to one server. The test runs it against each front end, and a
failure report prints its source into a standalone replay script, so it needs nothing but httpx."""

from __future__ import annotations

from typing import Any

import httpx


class Replayer:
    """Keeps what a sequence refers to by name, per server: each actor's token (from its last
    successful login) and each returned cursor (by the number of the step that returned it)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.tokens: dict[str, str] = {}
        self.cursors: dict[int, str] = {}

    def call(
        self,
        step: int,
        method: str,
        path: str,
        *,
        actor: str | None = None,
        authorization: str | None = None,
        params: list[tuple[str, str]] | None = None,
        cursor: int | None = None,
        headers: dict[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
        login: str | None = None,
    ) -> httpx.Response:
        """`actor` sends that actor's token if it has one; `authorization` sends a literal header;
        `login` keeps the token of a successful answer as that actor's."""
        sent = dict(headers or {})
        if actor in self.tokens:
            sent["Authorization"] = f"Bearer {self.tokens[actor]}"
        if authorization is not None:
            sent["Authorization"] = authorization
        query = list(params or [])
        if cursor is not None:
            query.append(("cursor", self.cursors[cursor]))
        response = self.client.request(
            method, path, params=tuple(query), headers=sent, json=json, content=content
        )
        if response.status_code == 200 and response.headers.get("content-type", "").startswith(
            "application/json"
        ):
            body = response.json()
            if login is not None:
                self.tokens[login] = body["access_token"]
            if isinstance(body, dict) and body.get("next_cursor"):
                self.cursors[step] = body["next_cursor"]
        return response
