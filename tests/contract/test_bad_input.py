"""Bad input keeps the platform's envelope: for every served operation with a JSON body, a
documented field of the wrong type, or a field the docs do not have, is refused with 36009004 naming
the field, and the world is left as it was."""

from __future__ import annotations

import re

import pytest

from bench import contract
from sandbox.domain.codes import Code

# A value of another JSON type than each documented one.
WRONG = {
    "string": 12345,
    "integer": "twelve",
    "number": "twelve",
    "boolean": "yes",
    "array": "a",
    "object": 7,
}

SPEC = contract._spec()


def _json_body(method: str, path: str) -> dict | None:
    """The operation's JSON request body schema (multipart uploads have none)."""
    content = SPEC["paths"][path][method].get("requestBody", {}).get("content", {})
    return (
        contract._resolve(SPEC, content["application/json"]["schema"])
        if "application/json" in content
        else None
    )


WITH_BODIES = sorted(
    (op.method, op.path, name, field.type)
    for op in contract.served()
    if _json_body(op.method, op.path) is not None and (op.method, op.path) not in contract.NOT_IN_REFERENCE
    for name, field in (op.body.fields.items() if op.body else ())
    if field.type in WRONG
)
# Bodies that refuse fields they do not name (the ship body is also the base of the batch's
# entries, which add their id to it, so it cannot close itself).
CLOSED = sorted(
    {(m, p) for m, p, _, _ in WITH_BODIES if _json_body(m, p).get("additionalProperties") is False}
)


def _path(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "576000000000000001", template)


def _events(http):
    """The world's event log: a refused request adds nothing to it."""
    return http.get("/sandbox/events").json()["events"]


@pytest.mark.parametrize(("method", "path", "name", "kind"), WITH_BODIES, ids=lambda v: str(v))
def test_a_documented_field_of_the_wrong_type_is_refused_naming_it(tts, http, method, path, name, kind):
    before = _events(http)
    answer = tts.call(method.upper(), _path(path), params={"page_size": 10}, body={name: WRONG[kind]}).json()
    assert answer["code"] == Code.INVALID_REQUEST, answer
    # The message names what it refused: this field, or a required one the body lacks.
    assert name in answer["message"] or "required" in answer["message"], answer["message"]
    assert _events(http) == before


@pytest.mark.parametrize(("method", "path"), CLOSED, ids=lambda v: str(v))
def test_a_field_the_docs_do_not_have_is_refused_naming_it(tts, http, method, path):
    before = _events(http)
    answer = tts.call(
        method.upper(), _path(path), params={"page_size": 10}, body={"not_documented": 1}
    ).json()
    assert answer["code"] == Code.INVALID_REQUEST, answer
    assert "not_documented" in answer["message"] or "required" in answer["message"], answer["message"]
    assert _events(http) == before


def test_every_json_body_but_the_ship_one_refuses_fields_it_does_not_name():
    opened = {(m, p) for m, p, _, _ in WITH_BODIES} - set(CLOSED)
    assert opened == {("post", "/fulfillment/202309/packages/{package_id}/ship")}
