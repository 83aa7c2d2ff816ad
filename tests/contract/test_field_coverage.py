"""The sandbox fills the documented response fields: a world driven through its states answers
every served operation, and the share of documented leaf fields that came back filled at least
once may not drop (`bench/field_coverage.py`)."""

from __future__ import annotations

from bench import field_coverage

# The overall share of documented response leaf fields filled; raise it as fields are filled.
FLOOR = 0.97

TABLE = field_coverage.coverage(field_coverage.drive())


def test_the_overall_share_of_filled_documented_fields_does_not_drop():
    documented = sum(len(d) for d, _ in TABLE.values())
    filled = sum(len(f) for _, f in TABLE.values())
    not_applicable = sum(len(fields) for fields in field_coverage.NOT_APPLICABLE.values())
    assert documented + not_applicable > 700  # every served operation's documented fields are counted
    assert filled / documented >= FLOOR, f"{filled}/{documented} filled, below {FLOOR:.0%}"


def test_only_documented_fields_are_counted_and_each_not_applicable_field_has_a_reason():
    for (_, path), (documented, filled) in TABLE.items():
        assert filled <= documented, path
    for path, fields in field_coverage.NOT_APPLICABLE.items():
        assert all(reason.strip() for reason in fields.values()), path


def test_a_field_counts_as_filled_only_with_a_value():
    paths = set(field_coverage._paths({"a": {"b": "", "c": 0}, "d": [{"e": None}, {"e": "x"}], "f": []}))
    assert paths == {"a.c", "d[].e"}


# The share of documented webhook payload leaf fields filled, over every webhook type the sandbox
# sends (`bench/field_coverage.py`, webhook_coverage); raise it as fields are filled.
WEBHOOK_FLOOR = 1.0

WEBHOOK_TABLE = field_coverage.webhook_coverage(field_coverage.drive())


def test_every_sent_webhook_type_fills_its_documented_payload():
    assert set(WEBHOOK_TABLE) == set(field_coverage.SENT_WEBHOOKS.values())
    documented = sum(len(d) for d, _ in WEBHOOK_TABLE.values())
    filled = sum(len(f) for _, f in WEBHOOK_TABLE.values())
    assert documented >= 50
    assert filled / documented >= WEBHOOK_FLOOR, f"{filled}/{documented} filled, below {WEBHOOK_FLOOR:.0%}"
    for webhook_type, (documented_leaves, filled_leaves) in WEBHOOK_TABLE.items():
        assert filled_leaves <= documented_leaves, webhook_type
        assert len(filled_leaves) / len(documented_leaves) >= 0.95, (
            webhook_type,
            documented_leaves - filled_leaves,
        )
    for webhook_type, fields in field_coverage.NOT_APPLICABLE_WEBHOOKS.items():
        assert all(reason.strip() for reason in fields.values()), webhook_type


def test_the_sent_webhook_types_are_the_sandboxs():
    from sandbox.webhooks import EVENT_TYPES

    assert field_coverage.SENT_WEBHOOKS == EVENT_TYPES


def test_every_documented_field_left_unfilled_is_listed_with_its_reason():
    unlisted, listed_but_filled = [], []
    for (_, path), (documented, filled) in TABLE.items():
        reasons = field_coverage.NOT_FILLED.get(path, {})
        unlisted += [f"{path} {leaf}" for leaf in sorted(documented - filled - set(reasons))]
        listed_but_filled += [f"{path} {leaf}" for leaf in sorted(set(reasons) & filled)]
    assert not unlisted, "unfilled without a reason in NOT_FILLED:\n" + "\n".join(unlisted)
    assert not listed_but_filled, "filled, so no longer for NOT_FILLED:\n" + "\n".join(listed_but_filled)
