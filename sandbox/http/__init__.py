"""The HTTP stack around the operation handlers: the gate, the prepared operations, guards,
error rendering and the envelope. Handlers live in ``sandbox.api``.

Importing this package imports connexion, leaving out what a server never uses (see _StandIn):
sandbox.app imports it before connexion."""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any


class _StandIn(types.ModuleType):
    """Stands in for a module while connexion is imported, and imports the real one on first
    use: connexion imports Starlette's test client, httpx and requests at import time, for its
    test_client(), for security schemes that fetch token information from a URL, and for specs
    with $refs to URLs, none of which a server of the sandbox uses. Together they were a fifth of
    a second of every start."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(importlib.import_module(self.__name__), name)


def _test_client(*args: Any, **kwargs: Any) -> Any:
    from starlette.testclient import TestClient

    return TestClient(*args, **kwargs)


def _import_connexion() -> None:
    deferred = ("starlette.testclient", "httpx", "requests")
    if "connexion" in sys.modules or any(name in sys.modules for name in deferred):
        return
    stand_ins = {name: _StandIn(name) for name in deferred}
    # ``from starlette.testclient import TestClient``: a name, not a module, is what connexion
    # keeps, so the stand-in's is a function making the real test client.
    stand_ins["starlette.testclient"].TestClient = _test_client  # type: ignore[attr-defined]
    sys.modules.update(stand_ins)
    try:
        import connexion  # noqa: F401
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]  # the real module is imported by whoever asks next


_import_connexion()
