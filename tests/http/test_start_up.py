"""What building the app leaves for later: Flask's routes and the web page wait for a request that
reaches them, so a start that is only ever called on the prepared operations never builds them."""

from __future__ import annotations

import subprocess
import sys

FIRST_CALLS = """
import sys

from sandbox.app import Sandbox



def web_page():
    return sorted(name for name in sys.modules if name == "sandbox.web" or name.startswith("sandbox.web."))


app = Sandbox().app
with app.test_client() as http:
    assert http.get("/sandbox/health").status_code == 200
    before = web_page()
    assert http.get("/web/").status_code == 200
print(before, "web/site" if "sandbox.web.site" in web_page() else "no web page")
"""


def test_the_web_page_is_imported_when_its_first_request_comes():
    # A process of its own: the other tests have imported the web page long since.
    printed = subprocess.run(
        [sys.executable, "-c", FIRST_CALLS], check=True, capture_output=True, text=True
    ).stdout.split()
    assert printed == ["[]", "web/site"]
