"""The throughput baseline: a bare Flask app (no connexion, no validation, no state) returning a JSON
body of the size the measured sandbox endpoint returns (BASELINE_BODY), for gunicorn's sync worker."""

from __future__ import annotations

import os

from flask import Flask, Response

app = Flask(__name__)
BODY = os.environ.get("BASELINE_BODY", '{"code":0}').encode()


@app.get("/json")
def json_body() -> Response:
    return Response(BODY, mimetype="application/json")


@app.get("/health")
def health() -> Response:
    return Response(b"ok")
