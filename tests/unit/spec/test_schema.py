"""`fcctl schema` (JSON Schema 2020-12 from the models): the committed file is current, and the
example and every good corpus spec validate against it; bad shapes do not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from fcctl.cli.main import main

REPO = Path(__file__).resolve().parents[3]
GOOD = sorted((REPO / "tests/corpus/specs/good").rglob("*.yaml"))


@pytest.fixture(scope="module")
def schema() -> dict:
    from fcctl.spec.schema import spec_json_schema

    s = spec_json_schema()
    Draft202012Validator.check_schema(s)
    return s


def test_cli_prints_the_schema(capsys):
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    doc = json.loads(out)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "functions" in doc["properties"]
    hook = doc["$defs"]["InitializerHook"]["properties"]["timeout"]
    assert json.dumps(hook).count("300") >= 1  # FC docs 配额与使用限制: Initializer 300 s


def test_committed_schema_file_is_current(capsys):
    assert main(["schema"]) == 0
    generated = capsys.readouterr().out
    committed = (REPO / "fcctl.schema.json").read_text()
    assert committed == generated, "run: fcctl schema > fcctl.schema.json"


def test_example_has_modeline_and_validates(schema):
    text = (REPO / "fc.yaml.example").read_text()
    first = text.splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    target = first.split("$schema=", 1)[1].strip()
    assert (REPO / target).resolve() == (REPO / "fcctl.schema.json").resolve()
    Draft202012Validator(schema).validate(yaml.safe_load(text))


@pytest.mark.parametrize("path", GOOD, ids=lambda p: str(p.relative_to(REPO / "tests/corpus/specs")))
def test_good_corpus_validates_against_schema(path, schema):
    text = path.read_text()
    if "# base:" in text:
        pytest.skip("an overlay fragment, not a whole spec (its base is checked on its own)")
    data = yaml.safe_load(text)
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=str)
    assert not errors, [e.message for e in errors]


@pytest.mark.parametrize("fragment", [
    {"functions": [{"functionName": "f", "runtime": "python3.10", "handler": "i.h", "memorySise": 1}]},
    {"functions": [{"functionName": "f", "runtime": "python3.11", "handler": "i.h"}]},
    {"functions": [{"functionName": "f", "runtime": "python3.10", "handler": "i.h",
                    "instanceLifecycleConfig": {"preFreeze": {"handler": "x"}}}]},
    {"functions": [{"functionName": "f", "runtime": "python3.10", "handler": "i.h",
                    "instanceLifecycleConfig": {"initializer": {"timeout": 0}}}]},
    {"functions": [{"functionName": "f", "runtime": "python3.10", "handler": "i.h",
                    "instanceLifecycleConfig": {"initializer": {"command": "/bin/sh x"}}}]},
    {"functions": [{"functionName": "f", "runtime": "python3.10", "handler": "i.h", "memorySize": 1000}]},
    {"functions": [{"functionName": "1f", "runtime": "python3.10", "handler": "i.h"}]},
])
def test_schema_rejects_bad_shapes(fragment, schema):
    assert list(Draft202012Validator(schema).iter_errors(fragment))
