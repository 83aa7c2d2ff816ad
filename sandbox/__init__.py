"""tiktok-shop-sandbox: a local, deterministic, time-controllable TikTok Shop Open API."""

__version__ = "0.1.0"

from sandbox.inprocess import InProcessSandbox, mock_tiktok_shop

__all__ = ["InProcessSandbox", "__version__", "mock_tiktok_shop"]
