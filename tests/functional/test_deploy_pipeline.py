"""Deploys a pipeline can trust: waiting, conflicts, faults, concurrency, triggers, SIGKILL
(issue: deploys a pipeline can trust). All against the emulator over HTTP via the official SDK."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from alibabacloud_fc20230330 import models

from tests.functional.conftest import AK_ID, AK_SECRET


def fn_yaml(name: str, level: str = "info", extra_env: dict | None = None, triggers: str = "") -> str:
    env = {"LEVEL": level, **(extra_env or {})}
    env_lines = "".join(f"      {k}: \"{v}\"\n" for k, v in env.items())
    return (
        f"  - functionName: {name}\n"
        "    runtime: custom.debian10\n"
        "    handler: index.handler\n"
        "    code: ./app\n"
        "    customRuntimeConfig: {command: [python3, app.py], port: 9000}\n"
        "    environmentVariables:\n" + env_lines +
        "    instanceLifecycleConfig:\n"
        "      initializer: {handler: \"true\", timeout: 10}\n"
        "      preStop: {handler: \"true\", timeout: 10}\n" + triggers
    )


def spec(*fns: str) -> str:
    return "region: cn-hangzhou\nfunctions:\n" + "".join(fns)


def set_config(emulator, **changes):
    req = urllib.request.Request(emulator.url + "/_fcctl/config", method="PUT",
                                 data=json.dumps(changes).encode(),
                                 headers={"content-type": "application/json"})
    urllib.request.urlopen(req).read()


def live(sdk, name):
    return sdk.get_function(name, models.GetFunctionRequest()).body.to_map()


def test_many_functions_concurrently_in_spec_order(fc, sdk, project):
    names = [f"svc-{i:02d}" for i in range(12)]
    path = str(project(spec(*(fn_yaml(n) for n in names))))
    run = fc("deploy", "-f", path, "--concurrency", "6", "-o", "json")
    assert run.code == 0, run.err
    doc = run.json()
    assert [f["functionName"] for f in doc["functions"]] == names
    assert all(f["outcome"] == "ok" and f["action"] == "create" for f in doc["functions"])
    assert doc["summary"]["created"] == 12
    assert all(live(sdk, n)["lastUpdateStatus"] == "Successful" for n in names)


def test_function_filter_limits_the_run(fc, api_log, project):
    path = str(project(spec(fn_yaml("a"), fn_yaml("b"))))
    run = fc("deploy", "-f", path, "--function", "a", "-o", "json")
    assert run.code == 0
    assert [f["functionName"] for f in run.json()["functions"]] == ["a"]
    assert fc("get", "b").code == 1
    bad = fc("deploy", "-f", path, "--function", "zzz")
    assert bad.code == 2 and "zzz" in bad.err


def test_wait_timeout_exits_4_and_no_wait_returns_at_once(fc, sdk, project):
    knob = {"FCCTL_EMULATOR_UPDATE_DELAY_S": "30"}
    assert fc("deploy", "-f", str(project(spec(fn_yaml("slow", extra_env=knob))))).code == 0
    path = str(project(spec(fn_yaml("slow", level="debug", extra_env=knob))))
    run = fc("deploy", "-f", path, "--timeout", "1", "-o", "json")
    assert run.code == 4
    (f,) = run.json()["functions"]
    assert f["outcome"] == "timeout" and "slow" in f["error"]["pending"]
    assert "lastUpdateStatus=InProgress" in f["error"]["message"]

    assert fc("deploy", "-f", str(project(spec(fn_yaml("slow2", extra_env=knob))))).code == 0
    path = str(project(spec(fn_yaml("slow2", level="debug", extra_env=knob))))
    quick = fc("deploy", "-f", path, "--no-wait", "-o", "json")
    assert quick.code == 0
    assert live(sdk, "slow2")["lastUpdateStatus"] == "InProgress"


def test_failed_update_exits_1_with_fc_reason(fc, project):
    knob = {"FCCTL_EMULATOR_FAIL_UPDATE": "image pull failed: manifest unknown"}
    assert fc("deploy", "-f", str(project(spec(fn_yaml("broken", extra_env=knob))))).code == 0
    path = str(project(spec(fn_yaml("broken", level="x", extra_env=knob))))
    run = fc("deploy", "-f", path, "-o", "json")
    assert run.code == 1
    (f,) = run.json()["functions"]
    assert f["outcome"] == "failed"
    assert "manifest unknown" in f["error"]["message"] and "Failed" in f["error"]["message"]
    text = fc("deploy", "-f", path)
    assert text.code == 1


def test_update_during_in_progress_waits_and_retries(fc, sdk, project):
    knob = {"FCCTL_EMULATOR_UPDATE_DELAY_S": "1"}
    path = str(project(spec(fn_yaml("busy", extra_env=knob))))
    assert fc("deploy", "-f", path).code == 0
    path = str(project(spec(fn_yaml("busy", level="a", extra_env=knob))))
    assert fc("deploy", "-f", path, "--no-wait").code == 0
    assert live(sdk, "busy")["lastUpdateStatus"] == "InProgress"
    path = str(project(spec(fn_yaml("busy", level="b", extra_env=knob))))
    run = fc("deploy", "-f", path)
    assert run.code == 0, run.err
    assert "InProgress; waiting" in run.err
    assert live(sdk, "busy")["environmentVariables"]["LEVEL"] == "b"


def test_faults_30_percent_converge_and_next_plan_is_clean(fc, emulator, project):
    names = [f"flaky-{i}" for i in range(8)]
    path = str(project(spec(*(fn_yaml(n) for n in names))))
    set_config(emulator, faultRate=0.3)
    codes, retried = [], False
    for _ in range(3):
        run = fc("deploy", "-f", path)
        codes.append(run.code)
        retried = retried or "retrying" in run.err
        if run.code == 0:
            break
    assert codes[-1] == 0, codes
    assert retried
    path2 = str(project(spec(*(fn_yaml(n, level="changed") for n in names))))
    for _ in range(3):
        if fc("deploy", "-f", path2).code == 0:
            break
    set_config(emulator, faultRate=0.0)
    clean = fc("plan", "-f", path2, "--detailed-exitcode")
    assert clean.code == 0, clean.out


def test_triggers_created_updated_deleted(fc, sdk, project):
    http = ("    triggers:\n"
            "      - triggerName: web\n        triggerType: http\n"
            "        triggerConfig: {authType: anonymous, methods: [GET, POST]}\n")
    timer = ("      - triggerName: tick\n        triggerType: timer\n"
             "        triggerConfig: {cronExpression: \"@every 5m\", enable: true, payload: \"x\"}\n")
    path = str(project(spec(fn_yaml("api", triggers=http + timer))))
    first = fc("deploy", "-f", path)
    assert first.code == 0
    assert "triggers: web created, tick created" in first.out
    trig = sdk.list_triggers("api", models.ListTriggersRequest()).body.to_map()["triggers"]
    assert sorted(t["triggerName"] for t in trig) == ["tick", "web"]
    web = [t for t in trig if t["triggerName"] == "web"][0]
    assert isinstance(web["triggerConfig"], str)
    assert json.loads(web["triggerConfig"])["methods"] == ["GET", "POST"]
    assert fc("plan", "-f", path, "--detailed-exitcode").code == 0

    changed = http.replace("[GET, POST]", "[GET]")
    path = str(project(spec(fn_yaml("api", triggers=changed))))
    plan = fc("plan", "-f", path, "-o", "json").json()
    acts = {t["triggerName"]: t["action"] for t in plan["functions"][0]["triggers"]}
    assert acts == {"web": "update", "tick": "delete"}
    assert fc("deploy", "-f", path).code == 0
    trig = sdk.list_triggers("api", models.ListTriggersRequest()).body.to_map()["triggers"]
    assert [t["triggerName"] for t in trig] == ["web"]
    assert json.loads(trig[0]["triggerConfig"])["methods"] == ["GET"]
    assert fc("plan", "-f", path, "--detailed-exitcode").code == 0


def test_sigkill_mid_deploy_converges_on_rerun(emulator, project, tmp_path):
    names = [f"k-{i:02d}" for i in range(10)]
    path = str(project(spec(*(fn_yaml(n) for n in names))))
    set_config(emulator, latencyMs=150)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "FCCTL_"))},
           "ALIBABA_CLOUD_ACCESS_KEY_ID": AK_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AK_SECRET,
           "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}
    cmd = [sys.executable, "-m", "fcctl", "--endpoint", emulator.url, "deploy", "-f", path,
           "--concurrency", "2"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    # kill it once it has started creating (its progress line says so)
    deadline = time.monotonic() + 60
    seen = b""
    while b"creating" not in seen and time.monotonic() < deadline:
        seen += proc.stderr.readline()
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    set_config(emulator, latencyMs=0)
    rerun = subprocess.run(cmd + ["-o", "json"], env=env, capture_output=True, text=True,
                           stdin=subprocess.DEVNULL, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    plan = subprocess.run([sys.executable, "-m", "fcctl", "--endpoint", emulator.url, "plan",
                           "-f", path, "--detailed-exitcode"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert plan.returncode == 0, plan.stdout


def test_ctrl_c_while_waiting_exits_130_and_rerun_converges(fc, emulator, project):
    knob = {"FCCTL_EMULATOR_UPDATE_DELAY_S": "2"}
    assert fc("deploy", "-f", str(project(spec(fn_yaml("int", extra_env=knob))))).code == 0
    path = str(project(spec(fn_yaml("int", level="new", extra_env=knob))))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "FCCTL_"))},
           "ALIBABA_CLOUD_ACCESS_KEY_ID": AK_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AK_SECRET,
           "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}
    proc = subprocess.Popen([sys.executable, "-m", "fcctl", "--endpoint", emulator.url, "deploy",
                             "-f", path, "--timeout", "120"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            # as from a terminal: a test runner in the background may ignore SIGINT
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = b""
    deadline = time.monotonic() + 60
    while b"waiting for lastUpdateStatus" not in seen and time.monotonic() < deadline:
        seen += proc.stderr.readline()
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (seen, err)
    assert b"Traceback" not in err
    run = fc("deploy", "-f", path)
    assert run.code == 0
    assert fc("plan", "-f", path, "--detailed-exitcode").code == 0


def test_rerun_after_no_wait_waits_for_the_pending_update_and_reports_failure(fc, sdk, project):
    knob = {"FCCTL_EMULATOR_UPDATE_DELAY_S": "1", "FCCTL_EMULATOR_FAIL_UPDATE": "late failure"}
    assert fc("deploy", "-f", str(project(spec(fn_yaml("late", extra_env=knob))))).code == 0
    path = str(project(spec(fn_yaml("late", level="z", extra_env=knob))))
    assert fc("deploy", "-f", path, "--no-wait").code == 0
    plan = fc("plan", "-f", path, "-o", "json")
    assert plan.code == 0
    assert plan.json()["functions"][0]["pending"] == "lastUpdateStatus InProgress"
    rerun = fc("deploy", "-f", path, "-o", "json")
    assert rerun.code == 1
    (f,) = rerun.json()["functions"]
    assert f["action"] == "noop" and f["outcome"] == "failed"
    assert f["lastUpdateStatus"] == "Failed" and "late failure" in f["error"]["message"]
    assert rerun.json()["summary"]["writeCalls"] == 0


def test_renamed_http_trigger_is_deleted_before_its_successor_is_created(fc, project):
    trig = ("    triggers:\n      - triggerName: {name}\n        triggerType: http\n"
            "        triggerConfig: {{authType: anonymous, methods: [GET]}}\n")
    assert fc("deploy", "-f", str(project(spec(fn_yaml("web", triggers=trig.format(name="a")))))).code == 0
    run = fc("deploy", "-f", str(project(spec(fn_yaml("web", triggers=trig.format(name="b"))))))
    assert run.code == 0
    # the progress lines follow the plan a non-interactive deploy prints first (its audit trail)
    progress = run.err.split("\nPlan: ", 1)[1]
    assert progress.index("trigger a: delete") < progress.index("trigger b: create")
