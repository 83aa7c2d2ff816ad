"""Human durations (``90m``, ``3d12h``, ``1w``) and instants as the control plane accepts them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_DURATION = re.compile(r"^(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$")
_UNIX_SECONDS = re.compile(r"^[0-9]{1,12}$")

# Virtual time stays within these bounds, so that every deadline computed from it (a year at most
# ahead) is a valid instant, and a bad input is refused rather than overflowing half-way.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, tzinfo=UTC)
LONGEST = timedelta(days=36500)


class InvalidDuration(ValueError):
    pass


class InvalidInstant(ValueError):
    pass


def parse_duration(text: str) -> timedelta:
    """Parse ``3d12h``-style durations. Units must appear largest first, each at most once."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidDuration("a duration is a non-empty string such as '90m', '2h' or '3d12h'")
    match = _DURATION.match(text.strip().lower()) if text.isascii() and len(text) <= 40 else None
    if not match or not any(match.groups()):
        raise InvalidDuration(
            f"'{_shown(str(text))}' is not a duration: use numbers with units w, d, h, m, s, "
            "largest first, e.g. '90m', '2h', '3d12h', '1w'"
        )
    parts = {unit: int(value) for unit, value in zip(_UNITS.values(), match.groups(), strict=True) if value}
    if any(value > LONGEST.days * 86400 for value in parts.values()):
        raise InvalidDuration(f"'{_shown(text)}' is longer than {LONGEST.days} days")
    delta = timedelta(**parts)
    if delta > LONGEST:
        raise InvalidDuration(f"'{_shown(text)}' is longer than {LONGEST.days} days")
    return delta


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
            return _bounded(datetime.fromtimestamp(value, UTC), str(value))
        except (OverflowError, OSError, ValueError) as exc:
            raise InvalidInstant(f"{_shown(str(value))} is out of range for Unix seconds") from exc
    if not isinstance(value, str):
        raise InvalidInstant("an instant is an ISO 8601 string or Unix seconds")
    text = value.strip()
    if _UNIX_SECONDS.match(text):
        return parse_instant(int(text))
    try:
        if not text.isascii() or len(text) > 40:
            raise ValueError
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise InvalidInstant(
            f"'{_shown(value)}' is not an ISO 8601 instant such as '2026-03-01T09:00:00Z'"
        ) from exc
    if parsed.tzinfo is None:
        raise InvalidInstant(
            f"'{_shown(value)}' has no timezone: add 'Z' or an offset, e.g. '2026-03-01T09:00:00Z'"
        )
    try:
        return _bounded(parsed.astimezone(UTC), value)
    except OverflowError as exc:
        raise InvalidInstant(f"'{_shown(value)}' is out of range") from exc


def _bounded(instant: datetime, text: str) -> datetime:
    if not EARLIEST <= instant <= LATEST:
        raise InvalidInstant(
            f"'{_shown(text)}' is outside the sandbox's range ({EARLIEST.year} to {LATEST.year})"
        )
    return instant


def _shown(text: str) -> str:
    """User input quoted back in a message, cut short."""
    return text if len(text) <= 40 else text[:40] + "..."


def unix(instant: datetime) -> int:
    return int(instant.timestamp())


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")
