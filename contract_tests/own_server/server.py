"""A server of our own: what the tests of this folder know of the live server they start."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROTATED_SECRET = "security-suite-rotated-secret-0123456789"


@dataclass(frozen=True)
class OwnServer:
    base_url: str
    database_url: str
    log_path: Path
    process_group: int
