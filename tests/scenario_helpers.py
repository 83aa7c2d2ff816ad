from __future__ import annotations

from typing import Any

from sandbox.client import SignedClient


def load(http: Any, text: str, source: str = "<test>", tenant: str | None = None) -> Any:
    headers = {"content-type": "application/yaml"}
    if tenant:
        headers["X-Sandbox-Tenant"] = tenant
    return http.post("/sandbox/scenarios", params={"source": source}, content=text.encode(), headers=headers)


def advance(http: Any, by: str) -> dict[str, Any]:
    response = http.post("/sandbox/clock/advance", json={"by": by})
    assert response.status_code == 200, response.text
    return dict(response.json())


def report(http: Any, name: str) -> dict[str, Any]:
    response = http.get(f"/sandbox/scenarios/{name}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def order(tts: SignedClient, order_id: str) -> dict[str, Any]:
    body = tts.get("/order/202309/orders", params={"ids": [order_id]}).json()
    assert body["code"] == 0, body
    return dict(body["data"]["orders"][0])


def expectation_statuses(rep: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["status"] for e in rep["expectations"]}
