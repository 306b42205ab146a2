"""What a fresh interpreter loads is attributed to the distributions that installed its files."""

from __future__ import annotations

import os

from loadtests.env.footprint import package, probe


def test_the_standard_library_belongs_to_no_distribution() -> None:
    _, startup = probe([], dict(os.environ))  # what the interpreter loads anyway (site's .pth files)
    seconds, loaded = probe(["json", "decimal"], dict(os.environ))
    assert seconds > 0
    assert loaded == startup


def test_a_package_brings_its_own_dependencies_and_only_those() -> None:
    _, loaded = probe(["pydantic"], dict(os.environ))
    assert {"pydantic", "pydantic_core"} <= loaded
    assert "SQLAlchemy" not in loaded and "fastapi" not in loaded


def test_an_installed_package_has_a_version_and_a_size() -> None:
    found = package("pydantic")
    assert found.version and found.installed_mib > 0.5
