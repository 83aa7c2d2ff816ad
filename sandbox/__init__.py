"""tiktok-shop-sandbox: a local, deterministic, time-controllable TikTok Shop Open API."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["InProcessSandbox", "__version__", "mock_tiktok_shop"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that `import sandbox` (and the pytest plugin) stays light.
    if name in ("InProcessSandbox", "mock_tiktok_shop"):
        from sandbox import inprocess

        return getattr(inprocess, name)
    raise AttributeError(f"module 'sandbox' has no attribute {name!r}")
