"""TikTok Shop request signing (HMAC-SHA256 over path, sorted query and body).

The recipe, as the platform applies it:
1. take the query parameters except ``sign`` and ``access_token``;
2. sort them by key and concatenate ``key + value`` with no separators (a key sent more than once,
   ``ids=A&ids=B``, is signed once per value, in the order sent: ``idsAidsB``);
3. prefix the request path;
4. append the raw body exactly as sent, unless the request is multipart/form-data;
5. wrap the result in the app secret on both sides;
6. HMAC-SHA256 keyed with the app secret, lowercase hex.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping

EXCLUDED_PARAMS = frozenset({"sign", "access_token"})


def string_to_sign(
    path: str,
    params: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes | str = b"",
    content_type: str = "",
) -> str:
    """The string the platform signs, before the app secret is wrapped around it."""
    items = params.items() if isinstance(params, Mapping) else params
    # By key only: the sort is stable, so the values of a repeated key keep the order they came in.
    kept = sorted(((k, v) for k, v in items if k not in EXCLUDED_PARAMS), key=lambda pair: pair[0])
    text = path + "".join(f"{key}{value}" for key, value in kept)
    if body and not content_type.lower().startswith("multipart/form-data"):
        text += body.decode("utf-8", "surrogateescape") if isinstance(body, bytes) else body
    return text


def sign(
    app_secret: str,
    path: str,
    params: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes | str = b"",
    content_type: str = "",
) -> str:
    wrapped = app_secret + string_to_sign(path, params, body, content_type) + app_secret
    return hmac.new(
        app_secret.encode(), wrapped.encode("utf-8", "surrogateescape"), hashlib.sha256
    ).hexdigest()


def signatures_match(expected: str, given: str) -> bool:
    # Lowercase only: the platform rejects an uppercase hex signature. Bytes, so that any text
    # (even non-ASCII) compares instead of raising.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogateescape"))


def webhook_signature(app_key: str, app_secret: str, raw_body: bytes) -> str:
    """The ``Authorization`` header of a webhook delivery."""
    return hmac.new(app_secret.encode(), app_key.encode() + raw_body, hashlib.sha256).hexdigest()
