"""A minimal TikTok Shop client that signs calls exactly as the platform expects.

For tests and examples: hand it any HTTP client with httpx's ``request`` signature (an
``httpx.Client`` on the server's base URL, or the app's in-process test client).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from sandbox import signing

# Any client with httpx's ``request(method, url, params=..., content=..., headers=...)``: an
# httpx.Client, starlette's test client, or the in-process sandbox's client.
HttpClient = Any


class SignedClient:
    def __init__(
        self,
        http: HttpClient,
        *,
        app_key: str,
        app_secret: str,
        access_token: str,
        shop_cipher: str | None = None,
    ):
        self.http = http
        self.app_key = app_key
        self.app_secret = app_secret
        self.access_token = access_token
        self.shop_cipher = shop_cipher

    @classmethod
    def for_tenant(cls, http: HttpClient, credentials: Mapping[str, Any]) -> SignedClient:
        """From the credentials the control plane returns (``GET /sandbox/tenants/default``)."""
        return cls(
            http,
            app_key=credentials["app_key"],
            app_secret=credentials["app_secret"],
            access_token=credentials["access_token"],
            shop_cipher=credentials["shop"]["cipher"],
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        body: Any = None,
        shop: bool = True,
        timestamp: int | None = None,
    ) -> Any:
        """Sign and send. ``params``: a mapping (a list value is comma-joined, ``ids=A,B``) or
        (key, value) pairs, where a key may repeat (``ids=A&ids=B``, signed once per value, in
        order). ``body``: a dict (serialized once, signed as sent), bytes or str. A query string in
        ``path`` joins ``params`` (the signature covers the path without it)."""
        path, _, inline = path.partition("?")
        inline_pairs = parse_qsl(inline, keep_blank_values=True)
        if params is None or isinstance(params, Mapping):
            given: list[tuple[str, Any]] = list({**dict(inline_pairs), **(params or {})}.items())
        else:
            given = [*inline_pairs, *params]
        base: dict[str, str] = {
            "app_key": self.app_key,
            "timestamp": str(timestamp if timestamp is not None else int(time.time())),
        }
        if shop and self.shop_cipher:
            base["shop_cipher"] = self.shop_cipher
        rest: list[tuple[str, str]] = []
        for key, value in given:
            text = ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
            if key in base:
                base[key] = text
            elif key != "sign":
                rest.append((key, text))
        query = [*base.items(), *rest]
        raw = b""
        if body is not None:
            raw = (
                body
                if isinstance(body, bytes)
                else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
            )
        headers = {"x-tts-access-token": self.access_token}
        if raw:
            headers["content-type"] = "application/json"
        signature = signing.sign(self.app_secret, path, query, raw, headers.get("content-type", ""))
        query.append(("sign", signature))
        return self.http.request(method, path, params=query, content=raw or None, headers=headers)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.call("POST", path, body=body if body is not None else {}, **kwargs)
