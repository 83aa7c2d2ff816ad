"""Security basics: loopback by default, a control token on shared addresses, downloads that stay in
their store, YAML that builds no objects, and secrets that never come back in errors or logs."""

from __future__ import annotations

import logging
import time

import httpx
import pytest

from sandbox.app import DEFAULT_HOST, Sandbox
from sandbox.cli import build_parser, control_token
from sandbox.client import SignedClient
from sandbox.http.control_token import is_loopback
from tests.helpers import START, ok, server

TOKEN = "s3cret-control-token"


@pytest.fixture
def shared() -> Sandbox:
    return Sandbox(freeze_at=START, control_token=TOKEN)


def test_the_server_binds_loopback_by_default():
    assert DEFAULT_HOST == "127.0.0.1"
    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_binds_need_no_token(host):
    assert is_loopback(host)
    assert control_token(host, None) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "sandbox.internal"])
def test_any_other_bind_makes_up_a_token(host):
    assert not is_loopback(host)
    first, second = control_token(host, None), control_token(host, None)
    assert first and second and first != second and len(first) >= 24


def test_a_given_token_is_used_on_any_bind():
    assert control_token("0.0.0.0", "mine") == "mine"
    assert control_token("127.0.0.1", "mine") == "mine"


def test_an_empty_token_is_refused():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--control-token", ""])
    with pytest.raises(ValueError):
        Sandbox(control_token=" ")


@pytest.mark.parametrize(
    "path", ["/sandbox/tenants", "/sandbox/clock", "/seller-center/orders", "/sandbox/ui/"]
)
def test_control_surfaces_refuse_requests_without_the_token(shared, path):
    with shared.app.test_client() as http:
        response = http.get(path)
        assert response.status_code == 401
        assert response.json()["error"]["type"] == "unauthorized"
        assert TOKEN not in response.text
        assert http.get(path, headers={"X-Sandbox-Token": "wrong"}).status_code == 401
        assert http.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401


@pytest.mark.parametrize(
    "headers", [{"Authorization": f"Bearer {TOKEN}"}, {"X-Sandbox-Token": TOKEN}], ids=["bearer", "header"]
)
def test_control_surfaces_answer_with_the_token(shared, headers):
    with shared.app.test_client() as http:
        assert http.get("/sandbox/tenants", headers=headers).status_code == 200
        assert http.get("/seller-center/orders", headers=headers).status_code == 200
        advanced = http.post("/sandbox/clock/advance", json={"by": "1h"}, headers=headers)
        assert advanced.status_code == 200, advanced.text


def test_health_stays_open_for_probes(shared):
    with shared.app.test_client() as http:
        assert http.get("/sandbox/health").status_code == 200


def test_the_web_page_takes_the_token_once_and_keeps_it_in_a_cookie(shared):
    with shared.app.test_client(follow_redirects=False) as http:
        assert http.get("/web/").status_code == 401
        assert http.get("/web/?token=wrong").status_code == 401
        opened = http.get("/web/", params={"token": TOKEN, "tab": "all"})
        assert opened.status_code == 303
        assert opened.headers["location"] == "/web/?tab=all"  # the token leaves the address bar
        cookie = opened.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        page = http.get("/web/", follow_redirects=True)  # the client keeps the cookie
        assert page.status_code == 200 and "<html" in page.text.lower()


def test_the_open_api_and_the_carrier_keep_their_own_auth(shared):
    credentials = shared.tenant().credentials()
    with shared.app.test_client() as http:
        tts = SignedClient.for_tenant(http, credentials)
        assert "shops" in ok(tts.call("GET", "/authorization/202309/shops", shop=False))
        orders = ok(tts.call("POST", "/order/202309/orders/search", params={"page_size": 5}, body={}))
        assert orders["orders"]
        carrier = http.get("/carrier/v1/tracking/NOSUCHNUMBER")
        assert carrier.status_code != 401


def test_without_a_token_nothing_asks_for_one():
    with Sandbox(freeze_at=START).app.test_client() as http:
        assert http.get("/sandbox/tenants").status_code == 200
        assert http.get("/web/", follow_redirects=True).status_code == 200


def test_serve_on_a_shared_address_prints_a_token_and_requires_it():
    with server("--host", "0.0.0.0", "--freeze-at", "2026-03-02T09:00:00Z") as (base, process):
        assert process.stdout is not None
        token = None
        deadline = time.monotonic() + 30
        while token is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if line.strip().startswith("control token"):
                token = line.split()[2]
        assert token
        assert httpx.get(f"{base}/sandbox/tenants").status_code == 401
        answer = httpx.get(f"{base}/sandbox/tenants", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200


def test_serve_on_loopback_needs_no_token():
    with server("--freeze-at", "2026-03-02T09:00:00Z") as (base, _):
        assert httpx.get(f"{base}/sandbox/tenants").status_code == 200


# ----- downloads stay inside their store ----------------------------------------------------------
TRAVERSALS = [
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%2E%2E",
    "..",
    "%2Fetc%2Fpasswd",
    "..%5C..%5Cwindows%5Cwin.ini",
    "%252e%252e%252fetc%252fpasswd",
]


def _no_file_leaked(response: httpx.Response) -> None:
    # A client may resolve a literal ../ itself; the path then lands on the Open API, whose
    # "invalid path" envelope comes with HTTP 200.
    refused = response.status_code in (400, 404) or response.json().get("code") == 36009009
    assert refused, (response.status_code, response.text[:200])
    assert b"root:" not in response.content and b"[fonts]" not in response.content


@pytest.mark.parametrize("name", TRAVERSALS)
@pytest.mark.parametrize("prefix", ["/sandbox/documents/", "/sandbox/files/"])
def test_document_and_file_downloads_cannot_escape(http, prefix, name):
    _no_file_leaked(http.get(prefix + name))
    _no_file_leaked(http.get(prefix + "../../../etc/passwd"))


@pytest.mark.parametrize("name", [*TRAVERSALS, "/etc/passwd"])
def test_evidence_downloads_cannot_escape(name):
    from tests.helpers import EVIDENCE_PNG, created, delivered_not_updated, raise_ticket

    http, _, order_id = delivered_not_updated()
    raised = created(
        raise_ticket(
            http,
            order_id,
            files=[("doorstep.png", EVIDENCE_PNG, "image/png")],
            category="DELIVERED_NOT_UPDATED",
        )
    )
    base = f"/seller-center/tickets/{raised['ticket_id']}/evidence/"
    if name != "..":  # a literal .. the client resolves itself, to the ticket
        _no_file_leaked(http.get(base + name.lstrip("/") if name.startswith("/") else base + name))
    _no_file_leaked(http.get(base + "%2F" + name.lstrip("/")))
    # The ticket part of the path cannot climb either.
    _no_file_leaked(http.get(f"/seller-center/tickets/{name}/evidence/upl00000001"))
    # What the store does hold still comes back whole.
    assert http.get(raised["evidence"][0]["url"]).content == EVIDENCE_PNG


def test_evidence_names_cannot_break_the_download_headers():
    from tests.helpers import EVIDENCE_PNG, created, delivered_not_updated, raise_ticket

    http, _, order_id = delivered_not_updated()
    odd = 'a"; filename="../../evil.sh\\x.png'
    raised = created(
        raise_ticket(
            http, order_id, files=[(odd, EVIDENCE_PNG, "image/png")], category="DELIVERED_NOT_UPDATED"
        )
    )
    download = http.get(raised["evidence"][0]["url"])
    assert download.status_code == 200 and download.content == EVIDENCE_PNG
    disposition = download.headers["content-disposition"]
    assert disposition.count('"') == 2 and "\\" not in disposition and "/" not in disposition


def test_web_static_files_cannot_escape(http):
    for name in ("..%2F..%2Fapp.py", "%2e%2e/%2e%2e/app.py", "../pages.py"):
        response = http.get(f"/web/static/{name}")
        assert response.status_code == 404
        assert b"import" not in response.content


# ----- YAML ---------------------------------------------------------------------------------------
def test_scenarios_refuse_python_tags(http):
    for tag in ("!!python/object/apply:os.system ['touch /tmp/pwned']", "!!python/name:os.system"):
        response = http.post(
            "/sandbox/scenarios",
            content=f"scenario: x\nsetup: {tag}\n".encode(),
            headers={"content-type": "application/yaml"},
        )
        assert response.status_code == 400, response.text
        assert "python/" in response.json()["error"]["message"]


def test_every_yaml_load_in_the_package_is_safe():
    from pathlib import Path

    import sandbox

    root = Path(sandbox.__file__).parent
    for source in root.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "yaml.unsafe_load" not in text and "yaml.full_load" not in text, source
        assert "FullLoader" not in text and "UnsafeLoader" not in text, source
        for line in text.splitlines():
            if "yaml.load(" in line:
                assert "Loader=loader" in line or "SafeLoader" in line, (source, line)


# ----- secrets never echoed -----------------------------------------------------------------------
def test_a_bad_signature_error_echoes_neither_secret_nor_token(http, tts, caplog):
    caplog.set_level(logging.DEBUG)
    secret, token = tts.app_secret, tts.access_token
    tts.app_secret = "not-the-secret"
    response = tts.call("GET", "/authorization/202309/shops", shop=False)
    assert response.json()["code"] == 106001
    exposed = response.text + " ".join(f"{k}: {v}" for k, v in response.headers.items())
    assert secret not in exposed and token not in exposed
    assert secret not in caplog.text and token not in caplog.text


def test_an_unknown_token_error_does_not_echo_the_token(http, tts, caplog):
    caplog.set_level(logging.DEBUG)
    secret = tts.app_secret
    tts.access_token = "ROW_unknown_token_abcdefghijklmnopqrstuvwxyz0123456789"
    response = tts.call("GET", "/authorization/202309/shops", shop=False)
    assert response.json()["code"] == 36009004
    exposed = response.text + " ".join(f"{k}: {v}" for k, v in response.headers.items())
    assert tts.access_token not in exposed and secret not in exposed
    assert tts.access_token not in caplog.text and secret not in caplog.text


def test_the_journal_keeps_no_secret_from_the_query(http, tts):
    credentials = http.get("/sandbox/tenants/default").json()
    secret, token = credentials["app_secret"], credentials["access_token"]
    tts.call("GET", "/authorization/202309/shops", shop=False, params={"access_token": token})
    http.get(
        "/api/v2/token/refresh",
        params={
            "app_key": credentials["app_key"],
            "app_secret": secret,
            "refresh_token": credentials["refresh_token"],
            "grant_type": "refresh_token",
        },
    )
    journal = http.get("/sandbox/journal").text
    assert secret not in journal and token not in journal and credentials["refresh_token"] not in journal
