"""Structured logs: one JSON line per request on `shop.access`, errors on `shop.error`."""

from __future__ import annotations

import json
import logging
import sys

from core.settings import Settings

access_log = logging.getLogger("shop.access")
error_log = logging.getLogger("shop.error")


def configure_logging(settings: Settings) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for logger in (access_log, error_log):
        logger.handlers[:] = [handler]
        logger.setLevel(settings.log_level)
        logger.propagate = False
    access_log.disabled = not settings.log_requests


def log_request(method: str, path: str, status: int, duration_ms: float, request_id: str) -> None:
    if access_log.disabled:
        return
    access_log.info(
        json.dumps(
            {
                "event": "request",
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": round(duration_ms, 2),
                "request_id": request_id,
            }
        )
    )


def log_unexpected_error(error: BaseException, method: str, path: str, request_id: str) -> None:
    """Log an unexpected exception with its trace, tagged with the request id."""
    error_log.error(
        json.dumps({"event": "unhandled_error", "method": method, "path": path, "request_id": request_id}),
        exc_info=error,
    )


def log_unexpected_status(status: int, method: str, path: str, request_id: str) -> None:
    """A status the framework answered by itself that the contract has no error for."""
    error_log.error(
        json.dumps(
            {
                "event": "unexpected_status",
                "status": status,
                "method": method,
                "path": path,
                "request_id": request_id,
            }
        )
    )
