"""The documentation's files (core/http/docs.py) come from the fastapi-offline package without
running it: Flask must never load FastAPI. An upgrade of the package that renames or drops a
file fails here, by name."""

from __future__ import annotations

import subprocess
import sys

from core.http import docs


def test_every_served_file_is_in_the_package() -> None:
    directory = docs.assets_directory()
    for name in docs.ASSET_TYPES:
        assert (directory / name).is_file(), f"fastapi-offline no longer ships {name} in {directory}"


def test_the_pages_are_built_without_importing_the_package_or_fastapi() -> None:
    script = (
        "import sys\n"
        "from core.http import docs\n"
        "docs.swagger_ui_page(), docs.redoc_page(), docs.asset('favicon.png')\n"
        "frameworks = ('fastapi', 'fastapi_offline', 'starlette')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in frameworks)\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_only_known_names_are_served() -> None:
    for name in ("", ".", "..", "../pyproject.toml", "static/favicon.png", "__init__.py", "FAVICON.PNG"):
        assert docs.asset(name) is None, name
