"""connexion's private and undocumented names the sandbox relies on are all still there, and still
the kind of thing they were.

Every one of them is used from sandbox/http/connexion_private.py alone (see its docstring). When a
test here fails after an upgrade of connexion, that module is the one to update, and the pin in
pyproject.toml with it; the differential test (tests/test_prepared.py) then says whether the
prepared operations still answer byte for byte what connexion's own stack answers.
"""

from __future__ import annotations

import contextvars
import copy
import importlib
import inspect
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

import pytest
from connexion import context as public_context
from connexion.exceptions import InvalidSpecification, NonConformingResponseHeaders
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.spec import OpenAPISpecification

from sandbox.app import Sandbox
from sandbox.http import connexion_private as private
from sandbox.http.inline_wsgi import InlineWSGI
from sandbox.http.prepared import PreparedAPI, PreparedOperation, PreparedOperations

UPDATE = (
    f"with connexion {version('connexion')}: update sandbox/http/connexion_private.py, the one module "
    "that touches connexion's private names (and the connexion pin in pyproject.toml)"
)

Check = Callable[[Any, str, Any], bool]


def _positional(function: Any) -> int:
    return sum(
        p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        for p in inspect.signature(function).parameters.values()
    )


def function(arguments: int) -> Check:
    """A module-level function taking that many positional arguments."""
    return lambda owner, name, value: inspect.isfunction(value) and _positional(value) == arguments


def method(arguments: int) -> Check:
    """A plain method of a class, taking that many positional arguments (self included)."""

    def check(owner: Any, name: str, value: Any) -> bool:
        raw = inspect.getattr_static(owner, name)
        return inspect.isfunction(raw) and _positional(raw) == arguments

    return check


def static(arguments: int) -> Check:
    def check(owner: Any, name: str, value: Any) -> bool:
        raw = inspect.getattr_static(owner, name)
        return isinstance(raw, staticmethod) and _positional(raw.__func__) == arguments

    return check


def class_method(arguments: int) -> Check:
    """A classmethod inherited (not defined on the class itself: skip_spec_validation overrides
    it on the class for a build, then deletes the override)."""

    def check(owner: Any, name: str, value: Any) -> bool:
        raw = inspect.getattr_static(owner, name)
        return (
            isinstance(raw, classmethod)
            and name not in vars(owner)
            and _positional(raw.__func__) == arguments
        )

    return check


def own_class_method(arguments: int) -> Check:
    """A classmethod defined on the class itself (prepared_specifications overrides
    Specification.load for a build, then puts it back)."""

    def check(owner: Any, name: str, value: Any) -> bool:
        raw = vars(owner).get(name)
        return isinstance(raw, classmethod) and _positional(raw.__func__) == arguments

    return check


def a_class(owner: Any, name: str, value: Any) -> bool:
    return inspect.isclass(value)


def context_variable(owner: Any, name: str, value: Any) -> bool:
    return isinstance(value, contextvars.ContextVar)


def a_string(owner: Any, name: str, value: Any) -> bool:
    return isinstance(value, str) and bool(value)


KINDS: dict[tuple[str, str], Check] = {
    ("connexion.context", "_context"): context_variable,
    ("connexion.context", "_operation"): context_variable,
    ("connexion.context", "_receive"): context_variable,
    ("connexion.context", "_scope"): context_variable,
    ("connexion.middleware.abstract", "ROUTING_CONTEXT"): a_string,
    ("connexion.middleware.abstract", "RoutedAPI"): a_class,
    ("connexion.middleware.abstract", "RoutedAPI.add_paths"): method(1),
    ("connexion.middleware.abstract", "RoutedAPI.make_operation"): method(2),
    ("connexion.middleware.abstract", "RoutedMiddleware"): a_class,
    ("connexion.middleware.abstract", "RoutedMiddleware.add_api"): method(2),
    ("connexion.middleware.response_validation", "ResponseValidationOperation"): a_class,
    ("connexion.operations", "AbstractOperation"): a_class,
    ("connexion.uri_parsing", "AbstractURIParser.__init__"): method(3),
    ("connexion.uri_parsing", "AbstractURIParser.resolve_query"): method(2),
    ("connexion.uri_parsing", "AbstractURIParser.resolve_path"): method(2),
    ("connexion.decorators.parameter", "_get_query_defaults"): function(1),
    ("connexion.decorators.parameter", "_get_val_from_param"): function(2),
    ("connexion.decorators.parameter", "sanitized"): function(1),
    ("connexion.decorators.parameter", "unwrap_decorators"): function(1),
    ("connexion.decorators.response", "BaseResponseDecorator._unpack_handler_response"): static(1),
    ("connexion.decorators.response", "BaseResponseDecorator._infer_content_type"): static(2),
    ("connexion.json_schema", "Draft4RequestValidator"): a_class,
    ("connexion.json_schema", "format_error_with_path"): function(1),
    ("connexion.utils", "deep_merge"): function(2),
    ("connexion.utils", "inspect_function_arguments"): function(1),
    ("connexion.utils", "is_json_mimetype"): function(1),
    ("connexion.utils", "is_null"): function(1),
    ("connexion.utils", "is_nullable"): function(1),
    ("connexion.spec", "OpenAPISpecification._validate_spec"): class_method(2),
    ("connexion.spec", "OpenAPISpecification._set_defaults"): own_class_method(2),
    ("connexion.spec", "Specification.load"): own_class_method(2),
    ("connexion.json_schema", "resolve_refs"): function(3),
    ("connexion.apps.flask", "FlaskASGIApp"): a_class,
    ("connexion.apps.flask", "FlaskASGIApp.add_api"): method(2),
    ("connexion.middleware.abstract", "SpecMiddleware"): a_class,
    ("connexion.middleware.main", "ConnexionMiddleware._build_middleware_stack"): method(1),
}


def test_every_private_name_has_an_expected_kind() -> None:
    assert set(KINDS) == set(private.PRIVATE_NAMES), (
        "PRIVATE_NAMES and this test's KINDS list different names: give each new name its kind"
    )
    assert len(set(private.PRIVATE_NAMES)) == len(private.PRIVATE_NAMES)


@pytest.mark.parametrize(
    ("module", "attribute"), private.PRIVATE_NAMES, ids=[f"{m}:{a}" for m, a in private.PRIVATE_NAMES]
)
def test_private_name_resolves_to_what_it_was(module: str, attribute: str) -> None:
    try:
        owner: Any = importlib.import_module(module)
    except ImportError as exc:
        pytest.fail(f"{module} cannot be imported ({exc}) {UPDATE}")
    value: Any = owner
    parts = attribute.split(".")
    for depth, part in enumerate(parts):
        owner = value
        if not hasattr(owner, part):
            pytest.fail(f"{module}.{'.'.join(parts[: depth + 1])} is gone {UPDATE}")
        value = getattr(owner, part)
    assert KINDS[(module, attribute)](owner, parts[-1], value), (
        f"{module}.{attribute} is no longer what it was ({value!r}) {UPDATE}"
    )


def test_operation_context_reaches_the_public_proxies() -> None:
    def run() -> None:
        scope = {"type": "http", "extensions": {}}
        context = private.context_of(scope)
        context["tts"] = "seen"
        operation, receive = object(), object()
        private.set_operation_context(context, operation, receive, scope)
        assert private.current_context()["tts"] == "seen", UPDATE
        assert public_context.scope["extensions"] is scope["extensions"], UPDATE
        assert public_context.receive._get_current_object() is receive, UPDATE
        assert public_context.operation._get_current_object() is operation, UPDATE

    contextvars.copy_context().run(run)


def test_scope_extensions_are_where_connexion_keeps_them() -> None:
    scope: dict[str, Any] = {"type": "http", "headers": []}
    assert ConnexionRequest(scope).context is private.context_of(scope), UPDATE
    scope["extensions"][ROUTING_CONTEXT] = {"operation_id": "op"}
    assert private.routing_of(scope) == {"operation_id": "op"}, UPDATE
    assert private.routing_of({}) == {}


def test_parameter_and_response_helpers_behave_as_they_did() -> None:
    integer = {"name": "n", "in": "query", "schema": {"type": "integer", "default": 3}}
    assert private.query_defaults({"n": integer}) == {"n": 3}, UPDATE
    assert private.cast_parameter("5", integer) == 5, UPDATE
    assert private.cast_parameter(
        ["1", "2"], {"schema": {"type": "array", "items": {"type": "integer"}}}
    ) == [
        1,
        2,
    ], UPDATE
    assert private.sanitized("page-size") == "pagesize", UPDATE
    assert private.unpack_handler_response(({"a": 1}, 201)) == ({"a": 1}, 201, {}), UPDATE
    assert private.unpack_handler_response(({"a": 1}, 200, {"X": "y"})) == ({"a": 1}, 200, {"X": "y"}), UPDATE
    assert private.unpack_handler_response("text") == ("text", None, {}), UPDATE


def test_content_type_is_inferred_from_the_operation_in_context() -> None:
    class Operation:
        produces = ["application/json", "text/csv"]

    def run() -> None:
        scope = {"type": "http", "extensions": {}}
        private.set_operation_context(private.context_of(scope), Operation(), object(), scope)
        with pytest.raises(NonConformingResponseHeaders):  # several, and none named
            private.infer_content_type({"a": 1}, {})
        assert private.infer_content_type(b"raw", {"Content-Type": "text/csv"}) == "text/csv", UPDATE
        Operation.produces = ["application/json"]
        assert private.infer_content_type({"a": 1}, {}) == "application/json", UPDATE

    contextvars.copy_context().run(run)


def test_spec_validation_is_skipped_only_inside() -> None:
    broken = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {"responses": "none"}}},
    }
    with pytest.raises(InvalidSpecification):
        OpenAPISpecification(copy.deepcopy(broken))  # connexion still validates every build
    with private.skip_spec_validation():
        OpenAPISpecification(copy.deepcopy(broken))
    assert "_validate_spec" not in vars(OpenAPISpecification), UPDATE
    with pytest.raises(InvalidSpecification):
        private.validate_spec(copy.deepcopy(broken))


def test_app_internals_are_where_the_sandbox_reaches_for_them() -> None:
    app = Sandbox(inline=True).app
    bridge = private.flask_bridge(app)
    assert bridge.app is app.app, UPDATE
    assert isinstance(bridge.asgi_app, InlineWSGI), UPDATE  # replace_flask_bridge, for inline mode

    assert app.middleware.middleware_stack is None, UPDATE
    private.build_middleware_stack(app)
    stack = app.middleware.middleware_stack
    assert stack is not None, UPDATE
    private.build_middleware_stack(app)
    assert app.middleware.middleware_stack is stack, "a built stack is built once"
    private.build_middleware_stack(object())  # not a connexion app: left alone

    prepared = [m for m in stack if isinstance(m, PreparedOperations)]
    assert len(prepared) == 1, UPDATE
    apis = [api for apis in prepared[0].apis.values() for api in apis]
    assert apis and all(isinstance(api, PreparedAPI) for api in apis), UPDATE
    operations = [op for api in apis for op in api.operations.values() if op is not None]
    assert operations and all(isinstance(op, PreparedOperation) for op in operations), UPDATE
    assert all(api.next_app is prepared[0].app for api in apis), UPDATE
    parser = operations[0].uri_parser
    assert isinstance(parser.resolve_query({}), dict), UPDATE
    assert isinstance(parser.resolve_path({}), dict), UPDATE


def test_flask_gets_its_routes_when_a_request_first_reaches_it() -> None:
    app = Sandbox().app
    bridge = private.flask_bridge(app)
    assert app.middleware.app.bridge is bridge, UPDATE  # the stand-in the stack is built around
    private.build_middleware_stack(app)
    assert not bridge.app.blueprints  # nothing of Flask's is built with the stack
    with app.test_client() as http:
        assert http.get("/sandbox/health").status_code == 200
        assert not bridge.app.blueprints  # answered in front of Flask
        assert http.get("/web/").status_code == 200
        assert set(bridge.app.blueprints) == {
            "web",
            "web_actions",
            "control",
            "carrier",
            "seller-center",
            "tiktok",
        }
        assert http.get("/web/").status_code == 200  # set up once
