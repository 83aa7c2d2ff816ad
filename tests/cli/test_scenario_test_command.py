"""`tts-sandbox test SCENARIO -- COMMAND`: a CI suite in any language judged by a scenario.

A sandbox and a tenant of its own, the credentials in TTS_SANDBOX_* variables, the clock taken to
the scenario's end when the command is done, the JUnit report written, and an exit status that is
0 only when the command and every expectation passed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from xml.etree import ElementTree

import pytest

from sandbox.cli import main
from sandbox.scenario_files import bundled_names
from sandbox.scenario_test import ENVIRONMENT, EXIT_COMMAND, EXIT_EXPECTATIONS, EXIT_PASSED, EXIT_USAGE
from tests.helpers import ROOT

NODE_CLIENT = ROOT / "tests" / "cli" / "clients" / "three_failed_attempts.mjs"
TRACKING = "the client checks the tracking within a day of the first failed attempt"


def tts_test(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`tts-sandbox test ...` as a CI job runs it: a child process, from a directory of its own."""
    return subprocess.run(
        [sys.executable, "-m", "sandbox.cli", "test", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


def junit_cases(path: Path) -> dict[str, str]:
    """Each test case of a JUnit file by name: passed, failure or skipped."""
    suite = ElementTree.parse(path).getroot()
    cases = {}
    for case in suite.iter("testcase"):
        child = next(iter(case), None)
        cases[case.get("name", "")] = "passed" if child is None else child.tag
    return cases


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
@pytest.mark.parametrize(
    ("mode", "status", "failed"),
    [([], EXIT_PASSED, set()), (["--never-poll-tracking"], EXIT_EXPECTATIONS, {TRACKING})],
    ids=["attentive", "never-polls-tracking"],
)
def test_three_failed_attempts_judges_a_node_client_by_its_tracking_polls(tmp_path, mode, status, failed):
    report = tmp_path / "report.xml"
    result = tts_test(
        "three-failed-attempts", "--junit", str(report), "--", "node", str(NODE_CLIENT), *mode, cwd=tmp_path
    )
    assert result.returncode == status, result.stdout + result.stderr
    cases = junit_cases(report)
    assert len(cases) == 4
    assert {name for name, verdict in cases.items() if verdict == "failure"} == failed
    if failed:
        assert f"FAILED   {TRACKING}: no successful get_order_tracking call" in result.stdout
    else:
        assert "4 expectations, 4 passed" in result.stdout


# A scenario of the test's own: one order awaiting shipment that the client must look at within a day.
LOOK = """\
scenario: look-at-the-order
setup: {start: 2026-03-02T09:00:00Z, background_orders: 0}
orders:
  mug: {status: AWAITING_SHIPMENT, line_items: [{product_name: Mug, price: "14.00"}]}
expect:
  - name: the client fetches the mug's order within a day
    client_calls: get_order_detail
    order: mug
    within: 1d
until: 2d
"""

# The command: a Python client that reads everything it needs from the environment.
CLIENT = """\
import json, os, sys, httpx
from sandbox.client import SignedClient

env = os.environ
with httpx.Client(base_url=env["TTS_SANDBOX_BASE_URL"]) as http:
    report = http.get(
        env["TTS_SANDBOX_CONTROL_URL"] + "/scenarios/" + env["TTS_SANDBOX_SCENARIO"],
        headers={"X-Sandbox-Tenant": env["TTS_SANDBOX_TENANT"]},
    ).json()
    mug = report["orders"]["mug"]["order_id"]
    tts = SignedClient(
        http,
        app_key=env["TTS_SANDBOX_APP_KEY"],
        app_secret=env["TTS_SANDBOX_APP_SECRET"],
        access_token=env["TTS_SANDBOX_ACCESS_TOKEN"],
        shop_cipher=env["TTS_SANDBOX_SHOP_CIPHER"],
    )
    if sys.argv[1] == "look":
        answer = tts.get("/order/202309/orders", params={"ids": [mug]}).json()
        assert answer["code"] == 0, answer
    json.dump({k: v for k, v in env.items() if k.startswith("TTS_SANDBOX_")}, open(sys.argv[2], "w"))
sys.exit(int(sys.argv[3]))
"""


@pytest.fixture
def look(tmp_path: Path) -> tuple[Path, Path]:
    scenario = tmp_path / "look.yaml"
    scenario.write_text(LOOK)
    client = tmp_path / "client.py"
    client.write_text(CLIENT)
    return scenario, client


def run_look(
    tmp_path: Path, look: tuple[Path, Path], *client_args: str, options: tuple[str, ...] = ()
) -> int:
    scenario, client = look
    junit = tmp_path / "look.xml"
    seen = tmp_path / "environment.json"
    return main(
        [
            "test",
            str(scenario),
            "--junit",
            str(junit),
            *options,
            "--",
            sys.executable,
            str(client),
            client_args[0],
            str(seen),
            *client_args[1:],
        ]
    )


def test_a_python_client_that_looks_in_time_passes_and_the_clock_is_taken_to_the_end(tmp_path, look, capsys):
    import json

    assert run_look(tmp_path, look, "look", "0") == EXIT_PASSED
    out = capsys.readouterr().out
    # The client never touched the clock: it was advanced to the scenario's `until`, 2 days on.
    assert "the clock was advanced from 2026-03-02T09:00:00Z to 2026-03-04T09:00:00Z, its end" in out
    assert "1 expectation, 1 passed" in out
    assert junit_cases(tmp_path / "look.xml") == {"the client fetches the mug's order within a day": "passed"}
    environment = json.loads((tmp_path / "environment.json").read_text())
    assert set(environment) >= set(ENVIRONMENT)
    # A tenant of its own: not the well-known default credentials.
    assert environment["TTS_SANDBOX_APP_KEY"] == environment["TTS_SANDBOX_TENANT"] != "sandbox_app_key"
    assert environment["TTS_SANDBOX_CONTROL_URL"] == environment["TTS_SANDBOX_BASE_URL"] + "/sandbox"


def test_a_client_that_never_looks_fails_naming_the_expectation_and_its_reason(tmp_path, look, capsys):
    assert run_look(tmp_path, look, "idle", "0") == EXIT_EXPECTATIONS
    out = capsys.readouterr().out
    assert (
        "FAILED   the client fetches the mug's order within a day: no successful get_order_detail call "
        "mentioning order 'mug' within 1d of the scenario start"
    ) in out
    assert junit_cases(tmp_path / "look.xml") == {
        "the client fetches the mug's order within a day": "failure"
    }


def test_a_command_that_fails_fails_the_run_even_when_every_expectation_passed(tmp_path, look, capsys):
    assert run_look(tmp_path, look, "look", "5") == EXIT_COMMAND
    out = capsys.readouterr().out
    assert "the command exited 5" in out and "1 passed" in out


def test_an_expectation_left_pending_fails_the_run(tmp_path, look, capsys):
    # Stopped one hour in: the expectation is neither met nor past its deadline.
    assert run_look(tmp_path, look, "idle", "0", options=("--until", "1h")) == EXIT_EXPECTATIONS
    assert "PENDING  the client fetches the mug's order within a day" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["no-such-scenario", "--", "true"],
            "no scenario file no-such-scenario: give a path or a bundled name",
        ),
        (["happy-path"], "give the command to run after --"),
        (["happy-path", "--until", "soon", "--", "true"], "--until:"),
    ],
)
def test_nothing_is_judged_when_the_run_cannot_start(args, words, capsys):
    assert main(["test", *args]) == EXIT_USAGE
    assert words in capsys.readouterr().out


def test_an_invalid_scenario_is_refused_with_its_line_and_column(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text("scenario: broken\nuntil: soon\n")
    assert main(["test", str(broken), "--", "true"]) == EXIT_USAGE
    assert f"{broken}:2:8: at until: 'soon' is not a duration" in capsys.readouterr().out


@pytest.mark.parametrize("name", bundled_names())
def test_every_bundled_scenario_runs_through_the_command_by_its_name(name, tmp_path, capsys):
    """With a client that does nothing: each ends, and its verdicts are in the summary and the JUnit file."""
    junit = tmp_path / "report.xml"
    status = main(["test", name, "--junit", str(junit), "--", sys.executable, "-c", "pass"])
    out = capsys.readouterr().out
    cases = junit_cases(junit)
    assert cases and status == (EXIT_PASSED if set(cases.values()) == {"passed"} else EXIT_EXPECTATIONS)
    lines = out.splitlines()
    for case, verdict in cases.items():
        marks = ("passed",) if verdict == "passed" else ("FAILED", "SKIPPED", "PENDING")
        named = [line.split(None, 1) for line in lines if line.startswith("  ")]
        assert any(mark == shown[0] and shown[1].startswith(case) for mark in marks for shown in named), case
        if verdict != "passed":  # with its reason
            assert any(shown[1].startswith(f"{case}: ") for shown in named if len(shown) == 2), case


def test_the_help_explains_the_variables_the_exit_statuses_and_the_end_of_the_clock():
    text = subprocess.run(
        [sys.executable, "-m", "sandbox.cli", "test", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for name in ENVIRONMENT:
        assert name in text
    assert "advanced to the scenario's end" in textwrap.dedent(text).replace("\n", " ")
    assert "Exit status:" in text and "Example:" in text


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (
            [sys.executable, "-c", "import time; time.sleep(60)"],
            "the command was stopped after 0.2 s (--timeout)",
        ),
        (["/no/such/client"], "cannot run /no/such/client: No such file or directory"),
        (
            [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"],
            "ended by signal SIGKILL",
        ),
    ],
    ids=["outran-timeout", "not-found", "killed"],
)
def test_a_command_that_is_stopped_or_cannot_start_fails_the_run_with_the_reason(
    tmp_path, command, words, capsys
):
    junit = tmp_path / "report.xml"
    assert (
        main(["test", "happy-path", "--timeout", "0.2", "--junit", str(junit), "--", *command])
        == EXIT_COMMAND
    )
    assert words in capsys.readouterr().out
    assert junit_cases(junit)  # judged all the same


def test_a_command_that_unloads_the_scenario_fails_the_run_saying_so(capsys):
    unload = (
        "import os, httpx; httpx.delete(os.environ['TTS_SANDBOX_CONTROL_URL'] + '/scenarios', "
        "headers={'X-Sandbox-Tenant': os.environ['TTS_SANDBOX_TENANT']}).raise_for_status()"
    )
    assert main(["test", "happy-path", "--", sys.executable, "-c", unload]) == EXIT_EXPECTATIONS
    assert "no scenario named 'happy-path' is loaded" in capsys.readouterr().out


def test_a_port_already_taken_is_refused_before_anything_runs(tmp_path, capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ran = tmp_path / "ran"
        status = main(
            [
                "test",
                "happy-path",
                "--port",
                str(port),
                "--",
                sys.executable,
                "-c",
                f"open({str(ran)!r}, 'w')",
            ]
        )
    assert status == EXIT_USAGE and not ran.exists()
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().out


def test_a_junit_path_in_no_directory_is_refused_before_anything_runs(tmp_path, capsys):
    junit = tmp_path / "nowhere" / "report.xml"
    assert main(["test", "happy-path", "--junit", str(junit), "--", "true"]) == EXIT_USAGE
    assert f"there is no directory {tmp_path / 'nowhere'}" in capsys.readouterr().out


EACH = """\
scenario: each-reminder
setup: {start: 2026-03-02T09:00:00Z, background_orders: 0}
orders:
  mug: {status: AWAITING_SHIPMENT, line_items: [{product_name: Mug, price: "14.00"}]}
steps:
  - name: a reminder
    at: 1h
    repeat: {every: 6h, count: 2}
    do:
      - pay: {order: mug}
expect:
  - name: the client reads the order within an hour of each reminder
    after: {step: a reminder}
    each: true
    client_calls: get_order_detail
    order: mug
    within: 1h
until: 1d
"""


def test_each_occurrence_is_named_with_the_instant_it_armed(tmp_path, capsys):
    scenario = tmp_path / "each.yaml"
    scenario.write_text(EACH)
    assert main(["test", str(scenario), "--", "true"]) == EXIT_EXPECTATIONS
    out = capsys.readouterr().out
    assert "1 expectation (2 verdicts), 2 failed" in out
    for occurrence, armed in ((1, "2026-03-02T10:00:00Z"), (2, "2026-03-02T16:00:00Z")):
        assert (
            f"FAILED   the client reads the order within an hour of each reminder "
            f"(occurrence {occurrence}, armed {armed}): no successful get_order_detail call"
        ) in out
