"""`make audit` reads pip-audit's report: findings fail, packages it could not look up are no verdict."""

from __future__ import annotations

from devtools.audit import NOT_AUDITED, audit


def test_a_clean_audit_passes() -> None:
    status, lines = audit({"dependencies": [{"name": "flask", "version": "3.1.0", "vulns": []}]})
    assert status == 0 and "no known vulnerabilities" in lines[0]


def test_a_finding_fails_with_its_package_advisory_and_fix() -> None:
    vuln = {"id": "PYSEC-2026-1", "fix_versions": ["3.1.1"], "aliases": ["CVE-2026-0001"], "description": ""}
    status, lines = audit({"dependencies": [{"name": "flask", "version": "3.1.0", "vulns": [vuln]}]})
    assert status == 1
    assert lines[1] == "flask 3.1.0: PYSEC-2026-1 (CVE-2026-0001); fixed in 3.1.1"


def test_packages_that_could_not_be_looked_up_are_no_verdict_not_a_pass() -> None:
    skipped = {"name": "flask", "skip_reason": "Dependency not found on PyPI and could not be audited"}
    report = {"dependencies": [skipped, {"name": "jinja2", "version": "3.1.6", "vulns": []}]}
    status, lines = audit(report)
    assert status == NOT_AUDITED
    assert lines[0].startswith("NOT AUDITED: 1 of 2") and "could not be audited" in lines[1]
