"""The ceiling for bench/compare.py: a bare ASGI app, for uvicorn with uvloop and httptools, that
answers each path with the bytes the sandbox answered it with (no routing library, no
validation, no state). BARE_BODIES names a JSON file of path prefix to body."""

from __future__ import annotations

import json
import os
from typing import Any

with open(os.environ["BARE_BODIES"], encoding="utf-8") as handle:
    BODIES = [(prefix, body.encode()) for prefix, body in json.load(handle).items()]
HEADERS = [(b"content-type", b"application/json")]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    if scope["method"] == "POST":
        while (await receive()).get("more_body"):
            pass
    path = scope["path"]
    body = next((raw for prefix, raw in BODIES if path.startswith(prefix)), b'{"code":0}')
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": body})
