"""The documentation's examples run as written, and its links lead somewhere.

The pages are README.md and every Markdown file under docs/: their ```python blocks are executed
(plain ones with exec, ones that define a test function under pytester), the command line they
describe has the options they name, and their relative links point to files (and headings) that
exist. scenarios/README.md has its own tests (test_scenario_docs.py); its links are checked here too.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
COMMAND_LINE = DOCS / "command-line.md"
PAGES = [README, *sorted(DOCS.rglob("*.md"))]
LINKED_PAGES = [*PAGES, ROOT / "scenarios" / "README.md"]


def name_of(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


def python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)


def test_docs_are_there():
    names = {name_of(page) for page in PAGES}
    assert {"README.md", "docs/command-line.md"} <= names
    assert any(name.startswith("docs/reference/") for name in names)


def test_readme_has_python_examples():
    assert python_blocks(README)


@pytest.mark.parametrize("page", PAGES, ids=name_of)
def test_python_examples_run(page):
    for block in python_blocks(page):
        if "def test_" in block:
            continue  # pytest examples: run by the next test
        exec(compile(block, str(page), "exec"), {})


pytest_plugins = ["pytester"]


def test_pytest_examples_pass(pytester):
    examples = [block for page in PAGES for block in python_blocks(page) if "def test_" in block]
    assert examples
    for number, block in enumerate(examples):
        pytester.makepyfile(**{f"test_doc_example_{number}": block})
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(examples))


COMMANDS = (
    ["serve"],
    ["sign"],
    ["scenario", "run"],
    ["scenario", "validate"],
    ["snapshot", "export"],
    ["snapshot", "import"],
    ["test"],
    ["ca"],
)


def help_of(*command: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "sandbox.cli", *command, "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def options_in(text: str) -> set[str]:
    # argparse may break a long option across lines after a hyphen ("--freeze-" / "at"): keep the stem.
    return {option.rstrip("-") for option in re.findall(r"--[a-z][a-z-]+", text)} - {"--help"}


def command_line_section() -> str:
    return README.read_text().split("## Command line")[1].split("\n## ")[0]


def test_readme_command_line_section_names_only_real_options():
    known = "".join(help_of(*c) for c in COMMANDS)
    section = command_line_section()
    options = options_in(section)
    assert options and all(option in known for option in options), options


def test_command_line_page_names_only_real_options():
    known = "".join(help_of(*c) for c in ([], *COMMANDS))
    options = options_in(COMMAND_LINE.read_text())
    assert options and all(option in known for option in options), options


def test_command_line_page_names_every_option():
    page = COMMAND_LINE.read_text()
    known = options_in("".join(help_of(*c) for c in ([], *COMMANDS)))
    assert known
    missing = {option for option in known if option not in page}
    assert not missing, missing


# ----- links ---------------------------------------------------------------------------------------
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def without_fences(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def anchors(page: Path) -> set[str]:
    """The fragments a page's headings answer to, slugged as GitHub does (inline code included)."""
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} (.+?)\s*$", without_fences(page.read_text()), flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def relative_links(page: Path) -> list[str]:
    """Link targets outside code (fenced blocks and inline), other than URLs with a scheme."""
    text = re.sub(r"`+[^`\n]*`+", "", without_fences(page.read_text()))
    return [target for target in LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", target)]


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in relative_links(page):
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (fragment and linked.suffix == ".md" and fragment not in anchors(linked)):
            broken.append(target)
    return broken


def test_pages_have_relative_links():
    assert relative_links(README)
    assert all(relative_links(page) for page in PAGES if page.parent == DOCS / "reference")


@pytest.mark.parametrize("page", LINKED_PAGES, ids=name_of)
def test_relative_links_point_to_existing_files(page):
    assert not broken_links(page)


def test_link_check_catches_missing_files_and_headings(tmp_path):
    (tmp_path / "there.md").write_text("# A heading: with `code`\n\n## Again\n\n## Again\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](there.md) [ok](there.md#a-heading-with-code) [ok](there.md#again-1) [web](https://example.com)\n"
        "`[not a link](nowhere.md)`\n```\n[nor this](nowhere.md)\n```\n"
        "[gone](missing.md) [gone too](missing.md#heading) [bad heading](there.md#nothing) [own heading](#nothing)\n"
    )
    assert anchors(tmp_path / "there.md") == {"a-heading-with-code", "again", "again-1"}
    assert broken_links(page) == ["missing.md", "missing.md#heading", "there.md#nothing", "#nothing"]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_the_readme_ci_example_runs_as_written(tmp_path):
    section = README.read_text().split("## Running a scenario in CI, any language")[1].split("\n## ")[0]
    line = re.search(r"^tts-sandbox test .+$", section, flags=re.M).group(0)
    words = line.split()
    words[words.index("--junit") + 1] = str(tmp_path / "report.xml")
    result = subprocess.run(
        [sys.executable, "-m", "sandbox.cli", *words[1:]],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 expectations, 4 passed" in result.stdout and (tmp_path / "report.xml").is_file()
