"""Every use of connexion's private or undocumented names, in one module.

The sandbox leans on connexion beyond its documented API in two places: the prepared operations
(sandbox.http.prepared) redo, once per operation, the work connexion's request validation,
parameter decorator, response decorator and context middleware do per request, with connexion's
own pieces so the answers stay byte-identical; and the build of the app reaches into the app
object (skipping the validation of the bundled specs, calling Flask inline in-process, building
the middleware stack up front, giving Flask its routes on its first call). None of this is
covered by connexion's compatibility promise, so it all sits here, each name with what it is for
and why no public API does it, and every other module calls these instead.

``PRIVATE_NAMES`` lists the (module, attribute) pairs relied on; tests/http/test_connexion_private.py
resolves each one, so that an upgrade of connexion that moves or changes one fails there, by name,
rather than as a changed answer somewhere in the suite. pyproject.toml pins connexion to the minor
version this was checked against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from connexion import context as _public_context
from connexion.context import _context, _operation, _receive, _scope
from connexion.decorators.parameter import (
    _get_query_defaults,
    _get_val_from_param,
    sanitized,
    unwrap_decorators,
)
from connexion.decorators.response import BaseResponseDecorator
from connexion.json_schema import Draft4RequestValidator, format_error_with_path, resolve_refs
from connexion.middleware.abstract import ROUTING_CONTEXT, RoutedAPI, RoutedMiddleware, SpecMiddleware
from connexion.middleware.response_validation import ResponseValidationOperation
from connexion.operations import AbstractOperation
from connexion.spec import OpenAPISpecification, Specification
from connexion.utils import deep_merge, inspect_function_arguments, is_json_mimetype, is_null, is_nullable
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "PRIVATE_NAMES",
    "AbstractOperation",
    "Draft4RequestValidator",
    "ResponseValidationOperation",
    "RoutedAPI",
    "RoutedMiddleware",
    "build_middleware_stack",
    "cast_parameter",
    "context_of",
    "current_context",
    "deep_merge",
    "flask_bridge",
    "format_error_with_path",
    "infer_content_type",
    "inspect_function_arguments",
    "is_json_mimetype",
    "is_null",
    "is_nullable",
    "prepared_specifications",
    "query_defaults",
    "replace_flask_bridge",
    "resolve_spec",
    "routing_of",
    "sanitized",
    "set_operation_context",
    "set_up_flask_on_first_call",
    "skip_spec_validation",
    "unpack_handler_response",
    "unwrap_decorators",
    "uri_parser_of",
    "validate_spec",
]

# (module, attribute; dotted for a class's member) for every private or undocumented name below.
PRIVATE_NAMES: tuple[tuple[str, str], ...] = (
    ("connexion.context", "_context"),
    ("connexion.context", "_operation"),
    ("connexion.context", "_receive"),
    ("connexion.context", "_scope"),
    ("connexion.middleware.abstract", "ROUTING_CONTEXT"),
    ("connexion.middleware.abstract", "RoutedAPI"),
    ("connexion.middleware.abstract", "RoutedAPI.add_paths"),
    ("connexion.middleware.abstract", "RoutedAPI.make_operation"),
    ("connexion.middleware.abstract", "RoutedMiddleware"),
    ("connexion.middleware.abstract", "RoutedMiddleware.add_api"),
    ("connexion.middleware.response_validation", "ResponseValidationOperation"),
    ("connexion.operations", "AbstractOperation"),
    ("connexion.uri_parsing", "AbstractURIParser.__init__"),
    ("connexion.uri_parsing", "AbstractURIParser.resolve_query"),
    ("connexion.uri_parsing", "AbstractURIParser.resolve_path"),
    ("connexion.decorators.parameter", "_get_query_defaults"),
    ("connexion.decorators.parameter", "_get_val_from_param"),
    ("connexion.decorators.parameter", "sanitized"),
    ("connexion.decorators.parameter", "unwrap_decorators"),
    ("connexion.decorators.response", "BaseResponseDecorator._unpack_handler_response"),
    ("connexion.decorators.response", "BaseResponseDecorator._infer_content_type"),
    ("connexion.json_schema", "Draft4RequestValidator"),
    ("connexion.json_schema", "format_error_with_path"),
    ("connexion.utils", "deep_merge"),
    ("connexion.utils", "inspect_function_arguments"),
    ("connexion.utils", "is_json_mimetype"),
    ("connexion.utils", "is_null"),
    ("connexion.utils", "is_nullable"),
    ("connexion.spec", "OpenAPISpecification._validate_spec"),
    ("connexion.spec", "OpenAPISpecification._set_defaults"),
    ("connexion.spec", "Specification.load"),
    ("connexion.json_schema", "resolve_refs"),
    ("connexion.apps.flask", "FlaskASGIApp"),
    ("connexion.apps.flask", "FlaskASGIApp.add_api"),
    ("connexion.middleware.abstract", "SpecMiddleware"),
    ("connexion.middleware.main", "ConnexionMiddleware._build_middleware_stack"),
)


# ----- the request context -------------------------------------------------------------------------
# Where connexion's routing middleware leaves the matched API and operation (scope["extensions"]),
# and where middleware puts what the handlers find in connexion.context.context. The docs describe
# the context dict and say middleware may add to it, but not where it lives in the scope.
CONTEXT_EXTENSION = "connexion_context"


def routing_of(scope: Scope) -> Mapping[str, Any]:
    """The routing middleware's findings for this request (api_base_path, operation_id), or {}."""
    routing: Mapping[str, Any] = scope.get("extensions", {}).get(ROUTING_CONTEXT, {})
    return routing


def context_of(scope: Scope) -> dict[str, Any]:
    """The request's connexion context dict, created in the scope if need be: what the context
    middleware exposes as connexion.context.context (and connexion's request objects as
    ``.context``), so what a middleware writes here the handlers read."""
    context: dict[str, Any] = scope.setdefault("extensions", {}).setdefault(CONTEXT_EXTENSION, {})
    return context


def set_operation_context(context: dict[str, Any], operation: Any, receive: Receive, scope: Scope) -> None:
    """What connexion's ContextMiddleware does for a request before calling the handler, for the
    prepared operations, which answer before it runs. The four context variables behind the public
    connexion.context proxies have no public setter."""
    _context.set(context)
    _operation.set(operation)
    _receive.set(receive)
    _scope.set(scope)


def current_context() -> Mapping[str, Any]:
    """The request's context dict (connexion.context.context, public). Read here, beside
    set_operation_context, as the prepared path fills it through the private variable behind
    that proxy: a change to one is a change to the other."""
    context: Mapping[str, Any] = _public_context.context
    return context


# ----- operations, parameters and bodies -----------------------------------------------------------
# The base of OpenAPIOperation and Swagger2Operation, which the docs describe (connexion.context's
# ``operation``); exported from connexion.operations but not itself documented. The sandbox only
# reads the documented members, and types operations with this class.


def uri_parser_of(operation: Any) -> Any:
    """The operation's URI parser, built as connexion's request validation builds it per request
    (the class is public through ``operation.uri_parser_class``; the constructor's arguments and
    the parser's resolve_query / resolve_path are not documented)."""
    return operation.uri_parser_class(operation.parameters, operation.body_definition())


# The default values of an operation's query parameters, as the parameter decorator merges them
# under the query it was sent (a private helper of that decorator).
query_defaults: Callable[[dict[str, dict[str, Any]]], dict[str, Any]] = _get_query_defaults

# A parameter's value cast to its schema's type (integers, booleans, arrays...), as the parameter
# decorator hands it to the handler (a private helper of that decorator).
cast_parameter: Callable[[Any, dict[str, Any]], Any] = _get_val_from_param

# sanitized (a parameter's name as a Python argument name) and unwrap_decorators (the handler under
# its decorators, whose signature names the arguments it takes) come from the same undocumented
# module, as do the utils below (deep_merge of defaults and query, the handler's argument names,
# JSON media types, and the nullable / null checks the validators use).

# The JSON body validator connexion's request validation uses (Draft 4 with nullable, readOnly and
# writeOnly as OpenAPI means them), and how it words a failure's path: undocumented, and needed for
# the same error messages.

# The base classes connexion's own routed middleware (security, validation, context) are built on:
# one operation object per spec operation, found at request time from the routing middleware's
# operation_id. Undocumented; PreparedOperations relies on RoutedMiddleware's api_cls, add_api and
# apis (base path to its APIs), and on RoutedAPI's next_app, add_paths, make_operation and
# operations (operation id to operation).

# connexion's response validation for one operation (what validate_responses wraps each operation
# in), undocumented as a class: the prepared operations wrap their answers in it the same way.


# ----- responses -----------------------------------------------------------------------------------
# A handler's answer (data, (data, status), (data, status, headers), ...) split into its parts, and
# the content type inferred when the answer names none: what the response decorator does before
# building a response, as private static methods with no public counterpart. The inference reads
# the operation's ``produces`` from the request's context: call it after set_operation_context.
unpack_handler_response: Callable[[Any], tuple[Any, int | None, dict[str, Any]]] = (
    BaseResponseDecorator._unpack_handler_response
)
infer_content_type: Callable[[Any, dict[str, Any]], str | None] = BaseResponseDecorator._infer_content_type


# ----- building the app ----------------------------------------------------------------------------
@contextmanager
def skip_spec_validation() -> Iterator[None]:
    """Apps built inside this skip connexion's validation of their specs against the OpenAPI schema
    (app.py says when that is safe). connexion validates on every build, with no option to turn it
    off: the classmethod that does it, inherited by OpenAPISpecification, is hidden by an override
    on the subclass for the duration, then removed. Call it under a lock: it is process-wide."""
    assert "_validate_spec" not in OpenAPISpecification.__dict__
    OpenAPISpecification._validate_spec = classmethod(lambda cls, spec: None)
    try:
        yield
    finally:
        del OpenAPISpecification._validate_spec


def resolve_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec as connexion's Specification keeps it for routing and validation: its defaults
    set, and every ``$ref`` replaced by what it names (a private classmethod and an undocumented
    function, which Specification's constructor runs on each build, after deep-copying the spec)."""
    OpenAPISpecification._set_defaults(spec)
    resolved: dict[str, Any] = resolve_refs(spec)
    return resolved


@contextmanager
def prepared_specifications(
    prepared: Callable[[Any], tuple[dict[str, Any], dict[str, Any]] | None],
) -> Iterator[None]:
    """Apps built inside this take each spec for which ``prepared`` gives (the spec as parsed,
    the spec resolve_spec made of it) as a Specification made of those two, instead of
    deep-copying and resolving it again (sandbox.spec_cache keeps them). Anything else loads as
    connexion loads it. The spec is still validated, unless skip_spec_validation says not to.
    Specification.load, the classmethod connexion's add_api calls, is overridden for the
    duration, then put back. Call it under a lock: it is process-wide."""
    assert "load" in Specification.__dict__ and "load" not in OpenAPISpecification.__dict__
    original = Specification.__dict__["load"]

    def load(cls: type[Specification], spec: Any, *, arguments: Any = None) -> Specification:
        found = prepared(spec)
        if found is None:
            loaded: Specification = original.__func__(cls, spec, arguments=arguments)
            return loaded
        parsed, resolved = found
        with_defaults = dict(parsed)
        OpenAPISpecification._set_defaults(with_defaults)
        OpenAPISpecification._validate_spec(with_defaults)
        specification = OpenAPISpecification.__new__(OpenAPISpecification)
        specification._raw_spec = parsed
        specification._spec = resolved
        specification._base_uri = ""
        return specification

    Specification.load = classmethod(load)
    try:
        yield
    finally:
        Specification.load = original


def validate_spec(spec: dict[str, Any]) -> None:
    """Validate an OpenAPI 3 spec as connexion does when building an app (raises
    connexion.exceptions.InvalidSpecification): the check skip_spec_validation leaves out."""
    OpenAPISpecification._validate_spec(spec)


def flask_bridge(app: Any) -> Any:
    """A FlaskApp's bridge from connexion's ASGI stack to Flask (connexion.apps.flask.FlaskASGIApp,
    a private attribute of the app): its ``asgi_app`` runs Flask's WSGI app on a thread pool."""
    return app._middleware_app


def replace_flask_bridge(app: Any, make: Callable[[Any], ASGIApp]) -> None:
    """Put ``make(flask_wsgi_app)`` in place of the thread-pool bridge to Flask, so that the
    middleware in front stays connexion's own. The public add_wsgi_middleware wraps Flask inside
    that bridge and cannot replace it."""
    bridge = flask_bridge(app)
    bridge.asgi_app = make(bridge.app.wsgi_app)


def build_middleware_stack(app: Any) -> None:
    """Build a connexion app's middleware stack (routing tables, the APIs' operations) now, as
    ConnexionMiddleware builds it on its first call (a private method, and a public attribute the
    docs do not describe); a stack already built, or anything not a connexion app, is left as is."""
    middleware = getattr(app, "middleware", None)
    if middleware is not None and getattr(middleware, "middleware_stack", False) is None:
        middleware.app, middleware.middleware_stack = middleware._build_middleware_stack()


def set_up_flask_on_first_call(
    app: Any, set_up: Callable[[Any], None], lock: AbstractContextManager[Any]
) -> None:
    """Give a FlaskApp's Flask its routes when a request first reaches it, not when the middleware
    stack is built: ``set_up(flask_app)`` then the APIs' blueprints, in that order, under ``lock``.

    Most calls never reach Flask (the prepared operations and the gateway answer them in front of
    it); those that do are the web page's and multipart uploads. Turning each spec's operations
    into Flask view functions and compiling werkzeug's rules for them (werkzeug writes and compiles
    Python source per rule) was two thirds of building the stack, and so a tenth of every start,
    for a surface most starts never call; the first request that reaches Flask pays it instead, once.
    The stack is built with a stand-in in Flask's place: a SpecMiddleware, so that connexion hands
    it each API (ConnexionMiddleware keeps the app it wraps in ``.app``, and adds the APIs to
    whichever of the stack's apps is a SpecMiddleware), which keeps them for Flask's first call.
    The Flask app and the bridge to it stay the app's own."""
    middleware = app.middleware
    bridge = flask_bridge(app)
    assert middleware.app is bridge and middleware.middleware_stack is None
    middleware.app = _FlaskOnFirstCall(bridge, set_up, lock)


class _FlaskOnFirstCall(SpecMiddleware):
    def __init__(self, bridge: Any, set_up: Callable[[Any], None], lock: AbstractContextManager[Any]):
        self.bridge = bridge
        self._set_up = set_up
        self._lock = lock
        self._apis: list[tuple[Any, dict[str, Any]]] = []
        self.ready = False

    def add_api(self, specification: Any, **kwargs: Any) -> None:
        self._apis.append((specification, kwargs))

    def set_up(self) -> None:
        """Flask's routes, now (once; a second call does nothing)."""
        with self._lock:
            if self.ready:
                return
            self._set_up(self.bridge.app)
            for specification, kwargs in self._apis:
                self.bridge.add_api(specification, **kwargs)
            self.ready = True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The server's start-up and shutdown (the lifespan protocol) come down to Flask's bridge
        # too, which answers them itself: no route is needed for them.
        if not self.ready and scope["type"] != "lifespan":
            self.set_up()
        await self.bridge(scope, receive, send)
