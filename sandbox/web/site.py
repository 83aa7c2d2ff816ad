"""The QA web page put on the app: its pages (sandbox/web/pages.py) and the seller's actions
(sandbox/web/actions.py), which render those pages, so neither module needs the other to be served."""

from __future__ import annotations

from flask import Flask

from sandbox.http.host import ControlPlane
from sandbox.web.actions import actions
from sandbox.web.pages import WEB_PREFIX, pages


def install(app: Flask, control: ControlPlane) -> None:
    """The page reads the tenants through the control plane's narrow view, as its handlers do."""
    app.config["TTS_SANDBOX"] = control
    app.register_blueprint(pages, url_prefix=WEB_PREFIX)
    app.register_blueprint(actions, url_prefix=WEB_PREFIX)
