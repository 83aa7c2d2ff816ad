"""The command a newcomer runs: `tts-sandbox serve`, then the printed curl."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import httpx
import pytest

from sandbox.cli import build_parser
from tests.helpers import FREEZE, cli, free_port, server


def test_serve_prints_base_url_and_credentials_and_the_signed_curl_works():
    with server("--freeze-at", FREEZE) as (base, process):
        command = cli("sign", "/authorization/202309/shops", "--base-url", base)
        assert command.startswith("curl ")
        if shutil.which("curl"):
            out = subprocess.run(command, shell=True, check=True, capture_output=True, text=True).stdout
        else:  # the same request without curl
            url = command.split("'")[1]
            out = httpx.get(url, headers={"x-tts-access-token": "TTP_sandbox_access_token"}).text
        assert '"code":0' in out and "ROW_sandbox_shop_cipher" in out
        process.terminate()
        printed = process.communicate(timeout=10)[0]
    assert base in printed
    for value in (
        "sandbox_app_key",
        "sandbox_app_secret",
        "TTP_sandbox_access_token",
        "ROW_sandbox_shop_cipher",
    ):
        assert value in printed


def test_signed_post_from_the_cli_works():
    with server("--freeze-at", FREEZE) as (base, _):
        command = cli(
            "sign",
            "/order/202309/orders/search",
            "page_size=3",
            "-d",
            '{"order_status":"AWAITING_SHIPMENT"}',
            "--base-url",
            base,
        )
        url = command.split("'")[1]
        response = httpx.post(
            url,
            content=b'{"order_status":"AWAITING_SHIPMENT"}',
            headers={
                "x-tts-access-token": "TTP_sandbox_access_token",
                "content-type": "application/json",
            },
        )
        data = response.json()["data"]
        assert len(data["orders"]) == 3
        assert {o["status"] for o in data["orders"]} == {"AWAITING_SHIPMENT"}


def search_bytes(base: str) -> bytes:
    command = cli("sign", "/order/202309/orders/search", "page_size=100", "-d", "{}", "--base-url", base)
    url = command.split("'")[1]
    response = httpx.post(
        url,
        content=b"{}",
        headers={
            "x-tts-access-token": "TTP_sandbox_access_token",
            "content-type": "application/json",
        },
    )
    body = response.json()
    body.pop("request_id")  # carries no data; also deterministic, but counts this run's calls
    return httpx.Response(200, json=body).content


def test_serve_loads_a_bundled_scenario_by_its_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no scenarios/ folder here: the name is found among the bundled ones
    with server("--scenario", "three-failed-attempts.yaml") as (base, _process):
        report = httpx.get(f"{base}/sandbox/scenarios/three-failed-attempts").json()
    assert report["name"] == "three-failed-attempts" and report["expectations"]


def test_serve_refuses_a_scenario_it_cannot_find(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sandbox.cli", "serve", "--port", str(free_port()), "--scenario", "nope.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2 and "cannot read scenario nope.yaml" in result.stderr


def test_two_server_runs_with_the_same_seed_answer_identical_searches():
    with server("--freeze-at", FREEZE, "--seed", "9") as (base, _):
        first = search_bytes(base)
    with server("--freeze-at", FREEZE, "--seed", "9") as (base, _):
        second = search_bytes(base)
    assert first == second and b"576" in first


def test_serve_help_explains_the_options():
    text = build_parser().parse_args.__self__.format_help()  # type: ignore[attr-defined]
    assert "serve" in text and "sign" in text
    help_text = subprocess.run(
        [sys.executable, "-m", "sandbox.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for option in ("--host", "--port", "--seed", "--freeze-at", "--orders", "--region"):
        assert option in help_text


@pytest.mark.parametrize(
    "args",
    [
        ["serve", "--freeze-at", "tomorrow"],
        ["serve", "--orders", "-5"],
        ["serve", "--region", "XX"],
        ["sign", "/p", "novalue"],
    ],
)
def test_bad_cli_input_is_refused_with_a_message(args):
    result = subprocess.run(
        [sys.executable, "-m", "sandbox.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ},
    )
    assert result.returncode != 0
    assert result.stderr.strip()


def test_a_key_given_twice_is_sent_and_signed_once_per_value():
    import shlex
    from urllib.parse import parse_qsl, urlsplit

    from tiktok_shop_api.signing import Signer

    from sandbox.cli import DEFAULT_APP_SECRET, signed_curl

    args = build_parser().parse_args(["sign", "/order/202309/orders", "ids=1", "ids=2"])
    url = shlex.split(signed_curl(args, 1700000000))[4]
    query = parse_qsl(urlsplit(url).query)
    assert [v for k, v in query if k == "ids"] == ["1", "2"]
    unsigned = [(k, v) for k, v in query if k != "sign"]
    documented = Signer.sign(
        path="/order/202309/orders",
        query=unsigned,
        content_type=None,
        body=None,
        app_secret=DEFAULT_APP_SECRET,
    )
    assert dict(query)["sign"] == documented


def test_serve_that_cannot_listen_leaves_the_garbage_collector_on():
    """`serve` pauses the collector while it starts: every way out turns it back on."""
    import gc
    import socket

    from sandbox.cli import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    assert gc.isenabled()
