"""fcctl export: live functions as spec YAML; planning the exported file shows no changes."""

from __future__ import annotations

import os

import yaml

SPEC = """\
region: cn-hangzhou
functions:
  - functionName: legacy-api
    description: made by hand in the console
    runtime: custom.debian10
    handler: index.handler
    code: ./app
    customRuntimeConfig: {command: [python3, app.py], port: 9000}
    memorySize: 1024
    cpu: 1
    timeout: 60
    tags: {team: payments}
    environmentVariables:
      LOG_LEVEL: info
      API_TOKEN: ${env:EXPORT_TEST_TOKEN}
    instanceLifecycleConfig:
      initializer: {handler: "true", timeout: 30}
      preStop: {handler: "true", timeout: 10}
    triggers:
      - triggerName: web
        triggerType: http
        triggerConfig: {authType: anonymous, methods: [GET]}
"""


def test_export_then_plan_is_clean(fc, project, monkeypatch):
    monkeypatch.setenv("EXPORT_TEST_TOKEN", "tok-EXPORTSECRET")
    assert fc("deploy", "-f", str(project(SPEC))).code == 0
    monkeypatch.chdir(project.dir)
    run = fc("export", "legacy-api", "--code-dir", "exported")
    assert run.code == 0, run.err
    assert "EXPORTSECRET" not in run.out + run.err
    doc = yaml.safe_load(run.out)
    (fn,) = doc["functions"]
    assert fn["code"] == "./exported/legacy-api.zip"
    assert (project.dir / "exported" / "legacy-api.zip").is_file()
    assert fn["environmentVariables"]["API_TOKEN"] == "${env:API_TOKEN}"
    assert fn["instanceLifecycleConfig"]["preStop"] == {"handler": "true", "timeout": 10}
    assert fn["tags"] == {"team": "payments"}
    assert fn["triggers"][0]["triggerConfig"]["methods"] == ["GET"]
    assert "functionArn" not in fn and "codeChecksum" not in fn

    (project.dir / "exported.yaml").write_text(run.out)
    monkeypatch.setenv("API_TOKEN", "tok-EXPORTSECRET")
    plan = fc("plan", "-f", "exported.yaml", "--detailed-exitcode")
    assert plan.code == 0, plan.out + plan.err
    assert "no changes" in plan.out


def test_export_json_and_missing_function(fc, project, monkeypatch):
    monkeypatch.chdir(project.dir)
    assert fc("export", "nope", "--no-code").code == 1
    monkeypatch.setenv("EXPORT_TEST_TOKEN", "x")
    assert fc("deploy", "-f", str(project(SPEC))).code == 0
    doc = fc("export", "legacy-api", "--no-code", "-o", "json").json()
    assert doc["schemaVersion"] == 1
    assert doc["spec"]["functions"][0]["functionName"] == "legacy-api"
    assert not os.path.exists(project.dir / "code")


def test_export_of_the_example_plans_clean(fc, monkeypatch, tmp_path):
    """The README's example has DB_PASSWORD: ${env:DB_PASSWORD:-} — an empty value."""
    from tests.functional.conftest import REPO

    monkeypatch.delenv("DB_PASSWORD", raising=False)
    assert fc("deploy", "-f", str(REPO / "fc.yaml.example")).code == 0
    monkeypatch.chdir(tmp_path)
    run = fc("export", "orders-api")
    assert run.code == 0, run.err
    (tmp_path / "fc.yaml").write_text(run.out)
    plan = fc("plan", "--detailed-exitcode")
    assert plan.code == 0, plan.out + plan.err
