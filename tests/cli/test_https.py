"""Clients with TikTok's host built in reach the sandbox: `serve --https-port` on TikTok's own
hostnames with the sandbox's CA, and `--proxy-port` for clients that honour HTTPS_PROXY.

Name resolution is pointed at the sandbox inside the test (``socket.getaddrinfo`` here, a preload
that patches ``dns.lookup`` for Node), as a hosts-file line and port 443 would: the machine's own
files are never touched, and no request can reach the real platform.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.certificates import TIKTOK_HOSTS
from sandbox.client import SignedClient
from sandbox.signing import sign
from tests.helpers import FREEZE, awaiting_shipment, data, free_port, server, status_of

API = "https://open-api.tiktokglobalshop.com"
AUTH = "https://auth.tiktok-shops.com"
NODE_CLIENT = Path(__file__).parent / "clients" / "hard_coded_host.mjs"


class Sandbox:
    def __init__(self, base: str, https_port: int, proxy_port: int, ca: Path, process: subprocess.Popen[str]):
        self.base, self.https_port, self.proxy_port, self.ca = base, https_port, proxy_port, ca
        self.process = process

    def output(self) -> str:
        """Everything the server printed, once it has been stopped."""
        self.process.terminate()
        return self.process.communicate(timeout=10)[0]


@pytest.fixture
def sandbox(tmp_path) -> Iterator[Sandbox]:
    https_port, proxy_port = free_port(), free_port()
    ca_dir = tmp_path / "ca"
    args = ["--freeze-at", FREEZE, "--https-port", str(https_port), "--proxy-port", str(proxy_port)]
    with server(*args, "--ca-dir", str(ca_dir)) as (base, process):
        yield Sandbox(base, https_port, proxy_port, ca_dir / "ca.pem", process)


@pytest.fixture
def resolve_tiktok_to(monkeypatch):
    """Point TikTok's hostnames (port 443) at a local port, for this test's process only."""
    real = socket.getaddrinfo

    def route(port: int) -> None:
        def getaddrinfo(host, service, *args, **kwargs):
            if host in TIKTOK_HOSTS:
                return real("127.0.0.1", port, *args, **kwargs)
            return real(host, service, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    return route


@pytest.fixture
def tiktok_unresolvable(monkeypatch):
    """TikTok's hostnames resolve to nothing: a client that reaches the sandbox did so by its proxy."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host in TIKTOK_HOSTS:
            raise socket.gaierror(socket.EAI_NONAME, "not resolvable in this test")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def trusting_only(ca: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))


def hard_coded_client(ca: Path, **options) -> SignedClient:
    """A client as the PyPI clients are written: the platform's host is a constant, never configured."""
    http = httpx.Client(base_url=API, verify=trusting_only(ca), timeout=30, **options)
    return SignedClient(
        http,
        app_key="sandbox_app_key",
        app_secret="sandbox_app_secret",
        access_token="TTP_sandbox_access_token",
    )


def lists_shops_and_orders_and_ships(tts: SignedClient) -> str:
    """The client's round: its shops, the orders awaiting shipment, one package shipped by drop-off."""
    shops = data(tts.get("/authorization/202309/shops"))["shops"]
    assert [shop["cipher"] for shop in shops] == ["ROW_sandbox_shop_cipher"]
    tts.shop_cipher = shops[0]["cipher"]
    waiting = awaiting_shipment(tts)
    assert waiting
    detail = data(tts.get("/order/202309/orders", params={"ids": [waiting[0]]}))["orders"][0]
    data(
        tts.post(
            f"/fulfillment/202309/packages/{detail['packages'][0]['id']}/ship",
            {"handover_method": "DROP_OFF"},
        )
    )
    assert status_of(tts, waiting[0]) == "AWAITING_COLLECTION"
    return waiting[0]


def test_a_client_with_tiktoks_host_built_in_lists_shops_and_orders_and_ships_over_https(
    sandbox, resolve_tiktok_to
):
    resolve_tiktok_to(sandbox.https_port)
    tts = hard_coded_client(sandbox.ca)
    order_id = lists_shops_and_orders_and_ships(tts)
    # The same world as on plain HTTP: the order shipped over HTTPS is awaiting collection there too.
    with httpx.Client(base_url=sandbox.base) as plain:
        http_tts = SignedClient.for_tenant(plain, plain.get("/sandbox/tenants/default").json())
        assert status_of(http_tts, order_id) == "AWAITING_COLLECTION"
    # The package's label is handed out under the host the client called.
    detail = data(tts.get("/order/202309/orders", params={"ids": [order_id]}))["orders"][0]
    label = data(
        tts.get(
            f"/fulfillment/202309/packages/{detail['packages'][0]['id']}/shipping_documents",
            params={"document_type": "SHIPPING_LABEL"},
        )
    )
    assert label["doc_url"].startswith(f"{API}/")
    # The auth host answers the token refresh, unsigned, as the platform's does.
    with httpx.Client(base_url=AUTH, verify=trusting_only(sandbox.ca)) as auth:
        refreshed = auth.get(
            "/api/v2/token/refresh",
            params={
                "app_key": "sandbox_app_key",
                "app_secret": "sandbox_app_secret",
                "refresh_token": "TTP_sandbox_refresh_token",
                "grant_type": "refresh_token",
            },
        ).json()
    assert refreshed["code"] == 0, refreshed
    printed = sandbox.output()
    assert f"https://127.0.0.1:{sandbox.https_port}" in printed
    assert "open-api.tiktokglobalshop.com, auth.tiktok-shops.com, localhost, 127.0.0.1" in printed
    assert str(sandbox.ca) in printed


def test_the_signing_check_and_the_answers_are_those_of_plain_http(sandbox, resolve_tiktok_to):
    resolve_tiktok_to(sandbox.https_port)
    path = "/order/202309/orders/search"
    query = {
        "app_key": "sandbox_app_key",
        "timestamp": str(int(time.time())),
        "shop_cipher": "ROW_sandbox_shop_cipher",
        "page_size": "5",
    }
    body = '{"order_status":"UNPAID"}'
    signed = {**query, "sign": sign("sandbox_app_secret", path, query, body, "application/json")}
    wrong = {**query, "sign": "0" * 64}
    headers = {"x-tts-access-token": "TTP_sandbox_access_token", "content-type": "application/json"}
    answers = {}
    for name, client in (
        ("http", httpx.Client(base_url=sandbox.base)),
        ("https", httpx.Client(base_url=API, verify=trusting_only(sandbox.ca))),
    ):
        with client:
            good = client.post(path, params=signed, content=body, headers=headers).json()
            bad = client.post(path, params=wrong, content=body, headers=headers).json()
        good.pop("request_id"), bad.pop("request_id")
        answers[name] = (good, bad)
    assert answers["https"] == answers["http"]
    good, bad = answers["https"]
    assert good["code"] == 0 and bad["code"] == 106001  # the platform's "invalid signature"


def test_the_certificate_is_trusted_only_through_the_sandboxs_ca(sandbox, resolve_tiktok_to):
    resolve_tiktok_to(sandbox.https_port)
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{API}/sandbox/health", verify=ssl.create_default_context())
    for host in ("localhost", "127.0.0.1"):
        answer = httpx.get(
            f"https://{host}:{sandbox.https_port}/sandbox/health", verify=trusting_only(sandbox.ca)
        )
        assert answer.json()["status"] == "ok"


def test_the_same_client_reaches_the_sandbox_through_https_proxy(sandbox, tiktok_unresolvable, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{sandbox.proxy_port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    lists_shops_and_orders_and_ships(hard_coded_client(sandbox.ca))
    # As docs/https.md has it: HTTPS_PROXY and SSL_CERT_FILE in the environment, nothing in the code.
    monkeypatch.setenv("SSL_CERT_FILE", str(sandbox.ca))
    with httpx.Client(base_url=API) as http:
        assert http.get("/sandbox/health").json()["status"] == "ok"


def connect(port: int, target: str, method: str = "CONNECT") -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"{method} {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    return answer.decode()


def test_the_proxy_refuses_every_other_host_and_keeps_serving(sandbox, monkeypatch):
    refused = connect(sandbox.proxy_port, "example.com:443")
    assert refused.startswith("HTTP/1.1 403 Forbidden\r\n")
    assert "CONNECT to example.com:443 refused" in refused and "not an open proxy" in refused
    # A name the sandbox answers, on a port other than 443 or its own, is refused too.
    assert connect(sandbox.proxy_port, "open-api.tiktokglobalshop.com:22").startswith("HTTP/1.1 403")
    # Plain HTTP through the proxy is not forwarded anywhere.
    assert connect(sandbox.proxy_port, "http://example.com/", "GET").startswith("HTTP/1.1 405")
    assert connect(sandbox.proxy_port, "no-port-here").startswith("HTTP/1.1 400")
    with pytest.raises(httpx.ProxyError, match="403"):
        httpx.get("https://example.com/", proxy=f"http://127.0.0.1:{sandbox.proxy_port}")
    # The proxy still tunnels to the sandbox after refusing.
    via_proxy = httpx.get(
        f"{API}/sandbox/health",
        proxy=f"http://127.0.0.1:{sandbox.proxy_port}",
        verify=trusting_only(sandbox.ca),
    )
    assert via_proxy.json()["status"] == "ok"
    assert "tts-sandbox proxy: CONNECT to example.com:443 refused" in sandbox.output()


def test_the_proxy_alone_tunnels_to_an_https_listener_of_its_own(tmp_path, tiktok_unresolvable):
    proxy = f"http://127.0.0.1:{free_port()}"
    with server("--proxy-port", proxy.rsplit(":", 1)[1], "--ca-dir", str(tmp_path)) as (_, process):
        answer = httpx.get(f"{AUTH}/sandbox/health", proxy=proxy, verify=trusting_only(tmp_path / "ca.pem"))
        assert answer.json()["status"] == "ok"
        process.terminate()
        printed = process.communicate(timeout=10)[0]
    assert "HTTPS        through the proxy only" in printed
    assert f"HTTPS_PROXY={proxy}" in printed


RESOLVE = (
    Path(__file__).parent / "clients" / "resolve_to_sandbox.cjs"
)  # node --require: TikTok's hosts are the sandbox


def resolving(port: int) -> dict[str, str]:
    """The environment RESOLVE reads: TikTok's hostnames, and the sandbox's HTTPS port."""
    return {"TTS_RESOLVE_HOSTS": json.dumps(list(TIKTOK_HOSTS)), "TTS_RESOLVE_PORT": str(port)}


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is not on PATH, and CI must run the Node client")
        pytest.skip("node is not on PATH")
    return node


def test_a_node_client_with_tiktoks_host_built_in_lists_shops_and_orders_and_ships(sandbox, tmp_path):
    node = node_or_skip()
    environment = {k: v for k, v in os.environ.items() if not k.upper().endswith("_PROXY")}
    run = subprocess.run(
        [node, "--require", str(RESOLVE), str(NODE_CLIENT)],
        env={**environment, **resolving(sandbox.https_port), "NODE_EXTRA_CA_CERTS": str(sandbox.ca)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)
    assert seen["shop_cipher"] == "ROW_sandbox_shop_cipher"
    assert seen["awaiting_shipment"] > 0
    assert seen["status_after"] == "AWAITING_COLLECTION"
    assert seen["refresh_code"] == 0
    # The sandbox saw the shipment: the order awaits collection on its plain HTTP port too.
    with httpx.Client(base_url=sandbox.base) as plain:
        http_tts = SignedClient.for_tenant(plain, plain.get("/sandbox/tenants/default").json())
        assert status_of(http_tts, seen["shipped_order"]) == "AWAITING_COLLECTION"
    # Without the sandbox's CA, Node refuses the certificate.
    untrusting = subprocess.run(
        [node, "--require", str(RESOLVE), str(NODE_CLIENT)],
        env={**environment, **resolving(sandbox.https_port)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert untrusting.returncode != 0
    assert "certificate" in untrusting.stderr.lower()


def serve_fails(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox.cli", "serve", *args], capture_output=True, text=True, timeout=60
    )


def test_a_ca_folder_that_cannot_be_written_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = serve_fails(
        "--port", str(free_port()), "--https-port", str(free_port()), "--ca-dir", str(blocker / "ca")
    )
    assert result.returncode == 2
    assert f"cannot keep the CA in {blocker / 'ca'}" in result.stderr
    assert "--ca-dir" in result.stderr and "Traceback" not in result.stderr
    shown = subprocess.run(
        [sys.executable, "-m", "sandbox.cli", "ca", "--ca-dir", str(blocker / "ca")],
        capture_output=True,
        text=True,
    )
    assert shown.returncode == 2 and f"cannot keep the CA in {blocker / 'ca'}" in shown.stderr


def test_a_ca_folder_holding_something_else_is_a_clear_error(tmp_path):
    (tmp_path / "ca.pem").write_text("not a certificate")
    (tmp_path / "ca-key.pem").write_text("not a key")
    result = serve_fails(
        "--port", str(free_port()), "--https-port", str(free_port()), "--ca-dir", str(tmp_path)
    )
    assert result.returncode == 2
    assert "holds no CA the sandbox can read" in result.stderr and "Traceback" not in result.stderr


def test_a_taken_https_port_is_a_clear_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve_fails("--port", str(free_port()), "--https-port", str(port), "--ca-dir", str(tmp_path))
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "choose another with --https-port" in result.stderr


def test_the_same_port_for_two_listeners_is_refused(tmp_path):
    port = str(free_port())
    result = serve_fails("--port", port, "--proxy-port", port, "--ca-dir", str(tmp_path))
    assert result.returncode == 2
    assert f"--port and --proxy-port are both {port}" in result.stderr


def test_ca_prints_its_path_and_how_to_trust_it_and_the_three_routes(tmp_path):
    folder = tmp_path / "ca"
    run = subprocess.run(
        [sys.executable, "-m", "sandbox.cli", "ca", "--ca-dir", str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    pem = folder / "ca.pem"
    assert pem.exists() and "made now" in run.stdout
    for line in (
        f"SSL_CERT_FILE={pem}",
        f"REQUESTS_CA_BUNDLE={pem}",
        f"NODE_EXTRA_CA_CERTS={pem}",
        f"curl --cacert {pem}",
        f"keytool -importcert -noprompt -alias tts-sandbox -file {pem}",
        "127.0.0.1 open-api.tiktokglobalshop.com auth.tiktok-shops.com",
        "compose.yaml",
        "HTTPS_PROXY=http://127.0.0.1:",
    ):
        assert line in run.stdout, line
    again = subprocess.run(
        [sys.executable, "-m", "sandbox.cli", "ca", "--ca-dir", str(folder), "--path"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert again.stdout == f"{pem}\n"


JAVA_CLIENT = """\
import java.net.*;
import java.net.http.*;

// The platform's host built in; the proxy is the only thing configured.
public class Client {
    public static void main(String[] args) throws Exception {
        var proxy = ProxySelector.of(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])));
        var client = HttpClient.newBuilder().proxy(proxy).build();
        var request = HttpRequest.newBuilder(URI.create("https://open-api.tiktokglobalshop.com/sandbox/health")).build();
        System.out.println(client.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }
}
"""


@pytest.mark.skipif(not (shutil.which("java") and shutil.which("keytool")), reason="no Java on PATH")
def test_the_java_lines_ca_prints_make_a_java_client_trust_the_sandbox(sandbox, tmp_path):
    printed = subprocess.run(
        [sys.executable, "-m", "sandbox.cli", "ca", "--ca-dir", str(sandbox.ca.parent)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    java_lines = printed.split("  Java ", 1)[1].split("\n  Go ", 1)[0].replace("\\\n", " ").splitlines()
    keytool, java = (shlex.split(line) for line in java_lines)
    subprocess.run(keytool, cwd=tmp_path, check=True, capture_output=True, timeout=60)
    (tmp_path / "Client.java").write_text(JAVA_CLIENT)
    assert java[-1] == "..."
    run = subprocess.run(
        [*java[:-1], "Client.java", str(sandbox.proxy_port)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["status"] == "ok"
