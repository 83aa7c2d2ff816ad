"""tiktok-shop-sandbox: a local, deterministic, time-controllable TikTok Shop Open API."""

__version__ = "0.1.0"
