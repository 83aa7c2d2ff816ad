"""Spec operations prepared once at start-up and run without per-request rebuilding.

On every request, connexion's own path rebuilds the operation's URI parser and parameter
validator (deep-copying each parameter's schema and compiling a jsonschema validator for it) and
its body validator, then hands the request to Flask through a WSGI bridge on a worker thread,
where its decorators parse the query again to build the handler's arguments. Together that was
most of the cost of a call.

This middleware does the same work with the same connexion pieces (its URI parser, schema
validators with their error messages, argument casting, default bodies, and the app's
Jsonifier for what orjson cannot write alike), built once per operation, and calls the handler
directly. It sits where connexion's
security and validation middleware would see the request, after the gateway, so everything in
front (routing, signatures, tenants, faults, the journal, persistence, error rendering) is
unchanged. With ``validate_responses``, connexion's response validation checks what it sends.
Operations it does not prepare (multipart uploads) continue down connexion's stack to Flask.

Where handlers run: the Open API and the carrier are answered on the event loop, as they are
short and bounded and a thread hand-off would cost more than the call; control-plane and Seller
Center calls (scenario loads, long clock advances, exports of 200,000 orders) run on a worker
thread so they never hold up other clients, and so does any call whose tenant's world is busy
with one of them. In-process mode runs everything inline: its calls
come one at a time from the test's thread.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import werkzeug.urls  # noqa: F401  (registers the "werkzeug.url_quote" error handler)
from connexion.exceptions import BadRequestProblem
from connexion.jsonifier import Jsonifier
from jsonschema import Draft4Validator, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from werkzeug.utils import get_content_type
from werkzeug.wrappers import Response as WerkzeugResponse

from sandbox.http.asgi import JSON_BODY_KEY, query_pairs
from sandbox.http.connexion_private import (
    AbstractOperation,
    Draft4RequestValidator,
    ResponseValidationOperation,
    RoutedAPI,
    RoutedMiddleware,
    cast_parameter,
    context_of,
    deep_merge,
    format_error_with_path,
    infer_content_type,
    inspect_function_arguments,
    is_json_mimetype,
    is_null,
    is_nullable,
    query_defaults,
    routing_of,
    sanitized,
    set_operation_context,
    unpack_handler_response,
    unwrap_decorators,
    uri_parser_of,
)
from sandbox.http.context import CONTEXT_KEY
from sandbox.http.envelope import fast_json
from sandbox.http.paths import is_control_path, is_seller_center_path

if TYPE_CHECKING:
    from sandbox.http.host import Host

JSON = "application/json"
_HIGH_ESCAPE = re.compile(rb"%[89a-fA-F][0-9a-fA-F]")
_FORMATS = Draft4Validator.FORMAT_CHECKER
_SCALARS = (str, int, float, bool, type(None))


# Keywords of the schemas most parameters have (a string, maybe of a pattern, an integer in a
# range, one of a few values, or an array of those, such as order IDs): those are checked
# directly, and jsonschema only runs, for its message, on a value the direct check refuses. Any
# other keyword leaves the whole check to jsonschema.
_PLAIN_KEYWORDS = frozenset(
    {"type", "enum", "default", "minimum", "maximum", "minLength", "maxLength", "pattern"}
)
_ARRAY_KEYWORDS = frozenset({"type", "items", "minItems", "maxItems", "default"})


def _plain_check(schema: dict[str, Any]) -> Callable[[Any], bool] | None:
    """A direct check for a plain schema (True: valid), or None for one it does not cover."""
    if schema.get("type") == "array":
        return _plain_array_check(schema)
    if not set(schema) <= _PLAIN_KEYWORDS or schema.get("type") not in ("string", "integer", "boolean"):
        return None
    kind = {"string": str, "integer": int, "boolean": bool}[schema["type"]]
    choices = frozenset(schema["enum"]) if "enum" in schema else None
    low, high = schema.get("minimum"), schema.get("maximum")
    shortest, longest = schema.get("minLength", 0), schema.get("maxLength")
    # As jsonschema reads "pattern": re.search, anywhere in the string unless anchored.
    pattern = re.compile(schema["pattern"]) if "pattern" in schema else None

    def check(value: Any) -> bool:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return False
        if choices is not None and value not in choices:
            return False
        if isinstance(value, str):
            return (
                len(value) >= shortest
                and (longest is None or len(value) <= longest)
                and (pattern is None or pattern.search(value) is not None)
            )
        if isinstance(value, int) and not isinstance(value, bool):
            return (low is None or value >= low) and (high is None or value <= high)
        return True

    return check


def _plain_array_check(schema: dict[str, Any]) -> Callable[[Any], bool] | None:
    items = schema.get("items")
    if not set(schema) <= _ARRAY_KEYWORDS or not isinstance(items, dict):
        return None
    item = _plain_check(items)
    if item is None or items.get("type") == "array":
        return None
    fewest, most = schema.get("minItems", 0), schema.get("maxItems")

    def check(value: Any) -> bool:
        return (
            isinstance(value, list)
            and len(value) >= fewest
            and (most is None or len(value) <= most)
            and all(map(item, value))
        )

    return check


class _Parameter:
    """One parameter of an operation, with its schema validator compiled once."""

    def __init__(self, definition: dict[str, Any]):
        self.definition = definition
        self.name: str = definition["name"]
        self.location: str = definition["in"]
        self.required = bool(definition.get("required"))
        self.nullable = is_nullable(definition)
        schema = definition.get("schema", definition)
        self.validator = Draft4Validator(schema, format_checker=_FORMATS)
        self.plain = _plain_check(schema)

    def check(self, value: Any) -> str | None:
        """The problem with ``value``, in connexion's words, or None."""
        if self.nullable and is_null(value):
            return None
        if value is not None:
            if self.plain is not None and self.plain(value):
                return None
            try:
                self.validator.validate(value)
            except ValidationError as exception:
                return str(exception)
            return None
        if self.required:
            return f"Missing {self.location} parameter '{self.name}'"
        return None


class PreparedOperation:
    """One operation of a spec, with everything connexion would rebuild per request built once:
    the URI parser, its parameters' validators, the body's validator, the defaults, and the
    handler's argument names."""

    def __init__(
        self, operation: AbstractOperation, *, jsonifier: Jsonifier, validate_responses: bool = False
    ):
        self.operation = operation
        self.jsonifier = jsonifier
        self.validate_responses = validate_responses

    def __getattr__(self, name: str) -> Any:
        # Built on the first call of the operation (or the first look at what it is built of),
        # not at start: a start would build the 240 operations of the four specs, and most
        # processes answer a handful. Each attribute is whole once set, so two threads that
        # both find one missing both build, alike, and neither reads half of the other's.
        if name.startswith("__"):
            raise AttributeError(name)
        self._build()
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def _build(self) -> None:
        operation, validate_responses = self.operation, self.validate_responses
        self.uri_parser = uri_parser_of(operation)
        parameters = [_Parameter(p) for p in operation.parameters]
        self.query = [p for p in parameters if p.location == "query"]
        self.path = [p for p in parameters if p.location == "path"]
        self.headers = [p for p in parameters if p.location == "header"]
        self.query_definitions = {p.name: p.definition for p in self.query}
        self.path_definitions = {p.name: p.definition for p in self.path}
        self.query_defaults = query_defaults(self.query_definitions)
        self.plain_defaults = all(isinstance(v, _SCALARS) for v in self.query_defaults.values())
        function = operation.function
        self.function: Callable[..., Any] = function
        self.arguments, self.has_kwargs = inspect_function_arguments(unwrap_decorators(function))
        self.accepted = set(self.arguments)
        self.body = _Body(operation) if JSON in operation.consumes else None
        self.body_name = sanitized(operation.body_name(JSON))
        self.pass_body = operation.is_request_body_defined and (
            self.has_kwargs or self.body_name in self.accepted
        )
        produces = set(operation.produces)
        # What connexion infers for an answer that names no content type, when the spec says one.
        self.content_type = produces.pop() if len(produces) == 1 else None
        self.answer: ASGIApp = self._answer
        if validate_responses:
            self.answer = ResponseValidationOperation(self._answer, operation=operation)

    @staticmethod
    def preparable(operation: AbstractOperation) -> bool:
        """Operations without a body or with a JSON one, and with query, path and header
        parameters: all but those taking a form (ticket uploads) or another body (YAML
        scenarios, snapshot files), which go down connexion's stack."""
        consumes = operation.consumes if operation.is_request_body_defined else []
        return all(c == JSON for c in consumes) and all(
            p["in"] in ("query", "path", "header") for p in operation.parameters
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.answer(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = self.uri_parser.resolve_query(_query_lists(scope))
        path = self.uri_parser.resolve_path(scope.get("path_params", {}))
        self._check_parameters(scope, query, path)
        raw_query: bytes = scope.get("query_string", b"")
        if not raw_query.isascii() or _HIGH_ESCAPE.search(raw_query):
            # Escapes of bytes beyond ASCII can decode differently for the handler than for
            # validation (as on the Flask path): see _argument_lists. ASCII, escaped or not (a
            # comma sent as %2C), reads the same both ways.
            query = self.uri_parser.resolve_query(_argument_lists(raw_query))
        body = await self.body.read(scope, receive) if self.body is not None else None
        kwargs = self._arguments(query, path, body)
        context = context_of(scope)
        for key, value in context.items():
            if self.has_kwargs or key in self.accepted:
                kwargs[key] = value
        set_operation_context(context, self.operation, receive, scope)
        if _inline(scope, context):
            answer = self.function(**kwargs)
        else:
            answer = await asyncio.to_thread(self.function, **kwargs)
        await self._respond(scope, send, answer)

    def _check_parameters(self, scope: Scope, query: dict[str, Any], path: dict[str, Any]) -> None:
        for parameter in self.query:
            problem = parameter.check(query.get(parameter.name))
            if problem:
                raise BadRequestProblem(detail=problem)
        for parameter in self.path:
            problem = parameter.check(path.get(parameter.name.replace("-", "_")))
            if problem:
                raise BadRequestProblem(detail=problem)
        if self.headers:
            headers = _first_headers(scope)
            for parameter in self.headers:
                problem = parameter.check(headers.get(parameter.name.lower()))
                if problem:
                    raise BadRequestProblem(detail=problem)

    def _arguments(self, query: dict[str, Any], path: dict[str, Any], body: Any) -> dict[str, Any]:
        """The handler's keyword arguments, as connexion's parameter decorator builds them."""
        kwargs: dict[str, Any] = {}
        for name, value in path.items():
            definition = self.path_definitions.get(name)
            kwargs[sanitized(name)] = cast_parameter(value, definition) if definition else value
        if self.plain_defaults:
            merged = {**self.query_defaults, **query}
        else:
            merged = deep_merge(copy.deepcopy(self.query_defaults), query)
        for name, value in merged.items():
            key = sanitized(name)
            definition = self.query_definitions.get(name)
            if definition is not None and (self.has_kwargs or key in self.accepted):
                kwargs[key] = cast_parameter(value, definition)
        if self.pass_body:
            kwargs[self.body_name] = self.body.argument(body) if self.body is not None else body
        return kwargs

    async def _respond(self, scope: Scope, send: Send, answer: Any) -> None:
        data, status, headers = unpack_handler_response(answer)
        if isinstance(data, WerkzeugResponse):
            await _send_werkzeug(scope, send, data, status, headers)
            return
        if self.content_type is not None and not headers:
            content_type: str | None = self.content_type
        else:
            content_type = infer_content_type(data, headers)
        if content_type is not None:
            # As werkzeug's Response(mimetype=...) writes it on the Flask path: text-like types
            # (XML, text/*) get "; charset=utf-8".
            content_type = get_content_type(content_type, "utf-8")
        raw: bytes | None = None
        if data is not None:
            mime = (content_type or "").split(";")[0].strip()
            fast = fast_json(data) if is_json_mimetype(mime) else None
            if fast is not None:
                raw = fast + b"\n"  # as connexion's Jsonifier ends it
            else:
                text = self.jsonifier.dumps(data) if is_json_mimetype(mime) else data
                raw = text.encode() if isinstance(text, str) else bytes(text)
        status = status or (200 if raw is not None else 204)
        header_list = [
            (k.lower().encode("latin-1"), str(v).encode("latin-1"))
            for k, v in headers.items()
            if k.lower() != "content-type"
        ]
        if content_type:
            header_list.append((b"content-type", content_type.encode("latin-1")))
        header_list.append((b"content-length", str(len(raw or b"")).encode()))
        await send({"type": "http.response.start", "status": status, "headers": header_list})
        body = b"" if scope["method"] == "HEAD" else raw or b""
        await send({"type": "http.response.body", "body": body})


class _Body:
    """A JSON request body: read, defaulted, parsed and validated as connexion's body validator
    does, with the validator compiled once."""

    def __init__(self, operation: AbstractOperation):
        self.schema = operation.body_schema(JSON)
        self.required = bool(operation.request_body.get("required", False))
        self.nullable = is_nullable(operation.body_definition(JSON))
        self.validator = Draft4RequestValidator(self.schema, format_checker=_FORMATS)

    async def read(self, scope: Scope, receive: Receive) -> Any:
        raw = await _read_all(receive)
        # The gate parsed these very bytes already (with the same json.loads), for its checks.
        parsed = scope.get("extensions", {}).get(JSON_BODY_KEY)
        if not raw:
            # No body: the schema's default stands in for it, as if the client had sent it.
            body = copy.deepcopy(self.schema.get("default"))
            if body is None and self.required:
                raise BadRequestProblem("RequestBody is required")
        elif parsed is not None and parsed[0] == raw:
            body = parsed[1]
        else:
            try:
                body = json.loads(raw.decode("utf-8"))
            except ValueError as exc:
                raise BadRequestProblem(detail=str(exc)) from None
        if not (body is None and self.nullable):
            if not self.nullable and body is None:
                raise BadRequestProblem("Request body must not be empty")
            try:
                self.validator.validate(body)
            except ValidationError as exception:
                raise BadRequestProblem(
                    detail=f"{exception.message}{format_error_with_path(exception=exception)}"
                ) from None
        return body

    def argument(self, body: Any) -> Any:
        """The body argument: the parsed body, or the schema's default (a fresh copy)."""
        if is_nullable(self.schema) and is_null(body):
            return None
        if body is None:
            return copy.deepcopy(self.schema.get("default", {}))
        return body


def _inline(scope: Scope, context: dict[str, Any]) -> bool:
    """Whether to run the handler on the event loop (see the module's docstring)."""
    if scope.get("tts_inline"):
        return True
    if is_control_path(scope["path"]) or is_seller_center_path(scope["path"]):
        return False
    # A world busy with a long operation (a 30-day advance, a scenario load on a worker thread)
    # would hold up the event loop, and every other client with it: this call waits on a worker
    # thread instead.
    ctx = context.get(CONTEXT_KEY)
    lock = ctx.tenant.world.lock if ctx is not None and ctx.tenant is not None else None
    if lock is None:
        return True
    if lock.acquire(blocking=False):
        lock.release()
        return True
    return False


def _query_lists(scope: Scope) -> dict[str, list[str]]:
    """The query as connexion's validation reads it (Starlette's reading)."""
    lists: dict[str, list[str]] = {}
    for key, value in query_pairs(scope):
        lists.setdefault(key, []).append(value)
    return lists


def _argument_lists(raw: bytes) -> dict[str, list[str]]:
    """The query as the handler's arguments read it on the Flask path (werkzeug's request.args):
    UTF-8, with bytes that are not left percent-encoded. Plain ASCII without escapes reads the
    same both ways."""
    lists: dict[str, list[str]] = {}
    text = raw.decode("utf-8", "werkzeug.url_quote")
    for key, value in parse_qsl(text, keep_blank_values=True, errors="werkzeug.url_quote"):
        lists.setdefault(key, []).append(value)
    return lists


def _first_headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        headers.setdefault(key.decode("latin-1").lower(), value.decode("latin-1"))
    return headers


async def _read_all(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message: Message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send_werkzeug(
    scope: Scope, send: Send, response: WerkzeugResponse, status: int | None, headers: dict[str, Any]
) -> None:
    """A response a handler built itself (a file download, a streamed CSV export)."""
    if status is not None:
        response.status_code = status
    for key, value in headers.items():
        response.headers[key] = value
    header_list = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
    await send({"type": "http.response.start", "status": response.status_code, "headers": header_list})
    if scope["method"] != "HEAD":
        chunks: Iterator[bytes] = iter(response.iter_encoded())
        # A streamed body is written as it is sent, each piece maybe waiting on a world's lock:
        # on a worker thread, so that the event loop (and every other tenant) never waits on it.
        streamed = response.is_streamed and not scope.get("tts_inline")
        while True:
            chunk = await asyncio.to_thread(next, chunks, None) if streamed else next(chunks, None)
            if chunk is None:
                break
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})
    response.close()


class PreparedAPI(RoutedAPI[PreparedOperation | None]):
    def __init__(
        self, *args: Any, jsonifier: Jsonifier, validate_responses: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.jsonifier = jsonifier
        self.validate_responses = validate_responses
        self.add_paths()

    def make_operation(self, operation: AbstractOperation) -> PreparedOperation | None:
        if not PreparedOperation.preparable(operation):
            return None
        return PreparedOperation(
            operation, jsonifier=self.jsonifier, validate_responses=self.validate_responses
        )


class PreparedOperations(RoutedMiddleware[PreparedAPI]):
    """Answers the operations it prepared; passes the rest to connexion's stack."""

    api_cls = PreparedAPI

    def __init__(self, app: ASGIApp, *, host: Host, jsonifier: Jsonifier) -> None:
        super().__init__(app)
        self.host = host
        self.jsonifier = jsonifier

    def add_api(self, specification: Any, **kwargs: Any) -> PreparedAPI:
        kwargs.pop("jsonifier", None)
        api = PreparedAPI(specification, next_app=self.app, jsonifier=self.jsonifier, **kwargs)
        self.apis[api.base_path].append(api)
        return api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            routing = routing_of(scope)
            for api in self.apis.get(routing.get("api_base_path"), ()):
                prepared = api.operations.get(routing.get("operation_id"))
                if prepared is not None:
                    if self.host.inline:
                        scope["tts_inline"] = True
                    await prepared(scope, receive, send)
                    return
        await self.app(scope, receive, send)
