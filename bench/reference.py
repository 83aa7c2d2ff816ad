"""The published reference's shapes, read from the `tiktok-shop-api` package (a test dependency).

That package is generated from the official OpenAPI documents: `generated/_meta.py` lists every
operation, `generated/api/<group>/<operation>.py` says how each is called (its query and body
parameters, the model its answer parses into) and `generated/models/` holds each body as an attrs
class. Here they become plain trees of field names and JSON types, the form in which the contract
test compares them with our specs and the field-coverage report counts what the sandbox fills.

A shape is ``Field`` objects: a leaf type (``string``, ``integer``, ``number``, ``boolean``,
``file``, ``any``), an ``object`` with ``fields``, or an ``array`` with ``items``.
"""

from __future__ import annotations

import enum
import importlib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import attrs

MODELS = "tiktok_shop_api.generated.models"
_PRIMITIVES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "File": "file"}
_NOISE = {"Unset", "None"}


@dataclass
class Field:
    type: str  # string, integer, number, boolean, file, any, object, array
    fields: dict[str, Field] = field(default_factory=dict)  # of an object
    items: Field | None = None  # of an array
    enum: tuple[str, ...] = ()  # the documented values of an enum leaf
    model: str = ""  # the reference's class, for messages

    def leaves(self, prefix: str = "") -> list[str]:
        """Every leaf's path: ``packages[].id``; an object with no documented fields is a leaf."""
        if self.type == "object" and self.fields:
            return [
                leaf
                for name, f in self.fields.items()
                for leaf in f.leaves(f"{prefix}.{name}" if prefix else name)
            ]
        if self.type == "array" and self.items is not None:
            return self.items.leaves(prefix + "[]")
        return [prefix]


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    query: tuple[str, ...]  # the query parameters it documents (signing parameters aside)
    body: Field | None  # its JSON request body, if it takes one
    data: Field | None  # the ``data`` of its answer


def _models() -> Any:
    return importlib.import_module(MODELS)


def _annotation(text: str) -> str:
    """``list[Foo] | Unset`` -> ``list[Foo]``: what a field holds when it is there."""
    parts = [p.strip() for p in text.split("|")]
    kept = [p for p in parts if p not in _NOISE]
    return kept[0] if kept else "Any"


def shape_of(annotation: str, seen: tuple[str, ...] = ()) -> Field:
    """The JSON shape a model annotation stands for, models expanded (a model that contains
    itself is cut at its second appearance)."""
    text = _annotation(annotation)
    if text.startswith("list[") and text.endswith("]"):
        return Field("array", items=shape_of(text[5:-1], seen))
    if text in _PRIMITIVES:
        return Field(_PRIMITIVES[text])
    if text.startswith(("dict[", "Any")) or text == "Unset":
        return Field("any")
    cls = getattr(_models(), text, None)
    if cls is None:
        return Field("any", model=text)
    if isinstance(cls, type) and issubclass(cls, enum.Enum):
        return Field("string", enum=tuple(str(m.value) for m in cls), model=text)
    if text in seen:
        return Field("object", model=text)
    return model_shape(cls, (*seen, text))


def model_shape(cls: type, seen: tuple[str, ...] = ()) -> Field:
    fields = {}
    for f in attrs.fields(cls):
        if f.name == "additional_properties":
            continue
        fields[f.name] = shape_of(str(f.type), seen or (cls.__name__,))
    # attrs keeps the Python name; the JSON key is what from_dict reads.
    keys = _json_keys(cls)
    fields = {keys.get(name, name): shape for name, shape in fields.items()}
    return Field("object", fields=fields, model=cls.__name__)


@cache
def _json_keys(cls: type) -> dict[str, str]:
    """Python attribute -> JSON key, where the generator renamed one (``type_`` for ``type``)."""
    import inspect

    pairs = re.findall(r'^\s+(\w+) = .*?d\.pop\("([^"]+)"', inspect.getsource(cls.from_dict), flags=re.M)
    return {attr: key for attr, key in pairs if attr != key}


@cache
def operations() -> dict[tuple[str, str], Operation]:
    """Every documented operation, by (method, path)."""
    from tiktok_shop_api.generated import api

    found: dict[tuple[str, str], Operation] = {}
    meta = {(o["method"], o["path"]): o["operationId"] for o in _meta()}
    for module_path in sorted(Path(api.__file__).parent.glob("*/*.py")):
        if module_path.name == "__init__.py":
            continue
        text = module_path.read_text()
        route = re.search(r'"method": "(\w+)",\s*"url": "([^"]+)"', text)
        if route is None:
            continue
        method, path = route.group(1), route.group(2).split('".format')[0]
        kwargs = text[text.index("def _get_kwargs(") : text.index(") -> dict[str, Any]:")]
        query = tuple(dict.fromkeys(re.findall(r'params\["([^"]+)"\]', text)))
        body = re.search(r"body: (\w+) \| Unset = UNSET|body: (\w+),", kwargs)
        body_model = (body.group(1) or body.group(2)) if body else None
        answer = re.search(r"-> (\w+) \| None:", text)
        data = None
        if answer is not None:
            response = model_shape(getattr(_models(), answer.group(1)))
            data = response.fields.get("data")
        found[(method, path)] = Operation(
            meta.get((method, path), module_path.stem),
            method,
            path,
            query,
            model_shape(getattr(_models(), body_model)) if body_model else None,
            data,
        )
    return found


def _meta() -> list[dict[str, Any]]:
    from tiktok_shop_api.generated._meta import OPERATIONS

    return list(OPERATIONS)


def webhook_models() -> dict[int, Field]:
    """The documented payload of every webhook type, by its ``type`` number."""
    from tiktok_shop_api.generated import _webhook_event

    found = {}
    for name in dir(_webhook_event):
        cls = getattr(_models(), name, None)
        if cls is None or not name.endswith("Webhook") or not attrs.has(cls):
            continue
        shape = model_shape(cls)
        number = _webhook_type(cls)
        if number is not None:
            found[number] = shape
    return found


def _webhook_type(cls: type) -> int | None:
    """The webhook's ``type`` number: its model types the field as ``Literal[N]``."""
    for f in attrs.fields(cls):
        match = re.fullmatch(r"Literal\[(\d+)\]", str(f.type))
        if f.name == "type_" and match:
            return int(match.group(1))
    return None
