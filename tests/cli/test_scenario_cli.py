"""`tts-sandbox scenario validate` and `run`: bundled scenarios by their names, messages that cut
long values, and counts in words ("1 order")."""

from __future__ import annotations

import subprocess
import sys

from sandbox.cli import main
from tests.helpers import ROOT


def scenario_cli(*args: str, cwd: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox.cli", "scenario", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
        timeout=60,
    )


def test_validate_and_run_take_a_bundled_scenario_by_its_name_from_any_directory(tmp_path):
    validated = scenario_cli("validate", "three-failed-attempts", "happy-path.yaml", cwd=tmp_path)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "three-failed-attempts: ok (scenario three-failed-attempts: 1 order, 1 step, 4 expectations)" in (
        validated.stdout
    )
    assert "happy-path.yaml: ok (scenario happy-path:" in validated.stdout
    played = scenario_cli("run", "three-failed-attempts", cwd=tmp_path)
    assert played.returncode == 0, played.stderr
    assert played.stdout.startswith("scenario three-failed-attempts: from 2026-03-02T09:00:00Z to 2026-03-16")


def test_validate_still_refuses_a_name_that_is_neither_a_file_nor_bundled(tmp_path, capsys):
    assert main(["scenario", "validate", str(tmp_path / "nowhere")]) == 1
    assert "nowhere: cannot read: No such file or directory" in capsys.readouterr().out


def ten_thousand_orders() -> str:
    lines = ["scenario: too-many-orders", "orders:"]
    lines += [f"  order-number-{i:05d}: {{status: AWAITING_SHIPMENT}}" for i in range(10_000)]
    return "\n".join(lines) + "\n"


def test_a_refusal_quotes_a_long_value_cut_with_its_size_on_the_command_line(tmp_path, capsys):
    big = tmp_path / "big.yaml"
    big.write_text(ten_thousand_orders())
    assert main(["scenario", "validate", str(big)]) == 1
    message = capsys.readouterr().out.strip()
    assert message.startswith(
        f"{big}:3:3: at orders: {{'order-number-00000': {{'status': 'AWAITING_SHIPMENT'}}"
    )
    assert message.endswith("… (10,000 entries) has too many properties (expected maxProperties 1000)")
    assert len(message) < 300


def test_a_refusal_quotes_a_long_value_cut_with_its_size_over_http(sandbox):
    with sandbox.app.test_client() as http:
        response = http.post(
            "/sandbox/scenarios",
            params={"source": "big.yaml"},
            content=ten_thousand_orders().encode(),
            headers={"content-type": "application/yaml"},
        )
    assert response.status_code == 400
    assert len(response.content) < 1_000  # was 1.4 MB: the whole value, twice
    error = response.json()["error"]
    assert "… (10,000 entries) has too many properties" in error["message"]
    assert error["problem"].endswith("… (10,000 entries) has too many properties")


def test_a_long_text_is_cut_with_its_length():
    from sandbox.scenarios.loader import shown

    assert shown("short") == "short"
    assert shown("x" * 5_000) == "x" * 80 + "… (5,000 characters)"


def test_validate_prints_every_problem_of_a_file_with_its_place(tmp_path, capsys):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "scenario: broken\norders:\n  parcel: {status: SOMEWHERE}\nsteps:\n  - at: 1h\n    colour: blue\n"
        "    do: [{buyer_cancel: {order: parcel}}]\nuntil: soon\n"
    )
    assert main(["scenario", "validate", str(broken)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(": at ")[0] for line in lines] == [f"{broken}:3:20", f"{broken}:6:5", f"{broken}:8:8"]
