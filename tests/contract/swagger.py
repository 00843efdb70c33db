"""A small checker for the ARI Swagger 1.1/1.2 documents: operations, models and JSON values."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "Date": (str,),  # the spec's date type travels as a string
    "date": (str,),
    "int": (int,),
    "long": (int,),
    "double": (int, float),
    "boolean": (bool,),
    "object": (dict,),
}


@dataclass(frozen=True)
class SpecOperation:
    """One operation of the spec."""

    method: str
    path: str
    params: Mapping[str, Mapping[str, Any]]  # name → parameter definition
    response_class: str


@dataclass
class Spec:
    """Every operation and model of the ARI spec directory."""

    operations: list[SpecOperation] = field(default_factory=list)
    models: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)

    def operation(self, method: str, path: str) -> SpecOperation | None:
        """The operation for ``method path`` (path with ``{param}`` placeholders)."""
        for op in self.operations:
            if op.method == method and op.path == path:
                return op
        return None

    def properties(self, model: str) -> dict[str, Mapping[str, Any]]:
        """Properties of ``model`` including those of its parents (Event, Message)."""
        props: dict[str, Mapping[str, Any]] = {}
        name: str | None = model
        while name is not None:
            props = {**self.models[name].get("properties", {}), **props}
            name = self.parents.get(name)
        return props

    def validate(self, value: Any, type_name: str, where: str = "$") -> list[str]:
        """Errors of ``value`` against a spec type (scalar, model or ``List[...]``)."""
        listed = re.fullmatch(r"List\[(.+)\]", type_name)
        if listed:
            if not isinstance(value, list):
                return [f"{where}: expected a list, got {type(value).__name__}"]
            return [
                err for i, item in enumerate(value) for err in self.validate(item, listed[1], f"{where}[{i}]")
            ]
        if type_name in _SCALARS:
            ok = isinstance(value, _SCALARS[type_name]) and not (
                type_name != "boolean" and isinstance(value, bool)
            )
            return [] if ok else [f"{where}: expected {type_name}, got {value!r}"]
        if type_name not in self.models:
            return [f"{where}: unknown spec type {type_name}"]
        if not isinstance(value, dict):
            return [f"{where}: expected a {type_name} object, got {value!r}"]
        return self._validate_model(value, type_name, where)

    def _validate_model(self, value: dict[str, Any], model: str, where: str) -> list[str]:
        if (
            self.models[model].get("discriminator")
            and value.get("type") in self.models
            and value["type"] != model
        ):
            return self._validate_model(value, str(value["type"]), where)
        errors: list[str] = []
        props = self.properties(model)
        for name, prop in props.items():
            if name not in value:
                if prop.get("required"):
                    errors.append(f"{where}: {model}.{name} is required")
                continue
            errors += self.validate(value[name], str(prop["type"]), f"{where}.{name}")
            allowed = (prop.get("allowableValues") or {}).get("values")
            if allowed and value[name] not in allowed:
                errors.append(f"{where}.{name}: {value[name]!r} not in {allowed}")
        errors += [f"{where}: {model} has no field {name!r}" for name in value if name not in props]
        return errors


def load_spec(directory: Path) -> Spec:
    """Read every ``api-docs/*.json`` of an ARI spec directory."""
    spec = Spec()
    for path in sorted((directory / "api-docs").glob("*.json")):
        document = json.loads(path.read_text())
        for api in document.get("apis", []):
            for op in api.get("operations", []):
                params = {p["name"]: p for p in op.get("parameters", [])}
                spec.operations.append(
                    SpecOperation(op["httpMethod"], api["path"], params, op["responseClass"])
                )
        for name, model in document.get("models", {}).items():
            spec.models[name] = model
            for sub in model.get("subTypes", []):
                spec.parents[sub] = name
    return spec
