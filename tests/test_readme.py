"""The README's Python examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_has_python_examples():
    assert python_blocks()


def test_readme_python_examples_run():
    for block in python_blocks():
        if "def test_" in block:
            continue  # pytest examples: run by the next test
        exec(compile(block, str(README), "exec"), {})


pytest_plugins = ["pytester"]


def test_readme_pytest_examples_pass(pytester):
    examples = [block for block in python_blocks() if "def test_" in block]
    assert examples
    for number, block in enumerate(examples):
        pytester.makepyfile(**{f"test_readme_example_{number}": block})
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=len(examples))


def test_readme_command_line_section_names_only_real_options():
    import subprocess
    import sys

    def help_of(*command: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "sandbox.cli", *command, "--help"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    commands = (
        ["serve"],
        ["sign"],
        ["scenario", "run"],
        ["scenario", "validate"],
        ["snapshot", "export"],
        ["snapshot", "import"],
    )
    known = "".join(help_of(*c) for c in commands)
    section = README.read_text().split("## Command line")[1].split("\n## ")[0]
    options = set(re.findall(r"--[a-z][a-z-]+", section)) - {"--help"}
    assert options and all(option in known for option in options), options
