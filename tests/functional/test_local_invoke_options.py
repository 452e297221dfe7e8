"""`fcctl local`: /code in environment values, the import-failure hint, and `local invoke`
finding the only running instance, with --method and --header."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from localhelpers import APPS, FCCTL, check_json, free_port, run_fcctl, step

pytestmark = pytest.mark.timeout(90)

LIB = APPS / "_lib"

APP = (
    "import os, sys\n"
    f"sys.path.insert(0, {str(LIB)!r})\n"
    "import fcapp\n"
    "def show(req):\n"
    "    return 200, (req.command + ' ' + req.headers.get('x-demo', '-') + ' '\n"
    "                 + req.headers.get('content-type', '-') + ' ' + os.environ.get('FC_FUNCTION_NAME'))\n"
    "routes = dict(fcapp.HEALTHY)\n"
    "routes[('GET', '/')] = show\n"
    "routes[('POST', '/')] = show\n"
    "fcapp.serve(routes)\n"
)


def _fn(name: str, port: int, code: Path, extra: str = "") -> str:
    return (f"  - functionName: {name}\n"
            "    runtime: custom.debian10\n"
            "    handler: index.handler\n"
            f"    code: {code}\n"
            "    timeout: 5\n"
            f"    customRuntimeConfig: {{command: [python3, server.py], port: {port}}}\n" + extra)


def test_code_paths_in_environment_values_are_mapped(tmp_path):
    code = tmp_path / "code"
    (code / "python" / "mylib").mkdir(parents=True)
    (code / "python" / "mylib" / "__init__.py").write_text("VALUE = 'from /code/python'\n")
    (code / "server.py").write_text(
        f"import sys\nsys.path.insert(0, {str(LIB)!r})\n"
        "import fcapp, mylib\n"
        "routes = dict(fcapp.HEALTHY)\n"
        "routes[('POST', '/invoke')] = lambda req: (200, mylib.VALUE)\n"
        "fcapp.serve(routes)\n")
    spec = tmp_path / "fc.yaml"
    spec.write_text("region: cn-hangzhou\nfunctions:\n" + _fn(
        "envmap", free_port(), code,
        "    environmentVariables: {PYTHONPATH: /code/python}\n"))
    code_, doc, err = check_json(spec)
    if os.path.exists("/code"):  # FC's code path itself
        pytest.skip("/code exists on this machine: paths are not mapped")
    assert code_ == 0, (err, doc and doc["steps"])
    assert doc["invocation"]["body"] == "from /code/python"


def test_import_failure_gets_a_hint(tmp_path):
    code = tmp_path / "code"
    code.mkdir()
    (code / "server.py").write_text("import surely_not_installed_module_xyz\n")
    spec = tmp_path / "fc.yaml"
    spec.write_text("region: cn-hangzhou\nfunctions:\n" + _fn("importer", free_port(), code))
    code_, doc, _ = check_json(spec)
    assert code_ == 1
    ready = step(doc, "ready")
    assert ready["status"] == "failed"
    assert "could not import a module" in ready["detail"]
    assert "surely_not_installed_module_xyz" in ready["detail"]
    assert "PYTHONPATH" in ready["detail"]


def test_invoke_finds_the_only_running_instance_and_takes_method_and_headers(tmp_path):
    code = tmp_path / "code"
    code.mkdir()
    (code / "server.py").write_text(APP)
    spec = tmp_path / "fc.yaml"
    spec.write_text("region: cn-hangzhou\nfunctions:\n" + _fn("one", free_port(), code)
                    + _fn("two", free_port(), code))
    env = dict(os.environ)
    env.pop("FCCTL_OUTPUT", None)
    # neither runs: --function is still needed
    res = run_fcctl(["local", "invoke", "-f", str(spec)], cwd=tmp_path)
    assert res.returncode == 2 and "several functions" in res.stderr
    proc = subprocess.Popen(FCCTL + ["local", "start", "-f", str(spec), "--function", "two"],
                            cwd=str(tmp_path), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        state = tmp_path / ".fcctl" / "local" / "two.json"
        deadline = time.monotonic() + 30
        while not state.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert state.exists()
        res = run_fcctl(["-o", "json", "local", "invoke", "-f", str(spec), "--path", "/",
                         "--method", "get", "-H", "x-demo: hello", "--header",
                         "content-type: application/json"], cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        assert json.loads(res.stdout)["body"] == "GET hello application/json two"
        for bad, why in ((["--header", "x-fc-request-id: 1"], "FC's own"),
                         (["--header", "no colon"], "'Name: value'"),
                         (["--header", "content-length: 3"], "sets this header itself"),
                         (["--method", "GE T"], "not an HTTP method")):
            res = run_fcctl(["local", "invoke", "-f", str(spec), *bad], cwd=tmp_path)
            assert res.returncode == 2 and why in res.stderr, (bad, res.stderr)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130  # Ctrl-C stopped `local start`: 130, like every command
