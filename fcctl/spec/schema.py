"""JSON Schema (draft 2020-12) of fc.yaml, generated from the pydantic models.

Numbers and booleans may also be written as a whole ``${env:NAME}`` reference (fcctl gives the
expanded text its YAML type), so the schema accepts that string wherever it expects one.
"""

from __future__ import annotations

import json
from typing import Any

from fcctl.spec.models import Spec
from fcctl.spec.envrefs import ENV_REF_PATTERN

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ENV_REF = {
    "type": "string",
    "pattern": ENV_REF_PATTERN,
    "description": "${env:NAME}, ${env:NAME:-default} or ${env:NAME:-${env:OTHER}}: the value "
                   "comes from the environment.",
}


def _allow_env(node: Any) -> Any:
    if isinstance(node, list):
        return [_allow_env(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: (v if k in ("enum", "const", "default", "examples") else _allow_env(v))
           for k, v in node.items()}
    typed = out.get("type") in ("integer", "number", "boolean")
    enum = out.get("enum")
    non_str_enum = isinstance(enum, list) and enum and not all(isinstance(e, str) for e in enum)
    if typed or non_str_enum:
        described = {k: out.pop(k) for k in ("description", "title") if k in out}
        return {**described, "anyOf": [out, {"$ref": "#/$defs/EnvReference"}]}
    return out


def spec_json_schema() -> dict[str, Any]:
    """The schema as a dict: ``$schema`` first, then pydantic's ``model_json_schema()``."""
    body = _allow_env(Spec.model_json_schema(mode="validation"))
    body.setdefault("$defs", {})["EnvReference"] = ENV_REF
    out = {"$schema": DIALECT, "title": "fcctl fc.yaml (Function Compute 3.0 functions)"}
    out.update({k: v for k, v in body.items() if k != "title"})
    return out


def schema_text() -> str:
    """The schema as the text ``fcctl schema`` prints (and ``fcctl.schema.json`` holds)."""
    return json.dumps(spec_json_schema(), indent=2, ensure_ascii=False) + "\n"
