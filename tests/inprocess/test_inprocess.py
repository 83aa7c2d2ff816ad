"""The sandbox in the test process: requests and httpx clients, no server, no port."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import requests

from sandbox import InProcessSandbox, mock_tiktok_shop
from sandbox.signing import sign

API = "https://open-api.tiktokglobalshop.com"
SEARCH = "/order/202309/orders/search"


@pytest.fixture
def no_ports(monkeypatch):
    """Any attempt to listen on or connect to a socket fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("the in-process sandbox must not use the network")

    monkeypatch.setattr(socket.socket, "listen", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)


def signed(path: str, body: str = "", shop: bool = True, **params: str) -> dict[str, str]:
    query = {"app_key": "sandbox_app_key", "timestamp": str(int(time.time())), **params}
    if shop:
        query["shop_cipher"] = "ROW_sandbox_shop_cipher"
    query["sign"] = sign("sandbox_app_secret", path, query, body)
    return query


TOKEN = {"x-tts-access-token": "TTP_sandbox_access_token"}


def test_a_requests_client_talks_to_the_real_hosts_with_no_server(no_ports):
    with mock_tiktok_shop() as tts:
        shops = requests.get(
            f"{API}/authorization/202309/shops",
            params=signed("/authorization/202309/shops", shop=False),
            headers=TOKEN,
        ).json()
        assert shops["code"] == 0 and shops["data"]["shops"][0]["cipher"] == "ROW_sandbox_shop_cipher"
        body = '{"order_status":"ON_HOLD"}'
        held = requests.post(
            f"{API}{SEARCH}",
            params=signed(SEARCH, body, page_size="50"),
            data=body,
            headers={**TOKEN, "content-type": "application/json"},
        ).json()
        assert held["data"]["orders"] and {o["status"] for o in held["data"]["orders"]} == {"ON_HOLD"}
        tts.advance("2h")
        after = requests.post(
            f"{API}{SEARCH}",
            params=signed(SEARCH, body, page_size="50"),
            data=body,
            headers={**TOKEN, "content-type": "application/json"},
        ).json()
        assert after["data"]["total_count"] == 0  # released to AWAITING_SHIPMENT
        tokens = requests.get(
            "https://auth.tiktok-shops.com/api/v2/token/refresh",
            params={
                "app_key": "sandbox_app_key",
                "app_secret": "sandbox_app_secret",
                "refresh_token": "TTP_sandbox_refresh_token",
                "grant_type": "refresh_token",
            },
        ).json()
        assert tokens["code"] == 0
        tracking = requests.get("https://carrier.tts-sandbox.test/v1/tracking/NOSUCH")
        assert tracking.status_code == 404 and tracking.json()["error"]["type"] == "unknown_shipment"


def test_an_httpx_client_uses_the_transport_with_no_server(no_ports):
    with InProcessSandbox() as tts:
        client = httpx.Client(transport=tts.httpx_transport(), base_url=API)
        answer = client.get(
            "/authorization/202309/shops",
            params=signed("/authorization/202309/shops", shop=False),
            headers=TOKEN,
        ).json()
        assert answer["code"] == 0
        body = "{}"
        page = client.post(
            SEARCH,
            params=signed(SEARCH, body, page_size="5"),
            content=body,
            headers={**TOKEN, "content-type": "application/json"},
        ).json()
        assert page["data"]["total_count"] == 40


def test_links_the_sandbox_hands_out_route_back_in_process(no_ports):
    with mock_tiktok_shop() as tts:
        tts.freeze()
        order = next(
            o
            for o in tts.sandbox.tenant().world.orders.values()
            if o.status.value == "AWAITING_SHIPMENT" and o.shipping_type.value == "TIKTOK"
        )
        package = order.package_ids[0]
        path = f"/fulfillment/202309/packages/{package}/ship"
        assert (
            requests.post(
                f"{API}{path}",
                params=signed(path, "{}"),
                data="{}",
                headers={**TOKEN, "content-type": "application/json"},
            ).json()["code"]
            == 0
        )
        path = f"/fulfillment/202309/packages/{package}/shipping_documents"
        doc = requests.get(
            f"{API}{path}", params=signed(path, document_type="SHIPPING_LABEL"), headers=TOKEN
        ).json()
        assert doc["data"]["doc_url"].startswith("https://open-api.tiktokglobalshop.com/sandbox/documents/")
        assert requests.get(doc["data"]["doc_url"]).content.startswith(b"%PDF")


def test_other_hosts_pass_through():
    with mock_tiktok_shop(), pytest.raises(requests.ConnectionError):
        requests.get("http://127.0.0.1:9/", timeout=0.5)  # not a TikTok host: the real network answers


@mock_tiktok_shop
def test_the_decorator_form_routes_for_the_whole_function():
    answer = requests.get(
        f"{API}/authorization/202309/shops",
        params=signed("/authorization/202309/shops", shop=False),
        headers=TOKEN,
    ).json()
    assert answer["code"] == 0


def test_freezegun_moves_the_sandbox_clock():
    from freezegun import freeze_time

    with freeze_time("2026-05-01T00:00:00Z", real_asyncio=True) as frozen, mock_tiktok_shop() as tts:
        assert tts.now() == datetime(2026, 5, 1, tzinfo=UTC)
        frozen.tick(timedelta(hours=2))
        assert tts.now() == datetime(2026, 5, 1, 2, tzinfo=UTC)
        # Signing uses the same frozen time: requests still pass the timestamp window.
        answer = requests.get(
            f"{API}/authorization/202309/shops",
            params=signed("/authorization/202309/shops", shop=False),
            headers=TOKEN,
        ).json()
        assert answer["code"] == 0


def test_time_machine_moves_the_sandbox_clock():
    import time_machine

    with (
        time_machine.travel(datetime(2026, 6, 1, tzinfo=UTC), tick=False) as traveller,
        mock_tiktok_shop() as tts,
    ):
        assert tts.now() == datetime(2026, 6, 1, tzinfo=UTC)
        traveller.shift(timedelta(days=8))
        assert tts.now() == datetime(2026, 6, 9, tzinfo=UTC)
        # Eight days on the sandbox's clock: the week-long access token has expired.
        answer = requests.get(
            f"{API}/authorization/202309/shops",
            params=signed("/authorization/202309/shops", shop=False),
            headers=TOKEN,
        ).json()
        assert answer["code"] == 105002


def test_direct_clock_control_from_python():
    with InProcessSandbox(freeze_at=datetime(2026, 3, 2, 9, tzinfo=UTC)) as tts:
        assert tts.advance("90m")["now"] == "2026-03-02T10:30:00Z"
        assert tts.advance(to="2026-03-03T00:00:00Z")["now"] == "2026-03-03T00:00:00Z"
        tts.resume()
        assert tts.now() >= datetime(2026, 3, 3, tzinfo=UTC)


def shops_code():
    return requests.get(
        f"{API}/authorization/202309/shops",
        params=signed("/authorization/202309/shops", shop=False),
        headers=TOKEN,
    ).json()["code"]


def routed_now() -> bool:
    """Whether requests is still patched by a mock (checked without sending anything anywhere)."""
    import requests.adapters

    return requests.adapters.HTTPAdapter.send.__module__ != "requests.adapters"


def test_a_decorated_function_gets_a_fresh_mock_on_every_call_and_leaves_none_behind():
    depth = []

    @mock_tiktok_shop(seed=7)
    def call_twice():
        depth.append(shops_code())
        return len(depth)

    assert call_twice() == 1 and call_twice() == 2 and depth == [0, 0]
    assert not routed_now()


def test_a_decorated_test_class_routes_each_test(pytester):
    pytester.makepyfile(
        test_class="""
        import time, requests
        from sandbox import mock_tiktok_shop
        from sandbox.signing import sign

        @mock_tiktok_shop(seed=3)
        class TestShops:
            def test_routed(self):
                query = {"app_key": "sandbox_app_key", "timestamp": str(int(time.time()))}
                query["sign"] = sign("sandbox_app_secret", "/authorization/202309/shops", query)
                answer = requests.get("https://open-api.tiktokglobalshop.com/authorization/202309/shops",
                                      params=query, headers={"x-tts-access-token": "TTP_sandbox_access_token"})
                assert answer.json()["code"] == 0

            def test_fails_visibly(self):
                assert False
    """
    )
    result = pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)


pytest_plugins = ["pytester"]


def test_a_decorated_coroutine_runs_inside_the_mock():
    import asyncio

    @mock_tiktok_shop
    async def sync_shops():
        await asyncio.sleep(0)
        return shops_code()

    assert asyncio.run(sync_shops()) == 0
    assert not routed_now()


def test_an_httpx_async_client_uses_the_async_transport():
    import asyncio

    async def main():
        with InProcessSandbox() as tts:
            async with httpx.AsyncClient(transport=tts.httpx_async_transport(), base_url=API) as client:
                answer = await client.get(
                    "/authorization/202309/shops",
                    params=signed("/authorization/202309/shops", shop=False),
                    headers=TOKEN,
                )
                return answer.json()["code"]

    assert asyncio.run(main()) == 0


def test_the_httpx_transport_answers_only_tiktok_hosts(monkeypatch):
    sent = []

    def onward(self, request):
        sent.append(str(request.url))
        return httpx.Response(204)

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", onward)
    with InProcessSandbox() as tts:
        client = httpx.Client(transport=tts.httpx_transport())
        assert client.get("https://example.com/sandbox/clock").status_code == 204
        assert client.get(f"{API}/sandbox/clock").status_code == 200
    assert sent == ["https://example.com/sandbox/clock"]


def test_overlapping_mocks_are_refused():
    with mock_tiktok_shop(), pytest.raises(RuntimeError, match="one mock at a time"), mock_tiktok_shop():
        pass
    assert not routed_now()


def test_streamed_and_file_bodies_are_read(tmp_path):
    body = '{"order_status":"ON_HOLD"}'
    file = tmp_path / "body.json"
    file.write_text(body)
    with mock_tiktok_shop():
        for data in (iter([body.encode()]), file.open("rb")):
            answer = requests.post(
                f"{API}{SEARCH}",
                params=signed(SEARCH, body, page_size="50"),
                data=data,
                headers={**TOKEN, "content-type": "application/json"},
            ).json()
            assert answer["code"] == 0 and {o["status"] for o in answer["data"]["orders"]} == {"ON_HOLD"}


def test_a_sandbox_passed_first_is_the_one_used():
    with InProcessSandbox(region="GB") as mine, mock_tiktok_shop(mine) as routed:
        assert routed is mine
        shops = requests.get(
            f"{API}/authorization/202309/shops",
            params=signed("/authorization/202309/shops", shop=False),
            headers=TOKEN,
        ).json()
        assert shops["data"]["shops"][0]["region"] == "GB"


def test_calls_from_threads_with_running_loops_are_serialized():
    import asyncio
    import threading

    tts = InProcessSandbox()
    codes = []

    def worker():
        async def inside_a_loop():
            codes.append(tts.client().get("/authorization/202309/shops", shop=False).json()["code"])

        asyncio.run(inside_a_loop())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tts.stop()
    assert codes == [0, 0, 0, 0]
