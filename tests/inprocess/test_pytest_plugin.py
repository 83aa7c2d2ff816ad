"""The pytest plugin, as a user's test suite meets it (run through pytester)."""

from __future__ import annotations

import textwrap

# Loaded here, in the outer process: pytester forgets the modules each inner run imports, and
# libyaml's C module, imported again, would build nodes of the forgotten yaml module.
import yaml  # noqa: F401

pytest_plugins = ["pytester"]


def run(pytester, source: str, *args: str):
    pytester.makepyfile(test_user=textwrap.dedent(source))
    return pytester.runpytest_inprocess("-q", "-p", "no:cacheprovider", *args)


def test_fixtures_give_a_fresh_sandbox_per_test(pytester):
    result = run(
        pytester,
        """
        def test_first(tts_sandbox, tts_client, tts_credentials):
            assert tts_credentials["app_key"] == "sandbox_app_key"
            page = tts_client.post("/order/202309/orders/search", {}, params={"page_size": 100}).json()
            assert page["data"]["total_count"] == 40
            tts_sandbox.advance("8d")

        def test_second_starts_fresh(tts_sandbox, tts_client):
            # The previous test's eight days are gone: the token works again.
            assert tts_client.get("/authorization/202309/shops", shop=False).json()["code"] == 0
    """,
    )
    result.assert_outcomes(passed=2)


def test_tts_options_and_the_requests_mock(pytester):
    result = run(
        pytester,
        """
        import time, pytest, requests
        from sandbox.signing import sign

        @pytest.mark.tts_options(seed=7, order_count=3, region="GB")
        def test_routed(tts_mock):
            query = {"app_key": "sandbox_app_key", "timestamp": str(int(time.time()))}
            query["sign"] = sign("sandbox_app_secret", "/authorization/202309/shops", query)
            shops = requests.get("https://open-api.tiktokglobalshop.com/authorization/202309/shops", params=query,
                                 headers={"x-tts-access-token": "TTP_sandbox_access_token"}).json()
            assert shops["data"]["shops"][0]["region"] == "GB"
    """,
    )
    result.assert_outcomes(passed=1)


def test_a_scenario_marker_turns_failed_expectations_into_failures(pytester):
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.scenario("happy-path.yaml")
        def test_attentive(tts_sandbox, tts_client):
            tts_sandbox.advance("70m")
            mug = tts_sandbox.report("happy-path")["orders"]["mug"]["order_id"]
            detail = tts_client.get("/order/202309/orders", params={"ids": [mug]}).json()["data"]["orders"][0]
            package = detail["packages"][0]["id"]
            assert tts_client.post(f"/fulfillment/202309/packages/{package}/ship", {}).json()["code"] == 0
            assert tts_client.get(f"/fulfillment/202309/packages/{package}/shipping_documents",
                                  params={"document_type": "SHIPPING_LABEL"}).json()["code"] == 0

        @pytest.mark.scenario("happy-path.yaml")
        def test_idle(tts_sandbox):
            tts_sandbox.advance("3d")
    """,
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_user.py::test_idle - Failed: scenario expectations failed*"])
    result.stdout.fnmatch_lines(["*happy-path: the client fetches the order once it awaits shipment*"])


def test_strict_scenarios_fail_on_pending_expectations(pytester):
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.scenario("happy-path.yaml")
        def test_lenient(tts_sandbox):
            pass  # nothing happened yet: every expectation is pending

        @pytest.mark.scenario("happy-path.yaml", strict=True)
        def test_strict(tts_sandbox):
            pass
    """,
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*FAILED test_user.py::test_strict - Failed: scenario expectations failed*"])
    result.stdout.fnmatch_lines(
        ["*happy-path: the client fetches the order once it awaits shipment: still pending*"]
    )


def test_a_test_that_freezes_time_gets_a_world_at_that_instant(pytester):
    result = run(
        pytester,
        """
        from datetime import UTC, datetime, timedelta

        import time_machine
        from freezegun import freeze_time

        @freeze_time("2027-01-01T00:00:00Z")
        def test_freezegun_decorator(tts_sandbox, tts_client):
            assert tts_sandbox.now() == datetime(2027, 1, 1, tzinfo=UTC)
            orders = tts_client.post("/order/202309/orders/search", {}, params={"page_size": 100}).json()["data"]
            assert max(o["create_time"] for o in orders["orders"]) <= int(datetime(2027, 1, 1, tzinfo=UTC).timestamp())

        @time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=UTC), tick=False)
        def test_time_machine_decorator(tts_sandbox):
            assert tts_sandbox.now() == datetime(2026, 3, 2, 9, tzinfo=UTC)
            assert tts_sandbox.advance("2h")["now"] == "2026-03-02T11:00:00Z"

        def test_iso_string_freeze_at_option(tts_sandbox):
            pass

        import pytest
        test_iso_string_freeze_at_option = pytest.mark.tts_options(freeze_at="2026-03-02T09:00:00Z")(
            test_iso_string_freeze_at_option)
    """,
    )
    result.assert_outcomes(passed=3)


def test_an_unknown_scenario_file_is_a_usage_error(pytester):
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.scenario("no-such-scenario.yaml")
        def test_missing(tts_sandbox):
            pass
    """,
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no-such-scenario.yaml*not found*"])


def test_an_occurrence_missed_fails_the_test_naming_which_one(pytester):
    pytester.makefile(
        ".yaml",
        each_rejection=textwrap.dedent(
            """\
            scenario: each-rejection
            setup:
              start: 2026-03-02T09:00:00Z
            orders:
              parcel: {status: AWAITING_SHIPMENT, shipping_type: TIKTOK}
            steps:
              - at: 0s
                do: [{reject_label: {order: parcel, reason: PRODUCTS_OVERSIZED}}]
            expect:
              - name: the client re-requests the label within an hour of each rejection
                after: {event: package.label_rejected, order: parcel}
                each: true
                counting: any
                client_calls: ship_package
                order: parcel
                within: 1h
            """
        ),
    )
    result = run(
        pytester,
        """
        import pytest

        def ship(tts_sandbox, tts_client):
            package = tts_sandbox.report("each-rejection")["orders"]["parcel"]["package_ids"][0]
            tts_client.post(f"/fulfillment/202309/packages/{package}/ship", {"handover_method": "DROP_OFF"})

        @pytest.mark.scenario("each_rejection.yaml")
        def test_slow_on_the_second(tts_sandbox, tts_client):
            ship(tts_sandbox, tts_client)
            tts_sandbox.advance("30m")
            ship(tts_sandbox, tts_client)
            tts_sandbox.advance("2h")
    """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*each-rejection: the client re-requests the label within an hour of each rejection "
            "(occurrence 2, armed 2026-03-02T09:30:00Z): no ship_package call*"
        ]
    )
