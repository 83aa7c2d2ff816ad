"""Human durations (``90m``, ``3d12h``, ``1w``) and instants as the control plane accepts them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


class InvalidDuration(ValueError):
    pass


class InvalidInstant(ValueError):
    pass


def parse_duration(text: str) -> timedelta:
    """Parse ``3d12h``-style durations. Units must appear largest first, each at most once."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidDuration("a duration is a non-empty string such as '90m', '2h' or '3d12h'")
    match = _DURATION.match(text.strip().lower())
    if not match or not any(match.groups()):
        raise InvalidDuration(
            f"'{text}' is not a duration: use numbers with units w, d, h, m, s, "
            "largest first, e.g. '90m', '2h', '3d12h', '1w'"
        )
    parts = {unit: int(value) for unit, value in zip(_UNITS.values(), match.groups(), strict=True) if value}
    return timedelta(**parts)


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "0s"
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)


def parse_instant(value: str | int | float) -> datetime:
    """An ISO 8601 instant (timezone required, ``Z`` accepted) or Unix seconds."""
    if isinstance(value, bool):
        raise InvalidInstant("an instant is an ISO 8601 string or Unix seconds, not a boolean")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise InvalidInstant(f"{value} is out of range for Unix seconds") from exc
    if not isinstance(value, str):
        raise InvalidInstant("an instant is an ISO 8601 string or Unix seconds")
    text = value.strip()
    if text.isdigit():
        return parse_instant(int(text))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise InvalidInstant(f"'{value}' is not an ISO 8601 instant such as '2026-03-01T09:00:00Z'") from exc
    if parsed.tzinfo is None:
        raise InvalidInstant(f"'{value}' has no timezone: add 'Z' or an offset, e.g. '2026-03-01T09:00:00Z'")
    return parsed.astimezone(UTC)


def unix(instant: datetime) -> int:
    return int(instant.timestamp())


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")
