"""From YAML text to a validated ``Scenario``, or its problems, each precise: file, line and column,
the path in the document, what was found and what was expected (the first, with the others it
carries). Nothing here touches a world."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypeVar

import yaml
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match

from sandbox.domain.deadlines import REMORSE_WINDOW
from sandbox.domain.events import EVENT_KINDS
from sandbox.domain.orders import OrderStatus, ShippingType
from sandbox.durations import LATEST, LONGEST, InvalidDuration, InvalidInstant, parse_duration, parse_instant
from sandbox.scenarios import conditions
from sandbox.scenarios.actions import ACTIONS, InvalidArgs
from sandbox.scenarios.model import (
    ActionCall,
    Condition,
    Expectation,
    LineItemDecl,
    OrderDecl,
    Ref,
    Scenario,
    Setup,
    Step,
    Trigger,
)
from sandbox.scenarios.schema import build_schema

MAX_SCENARIO_BYTES = 1024 * 1024
_T = TypeVar("_T")
Path = Sequence[str | int]


# A file with many problems is told its first ones, in the order they appear.
MAX_PROBLEMS = 20


@dataclass
class ScenarioError(Exception):
    """A problem of a scenario file, where it is; ``others``: the file's further problems (each
    without others of its own), at most MAX_PROBLEMS in all."""

    source: str
    line: int
    column: int
    path: str
    message: str
    expected: str
    others: tuple[ScenarioError, ...] = ()

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}:{self.column}"
        return f"{where}: at {self.path or 'the top'}: {self.message} (expected {self.expected})"

    @property
    def problems(self) -> tuple[ScenarioError, ...]:
        """Every problem found: this one, then the others."""
        return (self, *self.others)

    def as_dict(self) -> dict[str, Any]:
        shown = self._fields()
        if self.others:
            shown["problems"] = [p._fields() for p in self.problems]
        return shown

    def _fields(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "problem": self.message,
            "expected": self.expected,
        }


def _all_of(problems: Iterable[ScenarioError]) -> ScenarioError:
    """The first problem by place in the file, carrying the next ones (no place twice)."""
    seen: dict[tuple[int, int, str], ScenarioError] = {}
    for problem in problems:
        seen.setdefault((problem.line, problem.column, problem.message), problem)
    ordered = sorted(seen.values(), key=lambda p: (p.line, p.column))[:MAX_PROBLEMS]
    first, *rest = ordered
    return dataclasses.replace(first, others=tuple(rest))


class _Loader(yaml.SafeLoader):
    """Safe YAML without implicit timestamps: instants stay strings, as the schema says."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _is_integer(_checker: Any, value: Any) -> bool:
    # 1.0 is not an integer here: counts and seeds must be written as whole numbers.
    return isinstance(value, int) and not isinstance(value, bool)


_Validator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@cache
def _validator() -> Any:
    return _Validator(build_schema())


def dotted(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Document:
    """The YAML node tree, to find where in the file a path points."""

    def __init__(self, source: str, root: yaml.Node | None):
        self.source = source
        self.root = root

    def node(self, path: Path, *, key: bool = False) -> yaml.Node | None:
        node = self.root
        for index, part in enumerate(path):
            last = index == len(path) - 1
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == str(part):
                        node = key_node if (key and last) else value_node
                        break
                else:
                    return node
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
            else:
                return node
        return node

    def position(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        node = self.node(path, key=key)
        mark = node.start_mark if node is not None else None
        return (mark.line + 1, mark.column + 1) if mark else (1, 1)

    def error(self, path: Path, message: str, expected: str, *, key: bool = False) -> ScenarioError:
        node = self.node(path, key=key)
        mark = node.start_mark if node is not None else None
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return ScenarioError(self.source, line, column, dotted(path), message, expected)


# A scenario is a small document: these bounds keep a hostile or mistaken one (a YAML "bomb" of
# nested aliases, absurd nesting) from costing more than a refusal.
MAX_DEPTH = 32
MAX_VALUES = 50_000
MAX_OCCURRENCES = 20_000
MAX_ORDER_AGE = timedelta(days=365)


def _flow_depth(text: str) -> int:
    """The deepest nesting of [ ] and { } outside quotes, found before the parser recurses into it."""
    depth = deepest = 0
    quote = ""
    previous = "\n"
    for char in text:
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'" and previous in " \t\n[{,:":
            quote = char
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
        elif char in "]}":
            depth = max(0, depth - 1)
        previous = char
    return deepest


def _compose(text: str, source: str) -> tuple[_Document, Any]:
    if _flow_depth(text) > MAX_DEPTH:
        raise ScenarioError(
            source,
            1,
            1,
            "",
            f"the document nests more than {MAX_DEPTH} levels deep",
            "a scenario of ordinary depth",
        )
    try:
        # The reader refuses control characters as soon as it is built, before any parsing.
        loader = _Loader(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(source, 1, 1, "", f"YAML error: {exc}", "valid YAML") from None
    try:
        root = loader.get_single_node()
        if root is None:
            raise ScenarioError(source, 1, 1, "", "the document is empty", "a scenario mapping")
        _check_tree(root, source)
        return _Document(source, root), loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or "invalid YAML"
        raise ScenarioError(source, line, column, "", f"YAML syntax error: {problem}", "valid YAML") from None
    except RecursionError:
        raise ScenarioError(
            source, 1, 1, "", "the document nests too deeply", "a scenario of ordinary depth"
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(source, 1, 1, "", f"YAML error: {exc}", "valid YAML") from None
    finally:
        loader.dispose()


def _check_tree(root: yaml.Node, source: str) -> None:
    """Text keys, each once; bounded depth; and a bounded number of values once aliases are expanded
    (counted per distinct node, so a billion laughs costs no more than its own size)."""
    sizes: dict[int, int] = {}

    def fail(node: yaml.Node, path: list[str | int], problem: str, expected: str) -> ScenarioError:
        mark = node.start_mark
        return ScenarioError(source, mark.line + 1, mark.column + 1, dotted(path), problem, expected)

    def size(node: yaml.Node, path: list[str | int]) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if len(path) > MAX_DEPTH:
            raise fail(node, path, f"the document nests more than {MAX_DEPTH} levels deep", "ordinary depth")
        total = 1
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                    shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a collection"
                    raise fail(
                        key_node,
                        path,
                        f"the key {shown!r} is not text",
                        "text keys (quote it, e.g. '1' or 'yes')",
                    )
                key = key_node.value
                if key in seen:
                    raise fail(key_node, [*path, key], f"key '{key}' appears twice", "each key once")
                seen.add(key)
                total += size(value_node, [*path, key])
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                total += size(item, [*path, index])
        if total > MAX_VALUES:
            raise fail(
                node,
                path,
                f"the document expands to more than {MAX_VALUES} values (aliases count "
                "each time they are used)",
                "a smaller scenario",
            )
        sizes[id(node)] = total
        return total

    size(root, [])


def _describe_type(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


# Characters of a value that a message quotes: a longer one is cut, with its size (the schema's
# messages quote the whole value, 700 KB for a file of 10,000 orders).
MAX_SHOWN = 80


def shown(text: str, value: Any = None) -> str:
    """``text`` (a value as a message quotes it), cut after MAX_SHOWN characters, with its size."""
    if len(text) <= MAX_SHOWN:
        return text
    size = f"{len(value):,} entries" if isinstance(value, dict | list) else f"{len(text):,} characters"
    return f"{text[:MAX_SHOWN]}… ({size})"


def _schema_error(doc: _Document, error: ValidationError) -> ScenarioError:
    path = list(error.absolute_path)
    quoted = repr(error.instance)
    message = error.message.replace(quoted, shown(quoted, error.instance), 1)
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind = error.validator
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(schema.get("properties", {}))
        unexpected = [k for k in error.instance if k not in allowed]
        name = unexpected[0] if unexpected else "?"
        return doc.error(
            [*path, name],
            f"unknown key '{name}'",
            f"one of: {', '.join(sorted(allowed))}" if allowed else "no other keys",
            key=True,
        )
    if "propertyNames" in error.schema_path:
        # A key that is not allowed: an action name, or an order name of the wrong form.
        bad = error.instance
        names = error.validator_value if kind == "enum" else None
        if names:
            return doc.error([*path, bad], f"unknown action '{bad}'", f"one of: {', '.join(names)}", key=True)
        return doc.error(
            [*path, bad],
            f"'{shown(str(bad))}' is not a valid name",
            "lowercase letters, digits, '-' and '_'",
            key=True,
        )
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return doc.error(path, f"'{missing}' is missing", f"a '{missing}' key here")
    if kind == "type":
        expected = error.validator_value
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        return doc.error(path, f"found {_describe_type(error.instance)}", f"a value of type {wanted}")
    if kind in ("enum",):
        return doc.error(
            path,
            f"'{shown(str(error.instance))}' is not allowed",
            f"one of: {', '.join(map(str, error.validator_value))}",
        )
    if kind == "pattern":
        if error.validator_value == build_schema()["properties"]["until"]["pattern"]:
            return doc.error(
                path,
                f"'{shown(str(error.instance))}' is not a duration",
                "a duration such as 90m, 2h, 3d12h or 1w (never negative)",
            )
        return doc.error(
            path,
            f"'{shown(str(error.instance))}' does not have the right form",
            f"text matching {error.validator_value}",
        )
    if kind == "oneOf":
        choices = [" and ".join(alt.get("required", [])) for alt in error.validator_value]
        return doc.error(
            path,
            "this needs exactly one of the alternatives",
            "exactly one of: " + "; ".join(f"`{c}`" for c in choices),
        )
    if kind in (
        "minimum",
        "maximum",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "minProperties",
        "maxProperties",
    ):
        return doc.error(path, message, f"{kind} {error.validator_value}")
    return doc.error(path, message, f"a value valid for '{kind}'")


def parse_scenario(text: str | bytes, source: str = "<scenario>", *, operations: Iterable[str]) -> Scenario:
    """Parse and fully validate a scenario. ``operations``: the Open API operation names."""
    if isinstance(text, bytes):
        if len(text) > MAX_SCENARIO_BYTES:
            raise ScenarioError(source, 1, 1, "", "the scenario is larger than 1 MiB", "a smaller file")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ScenarioError(source, 1, 1, "", "the file is not UTF-8 text", "UTF-8 YAML") from None
    if len(text) > MAX_SCENARIO_BYTES:
        raise ScenarioError(source, 1, 1, "", "the scenario is larger than 1 MiB", "a smaller file")
    doc, data = _compose(text, source)
    if not isinstance(data, dict):
        raise doc.error([], f"the document is {_describe_type(data)}", "a mapping with a 'scenario' key")
    # Each error where it is most telling (best_match looks into the alternatives of anyOf/oneOf).
    found = [_schema_error(doc, best_match([e])) for e in _validator().iter_errors(data)]
    if found:
        raise _all_of(found)
    return _Builder(doc, data, text, set(operations)).build()


class _Builder:
    """Semantic checks the schema cannot express, then the model."""

    def __init__(self, doc: _Document, data: dict[str, Any], text: str, operations: set[str]):
        self.doc = doc
        self.data = data
        self.text = text
        self.operations = operations
        self.order_names = set(data.get("orders", {}))
        self.problems: list[ScenarioError] = []
        self.step_names = {
            str(step.get("name", f"step {i + 1}")) for i, step in enumerate(data.get("steps", []))
        }
        # Where some values sit in the file, for refusals that only the world can make later.
        self.positions: dict[str, tuple[int, int]] = {"scenario": doc.position(["scenario"])}

    def duration(self, value: str, path: Path) -> timedelta:
        try:
            return parse_duration(value)
        except InvalidDuration as exc:  # the schema's pattern already caught most
            raise self.doc.error(path, str(exc), "a duration such as 90m or 3d12h") from None

    @staticmethod
    def instant_or_none(raw: str) -> datetime | None:
        try:
            return parse_instant(raw)
        except InvalidInstant:
            return None

    def order_ref(self, name: Any, path: Path) -> str:
        if name not in self.order_names:
            declared = ", ".join(sorted(self.order_names)) or "none declared"
            raise self.doc.error(
                path, f"no order named '{name}'", f"a name declared under orders ({declared})"
            )
        return str(name)

    def action_args(self, name: str, args: dict[str, Any], path: Path) -> None:
        """What an action checks of its arguments beyond the schema."""
        check = ACTIONS[name].check
        if check is None:
            return
        try:
            check(args)
        except InvalidArgs as bad:
            raise self.doc.error([*path, bad.arg], bad.problem, bad.expected, key=bad.key) from None

    def operation(self, name: str, path: Path) -> str:
        if name not in self.operations:
            close = difflib.get_close_matches(name, sorted(self.operations), n=3)
            raise self.doc.error(
                path,
                f"unknown operation '{name}'",
                f"an Open API operation name, such as {' or '.join(close)}"
                if close
                else "an Open API operation name (scenarios/README.md lists them)",
            )
        return name

    def _checked(self, make: Callable[..., _T], *args: Any) -> _T | None:
        """``make(*args)``, or None with its problem kept: the other parts are checked all the same."""
        try:
            return make(*args)
        except ScenarioError as problem:
            self.problems.append(problem)
            return None

    def build(self) -> Scenario:
        d = self.data
        setup = self._checked(self.setup, d["setup"]) if "setup" in d else None
        orders = tuple(
            o for name, spec in d.get("orders", {}).items() if (o := self._checked(self.order, name, spec))
        )
        steps = tuple(
            s for i, spec in enumerate(d.get("steps", [])) if (s := self._checked(self.step, i, spec, setup))
        )
        expectations = tuple(
            e for i, spec in enumerate(d.get("expect", [])) if (e := self._checked(self.expectation, i, spec))
        )
        until = self._checked(self.duration, d["until"], ["until"]) if "until" in d else None
        if self.problems:
            raise _all_of(self.problems)
        occurrences = sum(step.repeat_count * step.times for step in steps)
        if occurrences > MAX_OCCURRENCES:
            raise self.doc.error(
                ["steps"],
                f"the steps would run {occurrences} times in all",
                f"at most {MAX_OCCURRENCES} runs (repeat counts times trigger times)",
            )
        return Scenario(
            name=d["scenario"],
            description=d.get("description", ""),
            source=self.doc.source,
            setup=setup,
            orders=orders,
            steps=steps,
            expectations=expectations,
            until=until,
            text=self.text,
            positions=dict(self.positions),
        )

    def setup(self, spec: dict[str, Any]) -> Setup:
        start = None
        if "start" in spec:
            try:
                start = parse_instant(spec["start"])
            except InvalidInstant as exc:
                raise self.doc.error(
                    ["setup", "start"], str(exc), "an ISO 8601 instant with a timezone"
                ) from None
        return Setup(
            start=start,
            frozen=spec.get("frozen", True),
            seed=spec.get("seed", 42),
            region=spec.get("region", "US"),
            background_orders=spec.get("background_orders", 0),
        )

    def order(self, name: str, spec: dict[str, Any]) -> OrderDecl:
        path: list[str | int] = ["orders", name]
        age = self.duration(spec["age"], [*path, "age"]) if "age" in spec else None
        if age is not None and age > MAX_ORDER_AGE:
            raise self.doc.error(
                [*path, "age"],
                f"an order placed {spec['age']} before the start",
                "an age of at most 365 days",
            )
        if spec["status"] == OrderStatus.ON_HOLD and age is not None and age >= REMORSE_WINDOW:
            raise self.doc.error(
                [*path, "age"],
                f"an ON_HOLD order placed {spec['age']} ago has left its one-hour remorse window",
                "an age under 1h, or status AWAITING_SHIPMENT",
            )
        items = tuple(
            LineItemDecl(
                i.get("product_name"),
                i.get("sku_name"),
                i.get("seller_sku"),
                i.get("price"),
                i.get("quantity", 1),
            )
            for i in spec.get("line_items", [])
        )
        return OrderDecl(
            name=name,
            status=OrderStatus(spec["status"]),
            shipping_type=ShippingType(spec["shipping_type"]) if "shipping_type" in spec else None,
            age=age,
            line_items=items,
            buyer=dict(spec.get("buyer", {})),
        )

    def trigger(self, spec: dict[str, Any], path: Path) -> Trigger:
        if "step" in spec:
            extra = next((k for k in spec if k != "step"), None)
            if extra is not None:
                raise self.doc.error(
                    [*path, extra], f"'{extra}' does not apply to a step anchor", "only `step`", key=True
                )
            name = spec["step"]
            if name not in self.step_names:
                named = ", ".join(sorted(self.step_names)) or "none"
                raise self.doc.error(
                    [*path, "step"], f"no step named '{name}'", f"the name of a step ({named})"
                )
            return Trigger(step=str(name))
        order = self.order_ref(spec["order"], [*path, "order"]) if "order" in spec else None
        keys = ("event", "client_calls", "order", "request")
        where = {k: str(v) for k, v in spec.items() if k not in keys}
        if "event" in spec:
            fields = EVENT_KINDS[spec["event"]]
            for key in where:
                if key not in fields:
                    raise self.doc.error(
                        [*path, key],
                        f"event {spec['event']} has no field '{key}'",
                        f"one of: {', '.join(fields) or 'no fields'}",
                        key=True,
                    )
            if "request" in spec:
                raise self.doc.error(
                    [*path, "request"],
                    "`request` states conditions on a client's call",
                    "`request` on a client_calls trigger, not on an event",
                    key=True,
                )
            return Trigger(event=spec["event"], order=order, where=where)
        if where:
            key = next(iter(where))
            raise self.doc.error(
                [*path, key], f"unknown key '{key}'", "event, client_calls, order or request", key=True
            )
        return Trigger(
            client_calls=self.operation(spec["client_calls"], [*path, "client_calls"]),
            order=order,
            request=self.conditions(spec.get("request", {}), [*path, "request"], None),
        )

    def conditions(self, spec: dict[str, Any], path: Path, event: str | None) -> tuple[Condition, ...]:
        """A call's conditions: field -> a literal, a ref, or {operator: value}. ``event``: the
        kind of event that arms the expectation (whose fields `{event: FIELD}` may name)."""
        found = []
        for field_name, raw in spec.items():
            at: Path = [*path, field_name]
            source, _, rest = field_name.partition(".")
            if source not in conditions.SOURCES or not rest or ".." in rest or rest.endswith("."):
                raise self.doc.error(
                    at,
                    f"'{field_name}' is not a field of a call",
                    "path.NAME, query.NAME or body.a.b (a list's items: body.items[].id)",
                    key=True,
                )
            if source != "body" and ("." in rest or "[]" in rest):
                raise self.doc.error(
                    at, f"'{field_name}': a {source} parameter has no fields", f"{source}.NAME", key=True
                )
            op, value = "equals", raw
            if isinstance(raw, dict) and len(raw) == 1 and next(iter(raw)) in conditions.OPERATORS:
                ((op, value),) = raw.items()
                at = [*at, op]
            found.append(Condition(field_name, op, self.condition_value(op, value, at, event)))
        return tuple(found)

    def condition_value(self, op: str, value: Any, path: Path, event: str | None) -> Any:
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not value:
                raise self.doc.error(path, f"`{op}` takes a list", "a list of values or refs")
            return tuple(self.condition_value("equals", v, [*path, i], event) for i, v in enumerate(value))
        if op == "exists":
            if not isinstance(value, bool):
                raise self.doc.error(path, "`exists` takes true or false", "true or false")
            return value
        if op in ("lt", "lte", "gt", "gte"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.doc.error(path, f"`{op}` compares numbers", "a number")
            return value
        if isinstance(value, dict):
            if len(value) != 1 or next(iter(value)) not in conditions.REF_KINDS:
                raise self.doc.error(
                    path,
                    "a mapping here is a ref or an operator",
                    "{order|package|tracking_number: ORDER}, {event: FIELD} or one of "
                    + ", ".join(conditions.OPERATORS),
                )
            ((kind, name),) = value.items()
            if kind == "event":
                fields = EVENT_KINDS.get(event or "", ())
                if event is None or name not in fields:
                    armed = f"event {event} has {', '.join(fields) or 'no fields'}" if event else ""
                    raise self.doc.error(
                        [*path, "event"],
                        f"no arming event field '{name}'",
                        f"a field of the event in `after` ({armed or 'after: {event: ...}'})",
                    )
                return Ref("event", str(name))
            return Ref(kind, self.order_ref(name, [*path, kind]))
        if isinstance(value, list):
            raise self.doc.error(path, "a list needs `in` or `not_in`", "{in: [...]} or a single value")
        return value

    def at(self, raw: str, path: Path, setup: Setup | None) -> timedelta | datetime:
        """A duration after the start (with its unit) or an instant with its timezone."""
        if raw.strip().isdigit():
            raise self.doc.error(
                path, f"'{raw}' has no unit", "a duration such as 90m or 2h, or an ISO 8601 instant"
            )
        if raw.strip()[:1].isdigit() and raw.strip()[-1:].lower() in "wdhms" and "-" not in raw:
            return self.duration(raw, path)
        try:
            instant = parse_instant(raw)
        except InvalidInstant as exc:
            if raw.strip().startswith("-"):
                raise self.doc.error(
                    path,
                    f"'{raw}' is neither a duration nor an instant",
                    "a duration after the start (never negative) or an ISO 8601 instant",
                ) from None
            raise self.doc.error(
                path,
                f"'{raw}' is neither a duration nor an instant ({exc})",
                "a duration after the start (2h, 3d) or an ISO 8601 instant",
            ) from None
        if setup and setup.start and instant < setup.start:
            raise self.doc.error(
                path,
                f"{raw} is before the scenario starts",
                f"an instant at or after {setup.start.isoformat()}",
            )
        return instant

    def step(self, index: int, spec: dict[str, Any], setup: Setup | None) -> Step:
        path: list[str | int] = ["steps", index]
        if ("at" in spec) == ("when" in spec):
            raise self.doc.error(
                path,
                "a step needs a time or a trigger",
                "exactly one of `at` (a time) and `when` (a trigger)",
            )
        at: timedelta | datetime | None = None
        if "at" in spec:
            for key, why in (("after", "`after` delays a `when` step"), ("times", "`times` counts triggers")):
                if key in spec:
                    raise self.doc.error([*path, key], why, "no such key on a step with `at`", key=True)
            at = self.at(spec["at"], [*path, "at"], setup)
            self.positions[dotted([*path, "at"])] = self.doc.position([*path, "at"])
        actions = []
        for i, item in enumerate(spec["do"]):
            ((name, args),) = item.items()
            for arg in ACTIONS[name].order_args:
                self.order_ref(args[arg], [*path, "do", i, name, arg])
            self.action_args(name, args, [*path, "do", i, name])
            actions.append(ActionCall(name, dict(args)))
        repeat = spec.get("repeat", {})
        every = self.duration(repeat["every"], [*path, "repeat", "every"]) if repeat else timedelta(0)
        count = repeat.get("count", 1)
        after = self.duration(spec["after"], [*path, "after"]) if "after" in spec else timedelta(0)
        offset = at if isinstance(at, timedelta) else after
        if offset + every * (count - 1) > LONGEST:
            raise self.doc.error(
                [*path, "repeat"] if repeat else path,
                "the step's repetitions reach more than 100 years past its start",
                "a shorter `every`, fewer repetitions or an earlier time",
            )
        last = at if isinstance(at, datetime) else (setup.start + offset) if setup and setup.start else None
        if last is not None and last + every * (count - 1) > LATEST:
            raise self.doc.error(
                path,
                "the step's last repetition falls after the sandbox's time range",
                f"every repetition before {LATEST.year + 1}",
            )
        return Step(
            index=index,
            name=spec.get("name", f"step {index + 1}"),
            at=at,
            when=self.trigger(spec["when"], [*path, "when"]) if "when" in spec else None,
            after=after,
            times=spec.get("times", 1),
            repeat_count=count,
            repeat_every=every,
            actions=tuple(actions),
        )

    def expectation(self, index: int, spec: dict[str, Any]) -> Expectation:
        path: list[str | int] = ["expect", index]
        kind = "within" if "client_calls" in spec else "never"
        after_spec = spec.get("after")
        after = None if after_spec in (None, "start") else self.trigger(after_spec, [*path, "after"])
        if spec.get("each") and after is None:
            raise self.doc.error(
                [*path, "each"],
                "`each` judges every occurrence of `after`",
                "an `after` event, call or step to count occurrences of",
                key=True,
            )
        arming_event = after.event if after is not None else None
        op_key = "client_calls" if kind == "within" else "client_never_calls"
        if kind == "never" and "within" in spec:
            raise self.doc.error(
                [*path, "within"],
                "`within` applies to client_calls",
                "no `within` on a client_never_calls expectation",
                key=True,
            )
        named = spec[op_key] if isinstance(spec[op_key], list) else [spec[op_key]]
        operations = tuple(
            self.operation(name, [*path, op_key, i] if isinstance(spec[op_key], list) else [*path, op_key])
            for i, name in enumerate(named)
        )
        return Expectation(
            index=index,
            name=spec["name"],
            kind=kind,
            operation=" or ".join(operations),
            operations=operations,
            order=self.order_ref(spec["order"], [*path, "order"]) if "order" in spec else None,
            within=self.duration(spec["within"], [*path, "within"]) if "within" in spec else None,
            after=after,
            each=bool(spec.get("each", False)),
            counting=spec.get("counting", "successful" if kind == "within" else "any"),
            request=self.conditions(spec.get("request", {}), [*path, "request"], arming_event),
        )
