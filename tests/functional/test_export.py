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


DOLLAR_SPEC = """\
region: cn-hangzhou
functions:
  - functionName: dollars
    runtime: custom.debian10
    handler: index.handler
    code: ./app
    description: "costs $$5 and keeps $${env:HOME} literal"
    environmentVariables:
      DATABASE_URL: "postgres://u:${env:EXPORT_DB_PASSWORD}@db/app"
"""


def test_export_escapes_dollars_and_writes_secrets_as_variables(fc_proc, project):
    path = str(project(DOLLAR_SPEC))
    env = {"EXPORT_DB_PASSWORD": "pw-EXPORTLEAK-123"}
    assert fc_proc("deploy", "-f", path, env=env).code == 0
    run = fc_proc("export", "dollars", "--code-dir", str(project.dir / "code"), env=env,
                  cwd=project.dir)
    assert run.code == 0, run.err
    assert "EXPORTLEAK" not in run.out and "***" not in run.out
    doc = yaml.safe_load(run.out)
    (fn,) = doc["functions"]
    assert fn["environmentVariables"]["DATABASE_URL"] == \
        "postgres://u:${env:EXPORT_DB_PASSWORD}@db/app"
    assert fn["description"] == "costs $$5 and keeps $${env:HOME} literal"
    (project.dir / "exported.yaml").write_text(run.out)
    plan = fc_proc("plan", "-f", "exported.yaml", "--detailed-exitcode", env=env, cwd=project.dir)
    assert plan.code == 0, plan.out + plan.err


def test_registry_password_is_masked_in_get_and_written_as_a_variable_by_export(fc, sdk, project,
                                                                                monkeypatch):
    from alibabacloud_fc20230330 import models

    sdk.create_function(models.CreateFunctionRequest(body=models.CreateFunctionInput(
        function_name="reg", runtime="custom-container", handler="x",
        custom_container_config=models.CustomContainerConfig(
            image="registry.cn-hangzhou.aliyuncs.com/ns/app:1", port=9000,
            registry_config=models.RegistryConfig(auth_config=models.RegistryAuthConfig(
                user_name="u", password="REGPASS-12345"))))))
    got = fc("get", "reg", "-o", "json")
    assert got.code == 0 and "REGPASS" not in got.out
    monkeypatch.chdir(project.dir)
    exp = fc("export", "reg")
    assert exp.code == 0 and "REGPASS" not in exp.out + exp.err
    cfg = yaml.safe_load(exp.out)["functions"][0]["customContainerConfig"]
    assert cfg["registryConfig"]["authConfig"]["password"] == "${env:AUTHCONFIG_PASSWORD}"


def test_export_writes_keys_in_a_readable_order(fc, monkeypatch, tmp_path):
    """functionName, runtime, handler, code first; then FC's field order; triggers last."""
    import yaml

    from tests.functional.conftest import REPO

    monkeypatch.delenv("DB_PASSWORD", raising=False)
    assert fc("deploy", "-f", str(REPO / "fc.yaml.example")).code == 0
    monkeypatch.chdir(tmp_path)
    run = fc("export", "orders-api")
    assert run.code == 0, run.err
    keys = list(yaml.safe_load(run.out)["functions"][0])
    assert keys[:4] == ["functionName", "runtime", "handler", "code"]
    rest = [k for k in keys[4:] if k != "triggers"]
    assert len(rest) >= 3 and rest == sorted(rest)
    assert "triggers" not in keys or keys[-1] == "triggers"


def test_export_escapes_bidi_and_zero_width_characters_and_round_trips(fc, project, sdk,
                                                                       monkeypatch):
    """A description holding a bidi override and a zero-width space (set in the console, say)
    is exported with visible ``\\u`` escapes, never the raw characters, and loads back equal:
    planning the exported file is clean."""
    from alibabacloud_fc20230330 import models as m

    assert fc("deploy", "-f", str(project(SPEC.replace(
        "    tags: {team: payments}\n", "").replace(
        "      API_TOKEN: ${env:EXPORT_TEST_TOKEN}\n", "")))).code == 0
    tricky = "pay\u202eroot\u2066 x\u200by 中文"
    sdk.update_function("legacy-api", m.UpdateFunctionRequest(
        body=m.UpdateFunctionInput(description=tricky)))
    monkeypatch.chdir(project.dir)
    run = fc("export", "legacy-api", "--code-dir", "exported")
    assert run.code == 0, run.err
    for raw in ("\u202e", "\u2066", "\u200b"):
        assert raw not in run.out
    assert "\\u202e" in run.out and "中文" in run.out
    assert yaml.safe_load(run.out)["functions"][0]["description"] == tricky
    (project.dir / "exported.yaml").write_text(run.out)
    plan = fc("plan", "-f", "exported.yaml", "--detailed-exitcode")
    assert plan.code == 0, plan.out + plan.err
