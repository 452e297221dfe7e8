"""`fcctl local check` end to end: the real CLI, real server processes, real HTTP.

Each misbehaving app in tests/apps/ must make the check exit 1 naming the failing step and
leave no process behind; the python-web template must pass with its hooks in FC's order.
"""

from __future__ import annotations

import shutil

import pytest

from localhelpers import (APPS, TEMPLATES, app_spec, assert_nothing_left, check_json,
                          free_port, run_fcctl, step)

pytestmark = pytest.mark.timeout(60)


def test_python_web_template_passes_with_hooks_in_fc_order(tmp_path):
    shutil.copytree(TEMPLATES / "python-web", tmp_path / "app")
    spec = tmp_path / "app" / "fc.yaml"
    spec.write_text(spec.read_text().replace("port: 9000", f"port: {free_port()}"))
    calls = tmp_path / "calls.log"
    code, doc, err = check_json(spec, "--data", '{"hello": 1}',
                                env_extra={"APP_CALL_LOG": str(calls)})
    assert code == 0, err
    assert doc["ok"] is True and doc["failedStep"] is None
    assert [s["step"] for s in doc["steps"]] == ["start", "ready", "initializer", "invoke",
                                                 "preStop", "stop"]
    assert all(s["status"] == "ok" for s in doc["steps"]), doc["steps"]
    # FC's order: Initializer first, then the invocation, PreStop last
    assert calls.read_text().split() == ["initialize", "invoke", "pre-stop"]
    assert step(doc, "initializer")["limitSeconds"] == 10
    assert '"hello": 1' in doc["invocation"]["body"]
    assert_nothing_left(doc)


def test_text_output_is_a_table_and_names_the_failed_step(tmp_path):
    spec = app_spec("no-init-route", tmp_path)
    res = run_fcctl(["local", "check", "-f", str(spec)], cwd=tmp_path)
    assert res.returncode == 1
    for name in ("start", "ready", "initializer", "invoke", "preStop", "stop"):
        assert name in res.stdout
    assert "local check failed at step 'initializer'" in res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize(
    "app, failed, words",
    [
        ("no-init-route", "initializer", ["404", "no /initialize route"]),
        ("slow-init", "initializer", ["no answer within the 1s timeout"]),
        ("loopback", "ready", ["127.0.0.1", "0.0.0.0"]),
        ("wrong-port", "ready", ["the process listens on 0.0.0.0:"]),
        ("prestop-crash", "preStop", ["closed the connection"]),
        ("exit-at-start", "ready", ["exited at start", "exit code 3", "DATABASE_URL is not set"]),
    ],
)
def test_misbehaving_app_fails_at_its_step_and_leaves_nothing(tmp_path, app, failed, words):
    spec = app_spec(app, tmp_path)
    code, doc, err = check_json(spec, "--ready-timeout", "3")
    assert code == 1, err
    assert doc["ok"] is False
    assert doc["failedStep"] == failed
    detail = step(doc, failed)["detail"]
    for w in words:
        assert w in detail, detail
    # steps before the failure succeeded; stop always ran and succeeded
    names = [s["step"] for s in doc["steps"]]
    for s in doc["steps"][: names.index(failed)]:
        assert s["status"] in ("ok", "skipped"), s
    assert step(doc, "stop")["status"] == "ok"
    assert_nothing_left(doc)


def test_wrong_port_names_the_port_the_server_uses(tmp_path):
    import re

    port = free_port()
    spec = app_spec("wrong-port", tmp_path, port=port)
    code, doc, _ = check_json(spec, "--ready-timeout", "1")
    assert code == 1
    detail = step(doc, "ready")["detail"]
    used = re.search(r"the process listens on 0\.0\.0\.0:(\d+)", detail)
    assert used and int(used.group(1)) != port, detail
    assert f"FC_SERVER_PORT ({port})" in detail


def test_failed_initializer_gives_initialization_error_and_no_invocation(tmp_path):
    calls = tmp_path / "calls.log"
    spec = app_spec("slow-init", tmp_path)
    code, doc, _ = check_json(spec, env_extra={"APP_CALL_LOG": str(calls)})
    assert code == 1
    assert step(doc, "invoke")["status"] == "skipped"
    assert doc["invocation"]["errorType"] == "InitializationError"
    assert doc["invocation"]["headers"]["x-fc-error-type"] == "InitializationError"
    assert doc["invocation"]["status"] == 200
    assert "POST /invoke" not in calls.read_text()


def test_command_initializer_with_bash_syntax_fails_under_sh(tmp_path):
    # a custom container run with --command; /code/warmup.sh maps to the spec's directory
    spec = app_spec("bash-warmup", tmp_path)
    shutil.copy(APPS / "bash-warmup" / "warmup.sh", tmp_path / "warmup.sh")
    code, doc, err = check_json(spec, "--command", f"python3 {APPS / 'bash-warmup' / 'server.py'}")
    assert code == 1, err
    assert doc["failedStep"] == "initializer"
    detail = step(doc, "initializer")["detail"]
    assert "/bin/sh" in detail and "bash syntax" in detail
    assert_nothing_left(doc)


def test_container_without_docker_requires_command(tmp_path):
    spec = app_spec("bash-warmup", tmp_path)
    res = run_fcctl(["local", "check", "-f", str(spec)], cwd=tmp_path)
    assert res.returncode == 2
    assert "--command" in res.stderr and "Docker" in res.stderr
    assert "Traceback" not in res.stderr


def test_port_already_in_use_fails_at_start(tmp_path):
    import socket

    import os

    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        s.listen()
        spec = app_spec("healthy", tmp_path, port=s.getsockname()[1])
        code, doc, _ = check_json(spec)
        assert code == 1
        assert doc["failedStep"] == "start"
        detail = step(doc, "start")["detail"]
        assert "already in use by pid " in detail and str(os.getpid()) in detail
        # --port moves the instance (the app reads FC_SERVER_PORT)
        code, doc, err = check_json(spec, "--port", str(free_port()))
        assert code == 0, err


def test_instance_environment_and_headers(tmp_path):
    """FC's variables reach the server; credentials only with --pass-credentials, never printed."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "server.py").write_text(
        "import json, os, sys\n"
        f"sys.path.insert(0, {str(APPS / '_lib')!r})\n"
        "import fcapp\n"
        "def inv(req):\n"
        "    env = {k: v for k, v in os.environ.items() if k.startswith(('FC_', 'ALIBABA_', 'MY_'))}\n"
        "    hdr = {k.lower(): v for k, v in req.headers.items() if k.lower().startswith('x-fc-')}\n"
        "    hdr['secret-echo'] = hdr.get('x-fc-access-key-secret', '')\n"
        "    hdr['secret-len'] = len(hdr.pop('x-fc-access-key-secret', ''))\n"
        "    return 200, json.dumps({'env': env, 'headers': hdr})\n"
        "print('token is', os.environ['MY_API_TOKEN'], flush=True)  # a careless log line\n"
        "routes = dict(fcapp.HEALTHY); routes[('POST', '/invoke')] = inv\n"
        "fcapp.serve(routes)\n")
    port = free_port()
    (tmp_path / "fc.yaml").write_text(f"""
region: cn-shanghai
functions:
  - functionName: envcheck
    runtime: custom.debian10
    handler: index.handler
    code: ./app
    memorySize: 256
    customRuntimeConfig: {{command: [python3, server.py], port: {port}}}
    environmentVariables: {{MY_SETTING: abc, MY_API_TOKEN: tok-very-secret-1}}
""")
    secret_env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIexampleid",
                  "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "sk-super-secret-value"}
    code, doc, err = check_json(tmp_path / "fc.yaml", env_extra=secret_env)
    assert code == 0, err
    import json

    seen = json.loads(doc["invocation"]["body"])
    env, hdr = seen["env"], seen["headers"]
    assert env["FC_FUNCTION_NAME"] == "envcheck" and env["FC_REGION"] == "cn-shanghai"
    assert env["FC_SERVER_PORT"] == str(port) and env["FC_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["FC_INSTANCE_ID"] == doc["instanceId"] and env["MY_SETTING"] == "abc"
    assert "ALIBABA_CLOUD_ACCESS_KEY_SECRET" not in env
    assert "x-fc-access-key-secret" not in hdr
    assert hdr["x-fc-function-name"] == "envcheck" and hdr["x-fc-region"] == "cn-shanghai"
    assert hdr["x-fc-control-path"] == "/invoke" and hdr["x-fc-request-id"]

    code, doc, err = check_json(tmp_path / "fc.yaml", "--pass-credentials",
                                env_extra=secret_env)
    assert code == 0, err
    body = doc["invocation"]["body"]
    seen = json.loads(body)
    # the server received the secret (it echoes it back; fcctl masks the echo) ...
    assert seen["headers"]["secret-len"] == len("sk-super-secret-value")
    assert seen["headers"]["secret-echo"] == "***"
    assert seen["headers"]["x-fc-access-key-id"] == "LTAIexampleid"
    assert seen["env"]["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] == "***"
    assert "sk-super-secret-value" not in json.dumps(doc)
    # secret-looking spec variables are masked in the server output fcctl shows
    assert "token is ***" in doc["serverOutput"]
    assert "tok-very-secret-1" not in json.dumps(doc)
    res = run_fcctl(["local", "check", "-f", str(tmp_path / "fc.yaml"), "--pass-credentials"],
                    cwd=tmp_path, env_extra=secret_env)
    assert res.returncode == 0
    # ... and fcctl never prints it
    assert "sk-super-secret-value" not in res.stdout + res.stderr
    assert "tok-very-secret-1" not in res.stdout + res.stderr


def test_health_check_url_is_probed(tmp_path):
    """customRuntimeConfig.healthCheckConfig.httpGetUrl: ready only after it answers 2xx."""
    port = free_port()
    (tmp_path / "fc.yaml").write_text(f"""
region: cn-hangzhou
functions:
  - functionName: hc
    runtime: custom.debian10
    handler: index.handler
    code: {APPS / 'healthy'}
    customRuntimeConfig:
      command: [python3, server.py]
      port: {port}
      healthCheckConfig: {{httpGetUrl: /healthz, timeoutSeconds: 1}}
""")
    code, doc, _ = check_json(tmp_path / "fc.yaml", "--ready-timeout", "1")
    assert code == 1 and doc["failedStep"] == "ready"
    detail = step(doc, "ready")["detail"]
    assert "health check" in detail and "GET /healthz answered 404" in detail
    assert_nothing_left(doc)


def _kill9(pid: int) -> None:
    import os

    try:
        os.kill(pid, 9)
    except OSError:
        pass


def _read_pid(path, timeout: float = 15.0) -> int:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return int(path.read_text())
        time.sleep(0.02)
    raise AssertionError(f"{path} never written")


def test_descendant_that_left_the_group_and_dropped_the_tag_is_killed(tmp_path):
    """escaper: ignores SIGTERM; a grandchild setsid()s and execs with a fresh environment, so
    neither killpg nor the tag finds it. fcctl (a child subreaper) kills it and says so."""
    from localhelpers import pid_alive

    stray_file = tmp_path / "stray.pid"
    spec = app_spec("escaper", tmp_path)
    try:
        code, doc, err = check_json(spec, env_extra={"APP_STRAY_PID_FILE": str(stray_file)})
        stray = _read_pid(stray_file)
        assert code == 0, err
        stop = step(doc, "stop")
        assert stop["status"] == "ok"
        assert "1 stray process(es) killed" in stop["detail"], stop
        assert not pid_alive(stray), "the escaped descendant survived `local check`"
        assert_nothing_left(doc)
    finally:
        if stray_file.exists():
            _kill9(int(stray_file.read_text()))


@pytest.mark.parametrize("args, words", [
    (["local", "check", "--command", "'unclosed"], ["--command", "No closing quotation"]),
    (["local", "check", "--command", ""], ["--command is empty"]),
    (["local", "check", "--ready-timeout", "-1"], ["--ready-timeout", "greater than 0"]),
    (["local", "check", "--ready-timeout", "0"], ["--ready-timeout", "greater than 0"]),
    (["local", "check", "--ready-timeout", "nan"], ["--ready-timeout", "finite"]),
    (["local", "check", "--path", "nope"], ["--path", "must start with '/'"]),
    (["local", "check", "--path", "/x y"], ["--path", "spaces"]),
    (["local", "invoke", "--path", "nope"], ["--path", "must start with '/'"]),
    (["local", "invoke", "--command", ""], ["--command is empty"]),
    (["local", "start", "--ready-timeout", "inf"], ["--ready-timeout", "finite"]),
    (["local", "start", "--command", "a 'b"], ["--command", "No closing quotation"]),
])
def test_bad_option_values_are_usage_errors(tmp_path, args, words):
    spec = app_spec("healthy", tmp_path)
    res = run_fcctl([*args, "-f", str(spec)], cwd=tmp_path, timeout=30)
    assert res.returncode == 2, res.stdout + res.stderr
    for w in words:
        assert w in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr
    assert not (tmp_path / ".fcctl" / "local").exists() or \
        not list((tmp_path / ".fcctl" / "local").iterdir())  # nothing was started


def test_code_in_oss_requires_command(tmp_path):
    """code: {ossBucketName, ossObjectName} is not downloaded: the spec's command must not run
    in the spec's directory as if it were the code."""
    port = free_port()
    (tmp_path / "fc.yaml").write_text(f"""
region: cn-hangzhou
functions:
  - functionName: ossfn
    runtime: custom.debian10
    handler: index.handler
    code: {{ossBucketName: my-bucket, ossObjectName: code.zip}}
    customRuntimeConfig: {{command: [python3, {APPS / 'healthy' / 'server.py'}], port: {port}}}
""")
    res = run_fcctl(["local", "check", "-f", str(tmp_path / "fc.yaml")], cwd=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "OSS" in res.stderr and "oss://my-bucket/code.zip" in res.stderr
    assert "--command" in res.stderr and "Traceback" not in res.stderr
    code, doc, err = check_json(tmp_path / "fc.yaml", "--command",
                                f"python3 {APPS / 'healthy' / 'server.py'}")
    assert code == 0, err
    assert_nothing_left(doc)


def test_durations_and_timeouts_are_printed_rounded(tmp_path):
    """The health check's last attempt gets what is left of --ready-timeout as its timeout; it
    was printed as e.g. 'within the 0.665539s timeout'."""
    import re

    app = tmp_path / "app"
    app.mkdir()
    (app / "server.py").write_text(
        "import sys, threading\n"
        f"sys.path.insert(0, {str(APPS / '_lib')!r})\n"
        "import fcapp\n"
        "def hang(req):\n"
        "    threading.Event().wait(30)\n"
        "    return 200, 'late'\n"
        "routes = dict(fcapp.HEALTHY); routes[('GET', '/healthz')] = hang\n"
        "fcapp.serve(routes)\n")
    port = free_port()
    (tmp_path / "fc.yaml").write_text(f"""
region: cn-hangzhou
functions:
  - functionName: hc
    runtime: custom.debian10
    handler: index.handler
    code: ./app
    customRuntimeConfig:
      command: [python3, server.py]
      port: {port}
      healthCheckConfig: {{httpGetUrl: /healthz, timeoutSeconds: 1}}
""")
    code, doc, _ = check_json(tmp_path / "fc.yaml", "--ready-timeout", "1.55")
    assert code == 1 and doc["failedStep"] == "ready"
    detail = step(doc, "ready")["detail"]
    assert "no answer within the" in detail, detail
    assert not re.search(r"\d\.\d{3,}s", detail), detail
    res = run_fcctl(["local", "check", "-f", str(tmp_path / "fc.yaml"), "--ready-timeout",
                     "1.55"], cwd=tmp_path)
    assert res.returncode == 1
    assert not re.search(r"\d\.\d{4,}", res.stdout + res.stderr), res.stdout + res.stderr
    assert "1.55s" in res.stdout
    assert_nothing_left(doc)


@pytest.mark.skipif(not __import__("os").path.realpath("/bin/sh").endswith("dash"),
                    reason="/bin/sh is not dash here")
def test_command_initializer_with_not_found_lines_succeeds_with_a_warning(tmp_path):
    """warmup.sh uses `[[` under /bin/sh: dash prints '[[: not found' and the script exits 0.
    FC counts that as success; fcctl says so, with a warning."""
    spec = app_spec("sh-not-found", tmp_path)
    shutil.copy(APPS / "sh-not-found" / "warmup.sh", tmp_path / "warmup.sh")
    code, doc, err = check_json(spec, "--command", f"python3 {APPS / 'healthy' / 'server.py'}")
    assert code == 0, err
    init = step(doc, "initializer")
    assert init["status"] == "ok"
    assert "exited 0" in init["detail"]
    assert "warning" in init["detail"] and "[[: not found" in init["detail"], init
    assert "bash syntax" in init["detail"]
    assert_nothing_left(doc)
