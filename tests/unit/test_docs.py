"""The documentation stays true to the code it describes: every `make` target has a `##` help
line (what `make help` prints), every setting of `core/settings.py` is in docs/configuration.md,
every relative link in README.md and docs/ reaches a file (and its heading, when it names one),
and the README stays one short page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = ROOT / "Makefile"
CONFIGURATION = ROOT / "docs" / "configuration.md"
README_MAX_LINES = 200

# A rule line: `name: prerequisites`, not a variable (`NAME := value`) nor a pattern or file rule.
TARGET = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9_-]*):(?!=)(?P<rest>.*)$")
LINK = re.compile(r"!?\[[^\]]*\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^#{1,6}\s+(?P<text>.+?)\s*#*\s*$")


def markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def prose_lines(path: Path) -> list[str]:
    """The file's lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in prose_lines(path):
        if match := HEADING.match(line):
            base = slug(match["text"])
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(path: Path) -> list[str]:
    links = []
    for line in prose_lines(path):
        for match in LINK.finditer(re.sub(r"`[^`]*`", "", line)):
            target = match["target"].strip("<>")
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: ...
                links.append(target)
    return links


def test_every_make_target_has_a_help_line() -> None:
    targets = {}
    for line in MAKEFILE.read_text(encoding="utf-8").splitlines():
        if match := TARGET.match(line):
            targets[match["name"]] = "## " in match["rest"] and bool(match["rest"].split("## ", 1)[1].strip())
    assert "help" in targets, "make help lists the targets"
    assert len(targets) >= 10
    assert [name for name, documented in targets.items() if not documented] == []


def test_every_setting_is_in_the_configuration_page() -> None:
    page = CONFIGURATION.read_text(encoding="utf-8")
    prefix = str(Settings.model_config.get("env_prefix", "")).upper()
    names = [
        (field.validation_alias if isinstance(field.validation_alias, str) else f"{prefix}{name}").upper()
        for name, field in Settings.model_fields.items()
    ]
    assert len(names) >= 20
    assert [name for name in names if f"`{name}`" not in page] == []


@pytest.mark.parametrize("path", markdown_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves(path: Path) -> None:
    broken = []
    for link in relative_links(path):
        file_part, _, anchor = link.partition("#")
        target = (path.parent / file_part).resolve() if file_part else path
        if not target.exists():
            broken.append(f"{link}: no such file")
        elif anchor and target.suffix == ".md" and anchor not in anchors(target):
            broken.append(f"{link}: no heading #{anchor} in {target.relative_to(ROOT)}")
    assert broken == []


def test_the_readme_is_one_short_page() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES


def test_anchors_follow_githubs_rule() -> None:
    assert slug("Where the frameworks needed different code") == "where-the-frameworks-needed-different-code"
    assert slug("`make bench`, twice") == "make-bench-twice"
    assert slug("A/A: how often it is wrong") == "aa-how-often-it-is-wrong"
