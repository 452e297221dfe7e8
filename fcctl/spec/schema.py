"""JSON Schema (draft 2020-12) of fc.yaml, generated from the pydantic models."""

from __future__ import annotations

import json

from fcctl.spec.models import Spec

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def spec_json_schema() -> dict:
    """The schema as a dict: ``$schema`` first, then pydantic's ``model_json_schema()``."""
    body = Spec.model_json_schema(mode="validation")
    out = {"$schema": DIALECT, "title": "fcctl fc.yaml (Function Compute 3.0 functions)"}
    out.update({k: v for k, v in body.items() if k != "title"})
    return out


def schema_text() -> str:
    """The schema as the text ``fcctl schema`` prints (and ``fcctl.schema.json`` holds)."""
    return json.dumps(spec_json_schema(), indent=2, ensure_ascii=False) + "\n"
