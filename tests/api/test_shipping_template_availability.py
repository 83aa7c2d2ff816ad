"""Which of the shop's shipping templates can carry a product of some weight and size (logistics
202510, GB only): the platform's carrier takes what its labels take, the seller's own anything."""

from __future__ import annotations

from sandbox.domain.packages import MAX_SIDE_CM, MAX_WEIGHT_GRAMS
from tests.helpers import NOT_IN_MARKET, data, error_code, market_shop

TEMPLATES = "/logistics/202510/seller_templates"


def _templates(client, product=None) -> dict[int, dict]:
    body = {"product_attribute": product} if product is not None else {}
    found = data(client.call("GET", TEMPLATES, body=body))["templates"]
    return {t["template"]["template_party"]: t for t in found}


def test_a_parcel_within_the_carriers_limits_can_go_by_either_template(http):
    gb = market_shop(http, "GB")
    found = _templates(
        gb,
        {
            "weight": {"weight": "2.5", "unit": 4},
            "dimension": {"length": "40", "width": "30", "height": "20", "unit": 1},
        },
    )
    assert all(t["template_is_available"] for t in found.values())
    assert "service_unreachable_reason" not in found[1]
    assert found[1]["template"]["is_default"] and not found[2]["template"]["is_default"]
    # Each template is one of the shop's delivery options.
    warehouse = data(gb.get("/logistics/202309/warehouses"))["warehouses"][0]["id"]
    options = data(gb.get(f"/logistics/202309/warehouses/{warehouse}/delivery_options"))["delivery_options"]
    assert {t["template"]["template_id"] for t in found.values()} == {o["id"] for o in options}


def test_the_platforms_template_cannot_carry_what_its_labels_refuse(http):
    gb = market_shop(http, "GB")
    heavy_lb = str(round(MAX_WEIGHT_GRAMS / 453.59237) + 1)  # just over the limit, in pounds
    long_in = str(round(MAX_SIDE_CM / 2.54) + 1)
    found = _templates(
        gb, {"weight": {"weight": heavy_lb, "unit": 2}, "dimension": {"length": long_in, "unit": 2}}
    )
    platform, seller = found[1], found[2]
    assert not platform["template_is_available"]
    [service] = platform["service_unreachable_reason"]
    assert service["service_id"] == platform["template"]["template_id"]
    assert {r["filter_type"] for r in service["filter_reason"]} == {"1", "4"}
    assert seller["template_is_available"] and "service_unreachable_reason" not in seller
    # Exactly at the limits is still carried.
    at_limit = {
        "weight": {"weight": str(MAX_WEIGHT_GRAMS), "unit": 1},
        "dimension": {"height": str(MAX_SIDE_CM)},
    }
    assert _templates(gb, at_limit)[1]["template_is_available"]


def test_no_body_lists_every_template_available(http):
    assert all(t["template_is_available"] for t in _templates(market_shop(http, "GB")).values())


def test_bad_units_and_values_are_refused_and_other_markets_have_no_such_operation(http, tts):
    gb = market_shop(http, "GB")
    for product in (
        {"weight": {"weight": "1", "unit": 9}},
        {"weight": {"weight": "heavy", "unit": 1}},
        {"dimension": {"length": "-3"}},
    ):
        assert error_code(gb.call("GET", TEMPLATES, body={"product_attribute": product})) == 36009004
    assert (
        error_code(gb.call("GET", TEMPLATES, body={"product_attribute": {"weight": {"weight": 3}}}))
        == 36009004
    )
    assert error_code(tts.call("GET", TEMPLATES, body={})) == NOT_IN_MARKET
