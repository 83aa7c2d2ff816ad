"""The sandbox fills the documented response fields: a world driven through its states answers
every served operation, and the share of documented leaf fields that came back filled at least
once may not drop (`bench/field_coverage.py`)."""

from __future__ import annotations

from bench import field_coverage

# The overall share of documented response leaf fields filled; raise it as fields are filled.
FLOOR = 0.29

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
