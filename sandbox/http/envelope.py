"""The platform's response envelope (its codes are in ``sandbox.domain.codes``), and the control
plane's error shape."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import orjson

from sandbox.domain.codes import Code
from sandbox.durations import InvalidInstant, parse_instant


class ApiError(Exception):
    """An error answered in the platform's envelope."""

    def __init__(self, code: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.code = int(code)
        self.message = message
        self.headers = headers or {}


class ControlError(Exception):
    """A control-plane error: what was wrong and how to fix it."""

    def __init__(self, status: int, type_: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.details = details or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"type": self.type, "message": self.message, **self.details}}


def success(request_id: str, data: Any) -> dict[str, Any]:
    return {
        "code": Code.SUCCESS.value,
        "message": Code.SUCCESS.message,
        "request_id": request_id,
        "data": data,
    }


def failure(request_id: str, code: int, message: str) -> dict[str, Any]:
    return {"code": int(code), "message": message, "request_id": request_id}


# orjson writes the same compact UTF-8 JSON as json.dumps(separators=(",", ":"),
# ensure_ascii=False), about ten times faster: for a page of 20 orders (31 kB) that was a third of
# the request's cost. Types it would write differently (datetimes, dataclasses, subclasses of str
# or int such as enums) are handed back, and the whole body then goes through the json module. Only
# floats may be spelled differently (0.00001, not 1e-05: the same number), and NaN and infinities,
# which JSON cannot carry and no answer holds, would be null.
_PASSTHROUGH = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def _refuse(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def fast_json(body: Any) -> bytes | None:
    """``body`` as compact UTF-8 JSON by orjson, or None when it holds a type orjson hands back."""
    try:
        return orjson.dumps(body, default=_refuse, option=_PASSTHROUGH)
    except TypeError:
        return None


def dumps(body: Any) -> bytes:
    fast = fast_json(body)
    if fast is not None:
        return fast
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode()
    except UnicodeEncodeError:
        # A lone surrogate (a YAML escape such as "\ud800" quoted back in an error) has no UTF-8
        # bytes: JSON's \u escapes carry the same string.
        return json.dumps(body, separators=(",", ":")).encode()


def instant_param(value: Any, name: str) -> Any:
    """An instant given to a JSON surface (ISO 8601 or Unix seconds); None when not given. A bad one
    is a 400 naming the field."""
    if value is None:
        return None
    try:
        return parse_instant(value)
    except InvalidInstant as exc:
        raise ControlError(400, "invalid_instant", f"{name}: {exc}") from exc


def attachment(filename: str) -> str:
    """A Content-Disposition header for a download named ``filename``, whatever its letters:
    headers are Latin-1, so a name beyond ASCII goes percent-encoded as UTF-8 (RFC 6266's
    filename*), beside an ASCII stand-in for clients that read only filename."""
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    if plain == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
