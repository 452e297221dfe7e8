"""Every JSON document fcctl prints carries ``schemaVersion`` first, stamped in one place
(``fcctl.ui.console.stamp``): each command is driven with ``-o json`` — results, spec errors,
usage errors and FC errors — against the emulator through the real SDK."""

from __future__ import annotations

import ast
import json
from pathlib import Path


from fcctl.ui.console import SCHEMA_VERSION
from tests.functional.test_deploy_pipeline import fn_yaml, spec


def _doc(run) -> dict:
    doc = json.loads(run.out)  # stdout is one JSON document, nothing else
    assert isinstance(doc, dict), run.out
    assert list(doc)[0] == "schemaVersion" and doc["schemaVersion"] == SCHEMA_VERSION, run.out
    return doc


def test_every_command_stamps_its_json_document(fc, project, tmp_path, monkeypatch):
    path = str(project(spec(fn_yaml("orders"))))
    bad = str(project("region: cn-hangzhou\nfunctions:\n  - functionName: 9bad\n", "bad.yaml"))
    monkeypatch.setenv("ALIBABA_CLOUD_REGION_ID", "cn-hangzhou")
    runs = {
        "validate": (fc("validate", "-f", path, "-o", "json"), 0),
        "validate bad": (fc("validate", "-f", bad, "-o", "json"), 2),
        "init --list": (fc("init", "--list", "-o", "json"), 0),
        "init": (fc("init", "python-web", str(tmp_path / "new"), "-o", "json"), 0),
        "doctor": (fc("doctor", "-o", "json"), 0),
        "plan": (fc("plan", "-f", path, "-o", "json"), 0),
        "plan bad spec": (fc("plan", "-f", bad, "-o", "json"), 2),
        "deploy": (fc("deploy", "-f", path, "-o", "json"), 0),
        "get": (fc("get", "orders", "-o", "json"), 0),
        "get missing": (fc("get", "nope", "-o", "json"), 1),
        "list": (fc("list", "-o", "json"), 0),
        "invoke": (fc("invoke", "orders", "-o", "json"), None),
        "rollout": (fc("rollout", "-f", path, "-o", "json"), 0),
        "usage error": (fc("-o", "json", "deploy", "--concurrency", "0"), 2),
        "unknown command": (fc("-o", "json", "no-such-command"), 2),
        "delete": (fc("delete", "orders", "--yes", "-o", "json"), 0),
    }
    for name, (run, code) in runs.items():
        if code is not None:
            assert run.code == code, (name, run.out, run.err)
        doc = _doc(run)
        if run.code:
            assert "error" in doc or doc.get("valid") is False, (name, doc)


def test_only_the_console_writes_the_key():
    """A document built by hand with its own ``schemaVersion`` would bypass the one stamp (the
    saved plan file has its own format version, checked on read, and is not printed)."""
    root = Path(__file__).resolve().parents[2] / "fcctl"
    allowed = {"ui/console.py", "deploy/saved.py"}
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict) and rel not in allowed and any(
                    isinstance(k, ast.Constant) and k.value == "schemaVersion" for k in node.keys):
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []
