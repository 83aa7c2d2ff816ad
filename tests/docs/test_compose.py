"""compose.yaml: the Docker route for clients with TikTok's hostnames built in (docs/https.md).

Docker is not needed to check what the file says: the sandbox's service answers under TikTok's
hostnames, serves HTTPS on 443 with its CA in the volume the client trusts, and its command is one
`tts-sandbox serve` accepts. The client's command is then run against a sandbox started with the
same options, its names resolved as the network aliases would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from sandbox.certificates import TIKTOK_HOSTS
from sandbox.cli import build_parser
from tests.helpers import ROOT, free_port, server

COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SANDBOX = COMPOSE["services"]["sandbox"]
CLIENT = COMPOSE["services"]["client"]


def serve_options():
    command = SANDBOX["command"]
    assert command[:2] == ["tts-sandbox", "serve"]
    return build_parser().parse_args(command[1:])


def test_the_sandbox_answers_under_tiktoks_hostnames_on_443():
    assert set(TIKTOK_HOSTS) <= set(SANDBOX["networks"]["default"]["aliases"])
    options = serve_options()
    assert options.https_port == 443 and options.host == "0.0.0.0"
    assert f":{options.port}/sandbox/health" in " ".join(SANDBOX["healthcheck"]["test"])
    assert (ROOT / SANDBOX["build"] / "Dockerfile").exists()


def test_the_client_trusts_the_ca_the_sandbox_keeps_in_the_shared_volume():
    ca_dir = serve_options().ca_dir
    volume = next(v.split(":")[0] for v in SANDBOX["volumes"] if v.split(":")[1] == ca_dir)
    assert f"{volume}:{ca_dir}:ro" in CLIENT["volumes"]
    assert volume in COMPOSE["volumes"]
    pem = f"{ca_dir}/ca.pem"
    environment = CLIENT["environment"]
    assert environment["NODE_EXTRA_CA_CERTS"] == environment["SSL_CERT_FILE"] == pem
    assert environment["REQUESTS_CA_BUNDLE"] == pem
    assert CLIENT["depends_on"]["sandbox"]["condition"] == "service_healthy"


# What the network aliases do on Docker's network: TikTok's hostnames are the sandbox.
RESOLVE = ROOT / "tests" / "cli" / "clients" / "resolve_to_sandbox.cjs"


def test_the_client_service_reaches_the_sandbox_under_tiktoks_hostname(tmp_path):
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is not on PATH, and CI must run the compose example's client")
        pytest.skip("node is not on PATH")
    https_port = free_port()
    ca_dir = tmp_path / "ca"
    # The service's options, but on ports a test may take and with the volume as a folder.
    with server("--https-port", str(https_port), "--ca-dir", str(ca_dir)):
        command = CLIENT["command"]
        assert command[0] == "node"
        mounted = serve_options().ca_dir
        environment = {
            k: str(ca_dir / Path(v).relative_to(mounted)) for k, v in CLIENT["environment"].items()
        }
        outside = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
        run = subprocess.run(
            [node, "--require", str(RESOLVE), *command[1:]],
            env={
                **outside,
                **environment,
                "TTS_RESOLVE_HOSTS": json.dumps(list(TIKTOK_HOSTS)),
                "TTS_RESOLVE_PORT": str(https_port),
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode == 0, run.stderr
    assert "sandbox reached under TikTok's hostname" in run.stdout and "'ok'" in run.stdout
