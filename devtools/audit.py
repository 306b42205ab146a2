"""`make audit`: pip-audit over requirements.lock, with an honest exit status.

pip-audit says "No known vulnerabilities found" and exits 0 even when it could not look a single
package up (no network: every dependency is "skipped"). This wrapper reads its JSON report
instead and exits with:

- 0: every locked package was audited and none has a known vulnerability;
- 1: findings (each printed with its package, version, advisory and fixed versions);
- 3: some packages could not be audited (the reason is printed): no verdict either way.

Extra arguments go to pip-audit (e.g. `--vulnerability-service osv`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from devtools.servers import REPO_ROOT

LOCK = REPO_ROOT / "requirements.lock"
NOT_AUDITED = 3


def audit(report: dict[str, Any]) -> tuple[int, list[str]]:
    """The exit status and the lines to print for a pip-audit JSON report."""
    dependencies = report["dependencies"]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    lines = []
    for dependency in dependencies:
        for vuln in dependency.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            aliases = ", ".join(vuln.get("aliases") or [])
            lines.append(
                f"{dependency['name']} {dependency['version']}: {vuln['id']}"
                + (f" ({aliases})" if aliases else "")
                + f"; fixed in {fixed}"
            )
    if lines:
        return 1, [f"{len(lines)} known vulnerabilities in requirements.lock:", *lines]
    if skipped:
        return NOT_AUDITED, [
            f"NOT AUDITED: {len(skipped)} of {len(dependencies)} locked packages could not be looked up, "
            "so there is no verdict (not 'no vulnerabilities').",
            f"First reason: {skipped[0]['skip_reason']}",
            "Run `make audit` where the vulnerability service is reachable (SECURITY.md: Dependencies).",
        ]
    return 0, [f"All {len(dependencies)} locked packages audited: no known vulnerabilities."]


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "audit.json"
        command = [
            str(Path(sys.executable).with_name("pip-audit")), "-r", str(LOCK), "--require-hashes",
            "--disable-pip", "--progress-spinner", "off", "--format", "json", "--output", str(output), *argv,
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if not output.exists():
            print(f"pip-audit failed (exit {done.returncode}):\n{done.stderr}", file=sys.stderr)
            return NOT_AUDITED
        status, lines = audit(json.loads(output.read_text()))
    print("\n".join(lines), file=sys.stderr if status else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
