"""The end-to-end flow: fc.yaml → validate → plan → deploy through the official SDK over HTTP to
the emulator, and back again (issue: fcctl end to end)."""

from __future__ import annotations

import json

from alibabacloud_fc20230330 import models

SPEC = """\
region: cn-hangzhou
functions:
  - functionName: orders-api
    runtime: custom.debian10
    handler: index.handler
    code: ./app
    customRuntimeConfig: {{command: [python3, app.py], port: 9000}}
    memorySize: 512
    environmentVariables:
      LOG_LEVEL: info
      DB_PASSWORD: hunter2-{secret}
    instanceLifecycleConfig:
      initializer: {{handler: "true", timeout: {init_timeout}}}
{prestop}"""
PRESTOP = '      preStop: {handler: "true", timeout: 10}\n'


def spec(init_timeout=30, prestop=True, secret="s3cr3t"):
    return SPEC.format(init_timeout=init_timeout, prestop=PRESTOP if prestop else "",
                       secret=secret)


def live_hooks(sdk, name="orders-api") -> dict:
    fn = sdk.get_function(name, models.GetFunctionRequest()).body.to_map()
    return fn.get("instanceLifecycleConfig") or {}


def test_create_plan_change_deploy_remove_prestop(fc, sdk, api_log, project):
    path = str(project(spec()))

    first = fc("deploy", "-f", path)
    assert first.code == 0, first.err
    assert "orders-api" in first.out and "create" in first.out
    hooks = live_hooks(sdk)
    assert hooks["initializer"]["handler"] == "true"
    assert hooks["initializer"]["timeout"] == 30
    assert hooks["preStop"]["timeout"] == 10

    clean = fc("plan", "-f", path, "--detailed-exitcode")
    assert clean.code == 0, clean.out + clean.err
    assert "no changes" in clean.out

    path = str(project(spec(init_timeout=60)))
    drift = fc("plan", "-f", path, "--detailed-exitcode")
    assert drift.code == 3
    assert "instanceLifecycleConfig.initializer.timeout: 30 → 60" in drift.out

    assert fc("deploy", "-f", path).code == 0
    assert live_hooks(sdk)["initializer"]["timeout"] == 60

    path = str(project(spec(init_timeout=60, prestop=False)))
    removed = fc("plan", "-f", path, "--output", "json")
    doc = removed.json()
    assert doc["schemaVersion"] == 1
    (fn,) = doc["functions"]
    assert fn["action"] == "update"
    assert {c["path"] for c in fn["changes"]} == {"instanceLifecycleConfig.preStop.handler"}
    assert fc("deploy", "-f", path).code == 0
    pre_stop = live_hooks(sdk).get("preStop") or {}
    assert not pre_stop.get("handler") and not pre_stop.get("command")

    api_log.clear()
    again = fc("deploy", "-f", path, "--output", "json")
    assert again.code == 0
    assert again.json()["functions"][0]["action"] == "noop"
    assert api_log.writes() == []
    assert again.json()["summary"]["writeCalls"] == 0


def test_secret_values_never_printed(fc, project):
    path = str(project(spec(secret="TOPSECRET")))
    for args in (("plan", "-f", path), ("plan", "-f", path, "-o", "json"),
                 ("deploy", "-f", path, "-o", "json")):
        run = fc(*args)
        assert "TOPSECRET" not in run.out + run.err
    path = str(project(spec(secret="OTHERSECRET")))
    for args in (("plan", "-f", path), ("plan", "-f", path, "-o", "json"),
                 ("deploy", "-f", path)):
        run = fc(*args)
        assert run.code == 0
        assert "OTHERSECRET" not in run.out + run.err
        assert "environmentVariables.DB_PASSWORD" in run.out + run.err or args[0] == "deploy"


def test_wrong_secret_exits_1_with_signature_message(fc_proc, project):
    path = str(project(spec()))
    run = fc_proc("plan", "-f", path, env={"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "wrong-secret-xyz"})
    assert run.code == 1
    assert "SignatureNotMatch" in run.err
    assert "secret" in run.err.lower() and "clock" in run.err.lower()
    assert "request id" in run.err
    assert "Traceback" not in run.err
    assert "wrong-secret-xyz" not in run.out + run.err


def test_no_credentials_exits_2_with_what_to_set(fc_proc, project, tmp_path):
    run = fc_proc("plan", "-f", str(project(spec())),
                  env={"ALIBABA_CLOUD_ACCESS_KEY_ID": "", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "",
                       "HOME": str(tmp_path), "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"})
    assert run.code == 2
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in run.err and "Traceback" not in run.err


def test_missing_profile_is_an_error_not_a_fallback(fc_proc, project, tmp_path):
    run = fc_proc("--profile", "nope", "plan", "-f", str(project(spec())),
                  env={"HOME": str(tmp_path)})
    assert run.code == 2
    assert "profile 'nope' not found" in run.err


def test_unknown_access_key_exits_1(fc_proc, project):
    run = fc_proc("plan", "-f", str(project(spec())), env={"ALIBABA_CLOUD_ACCESS_KEY_ID": "nobody"})
    assert run.code == 1
    assert "InvalidAccessKeyID" in run.err


def test_invalid_spec_exits_2_without_api_calls(fc, api_log, project):
    path = str(project(spec().replace("memorySize: 512", "memorySize: 1000")))
    api_log.clear()
    run = fc("deploy", "-f", path)
    assert run.code == 2
    assert "fc.yaml:8:" in run.out + run.err
    assert api_log.all() == []


def test_get_shows_hooks_and_masks_secrets(fc, project):
    path = str(project(spec(secret="GETSECRET")))
    assert fc("deploy", "-f", path).code == 0
    run = fc("get", "orders-api")
    assert run.code == 0
    assert "lastUpdateStatus" in run.out and "Successful" in run.out
    assert "handler 'true' (timeout 30 s)" in run.out
    assert "GETSECRET" not in run.out
    doc = fc("get", "orders-api", "-o", "json").json()
    assert doc["function"]["instanceLifecycleConfig"]["preStop"]["timeout"] == 10
    assert "GETSECRET" not in json.dumps(doc)


def test_get_missing_function_exits_1(fc):
    run = fc("get", "nope")
    assert run.code == 1
    assert "FunctionNotFound" in run.err


def test_profile_without_keys_never_falls_back_to_environment(fc_proc, project, tmp_path):
    (tmp_path / ".aliyun").mkdir()
    (tmp_path / ".aliyun" / "config.json").write_text(
        '{"current": "empty", "profiles": [{"name": "empty", "mode": "AK"}]}')
    run = fc_proc("--profile", "empty", "plan", "-f", str(project(spec())),
                  env={"HOME": str(tmp_path)})
    assert run.code == 2
    assert "no access key of its own" in run.err


def test_profile_from_cli_config_is_used(fc_proc, project, tmp_path):
    from tests.functional.conftest import AK_ID, AK_SECRET

    (tmp_path / ".aliyun").mkdir()
    (tmp_path / ".aliyun" / "config.json").write_text(
        '{"current": "dev", "profiles": [{"name": "dev", "mode": "AK", "access_key_id": "%s",'
        ' "access_key_secret": "%s", "region_id": "cn-hangzhou"}]}' % (AK_ID, AK_SECRET))
    run = fc_proc("--profile", "dev", "plan", "-f", str(project(spec())),
                  env={"HOME": str(tmp_path), "ALIBABA_CLOUD_ACCESS_KEY_ID": "",
                       "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ""})
    assert run.code == 0, run.err
    assert "will be created" in run.out


def test_broken_cli_config_is_named(fc_proc, project, tmp_path):
    (tmp_path / ".aliyun").mkdir()
    (tmp_path / ".aliyun" / "config.json").write_text('{"current": "dev", "profi')
    run = fc_proc("--profile", "dev", "plan", "-f", str(project(spec())),
                  env={"HOME": str(tmp_path)})
    assert run.code == 2
    assert "config.json" in run.err and "not found" not in run.err


def test_values_from_secret_variables_are_masked_wherever_they_land(fc_proc, project):
    text = spec().replace("environmentVariables:\n",
                          "description: \"pw ${env:DB_PASSWORD}\"\n    environmentVariables:\n"
                          "      MYSQL_PWD: ${env:DB_PASSWORD}\n      PASS: ${env:DB_PASSWORD}\n")
    path = str(project(text))
    env = {"DB_PASSWORD": "hunter2-LEAKCHECK"}
    for args in (("plan", "-f", path), ("-o", "json", "plan", "-f", path),
                 ("deploy", "-f", path), ("get", "orders-api"), ("-o", "json", "get", "orders-api")):
        run = fc_proc(*args, env=env)
        assert run.code == 0, run.err
        assert "LEAKCHECK" not in run.out + run.err, args
    bad = str(project(text.replace("memorySize: 512", "memorySize: ${env:DB_PASSWORD}")))
    run = fc_proc("-o", "json", "validate", "-f", bad, env=env)
    assert run.code == 2 and "LEAKCHECK" not in run.out + run.err


def test_profile_without_keys_refused_even_when_another_profile_has_the_env_key(
        fc_proc, project, tmp_path):
    from tests.functional.conftest import AK_ID

    (tmp_path / ".aliyun").mkdir()
    (tmp_path / ".aliyun" / "config.json").write_text(
        '{"current": "default", "profiles": [{"name": "default", "mode": "AK", '
        '"access_key_id": "%s", "access_key_secret": "x"}, {"name": "ci", "mode": "AK"}]}' % AK_ID)
    run = fc_proc("--profile", "ci", "plan", "-f", str(project(spec())),
                  env={"HOME": str(tmp_path)})
    assert run.code == 2
    assert "no access key of its own" in run.err


def test_profile_without_keys_and_no_env_says_so(fc_proc, project, tmp_path):
    (tmp_path / ".alibabacloud").mkdir()
    (tmp_path / ".alibabacloud" / "credentials.ini").write_text("[ci]\ntype = access_key\n")
    run = fc_proc("--profile", "ci", "plan", "-f", str(project(spec())),
                  env={"HOME": str(tmp_path), "ALIBABA_CLOUD_ACCESS_KEY_ID": "",
                       "ALIBABA_CLOUD_ACCESS_KEY_SECRET": ""})
    assert run.code == 2
    assert "no access key of its own" in run.err
