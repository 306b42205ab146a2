"""What a fresh interpreter loads to build an app: its time, and the installed distributions the
files of the loaded modules belong to (each distribution's RECORD, through importlib.metadata), so
a front end's closure is measured, not declared. By file, not by top-level name: a namespace
package such as `opentelemetry` spans many distributions, of which an app may load a few."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from importlib import metadata
from pathlib import Path

from loadtests.results.footprint import Package

# Run in a fresh interpreter: import (and call, for "module:function") each target, then report the
# seconds it took and the file of every module loaded.
PROBE = """
import importlib, json, sys, time
started = time.perf_counter()
for target in sys.argv[1:]:
    module, _, function = target.partition(":")
    loaded = importlib.import_module(module)
    if function:
        getattr(loaded, function)()
seconds = time.perf_counter() - started
files = [m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None)]
print(json.dumps({"seconds": seconds, "files": files}))
"""


def probe(targets: list[str], env: dict[str, str]) -> tuple[float, set[str]]:
    """Seconds to import (and build) `targets` in a fresh interpreter, and the distributions whose
    modules it loaded (the standard library and this project's own packages belong to none)."""
    command = [sys.executable, "-c", PROBE, *targets]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=120)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    owners = _owners()
    files = {os.path.abspath(f) for f in found["files"]}
    return float(found["seconds"]), {owners[f] for f in files if f in owners}


@cache
def _owners() -> dict[str, str]:
    """Every installed module file's path → the name of the distribution that installed it."""
    owners = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]  # read once: each access parses the METADATA file again
        for f in dist.files or []:
            if f.suffix in {".py", ".so"}:
                owners[os.path.abspath(str(dist.locate_file(f)))] = name
    return owners


def package(name: str) -> Package:
    dist = metadata.distribution(name)
    paths = [Path(str(dist.locate_file(f))) for f in dist.files or []]
    size = sum(path.stat().st_size for path in paths if path.is_file())
    return Package(name=name, version=dist.version, installed_mib=round(size / 2**20, 2))
