"""The documentation's examples run as written.

The pages are README.md and every Markdown file under docs/: their ```python blocks are executed
(plain ones with exec, ones that define a test function under pytester), and the command line they
describe has the options they name (docs/command-line.md all of them). scenarios/README.md has its
own tests (test_scenario_docs.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
COMMAND_LINE = DOCS / "command-line.md"
PAGES = [README, *sorted(DOCS.rglob("*.md"))]


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
