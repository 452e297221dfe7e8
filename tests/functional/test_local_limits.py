"""`fcctl local` holds its limits against misbehaving servers (tests/apps/): a hook's timeout is
a deadline for the whole exchange, a truncated answer is a failure, output is bounded, and
--data-file refuses what it cannot send."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from localhelpers import app_spec, assert_nothing_left, check_json, run_fcctl, step

pytestmark = pytest.mark.timeout(120)


def _wait_file(p: Path, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if p.exists() and p.read_text():
            return p.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{p} never written")


def test_trickling_initializer_is_cut_at_its_timeout(tmp_path):
    """/initialize sends one byte a second (about 140 s in all); the 3 s Initializer fails on
    its deadline and fcctl closes the connection long before the server is done trickling."""
    trickle_log = tmp_path / "trickle.log"
    spec = app_spec("trickle-init", tmp_path)
    code, doc, err = check_json(spec, env_extra={"APP_TRICKLE_LOG": str(trickle_log)})
    assert code == 1, err
    init = step(doc, "initializer")
    assert init["status"] == "failed" and init["limitSeconds"] == 3
    assert "no answer within the 3s timeout" in init["detail"], init
    assert "fcctl closed the connection" in init["detail"]
    assert step(doc, "invoke")["status"] == "skipped"
    assert step(doc, "preStop")["status"] == "skipped"  # no PreStop after a failed Initializer
    # the stop killed the server mid-trickle, or it saw the connection closed: never "finished"
    result = trickle_log.read_text() if trickle_log.exists() else "killed while trickling"
    assert result != "finished"
    assert_nothing_left(doc)


def test_trickling_server_sees_the_connection_closed(tmp_path):
    """Against a running instance (`local start`), the server itself observes the close."""
    import signal
    import subprocess
    import sys

    trickle_log = tmp_path / "trickle.log"
    spec = app_spec("trickle-init", tmp_path)
    env = dict(os.environ, APP_TRICKLE_LOG=str(trickle_log), APP_TRICKLE_EVERY="0.2")
    env.pop("FCCTL_OUTPUT", None)
    proc = subprocess.Popen([sys.executable, "-m", "fcctl", "local", "start", "-f", str(spec),
                             "--lazy-init"], cwd=str(tmp_path), env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        state = tmp_path / ".fcctl" / "local" / "trickle-init.json"
        _wait_file(state)
        res = run_fcctl(["-o", "json", "local", "invoke", "-f", str(spec)], cwd=tmp_path)
        assert res.returncode == 1
        doc = json.loads(res.stdout)
        assert doc["errorType"] == "InitializationError"
        assert "no answer within the 3s timeout" in doc["errorMessage"]
        # 140 bytes at 0.2 s would take 28 s; the server saw the close before the end
        result = _wait_file(trickle_log)
        assert result.startswith("closed after "), result
        assert int(result.split()[2]) < 140
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def test_truncated_invocation_answer_is_reported(tmp_path):
    spec = app_spec("truncated-invoke", tmp_path)
    code, doc, err = check_json(spec)
    assert code == 1, err
    inv = step(doc, "invoke")
    assert inv["status"] == "failed"
    assert "truncated response" in inv["detail"]
    assert "when 10 bytes of the body had arrived (Content-Length: 100)" in inv["detail"]
    assert doc["invocation"]["errorType"] == "UnhandledInvocationError"
    assert step(doc, "preStop")["status"] == "ok"
    assert_nothing_left(doc)


def test_huge_output_is_bounded(tmp_path):
    spec = app_spec("huge-output", tmp_path)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    code, doc, err = check_json(spec, env_extra={"TMPDIR": str(private_tmp)})
    assert code == 0, (err, doc and doc["steps"])
    from fcctl.runner.process import OUTPUT_KEEP_BYTES

    assert len(doc["serverOutput"].encode()) <= OUTPUT_KEEP_BYTES
    assert [p for p in private_tmp.iterdir() if p.name.startswith("fcctl")] == []  # no file
    assert_nothing_left(doc)


def test_initializer_500_says_fc_would_restart_and_404_says_not_resent(tmp_path):
    spec = app_spec("no-init-route", tmp_path)
    code, doc, _ = check_json(spec)
    assert code == 1
    detail = step(doc, "initializer")["detail"]
    assert "answered 404" in detail and "not re-sent" in detail
    assert "FC would restart" not in detail

    app = tmp_path / "app500"
    app.mkdir()
    (app / "server.py").write_text(
        "import os, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1] / 'apps' / '_lib')!r})\n"
        "import fcapp\n"
        "routes = dict(fcapp.HEALTHY)\n"
        "routes[('POST', '/initialize')] = lambda req: (500, 'boom')\n"
        "fcapp.serve(routes)\n")
    text = spec.read_text().replace("code: " + str(Path(__file__).resolve().parents[1] / "apps"
                                                   / "no-init-route"), f"code: {app}")
    spec.write_text(text)
    code, doc, _ = check_json(spec)
    assert code == 1
    detail = step(doc, "initializer")["detail"]
    assert "answered 500" in detail and "FC would restart this instance" in detail
    assert step(doc, "preStop")["status"] == "skipped"


@pytest.mark.parametrize("kind", ["fifo", "device", "directory", "too-big"])
def test_data_file_refuses_what_it_cannot_send(tmp_path, kind):
    spec = app_spec("healthy", tmp_path)
    if kind == "fifo":
        target = tmp_path / "events.fifo"
        os.mkfifo(target)  # opening it for reading would block forever without a writer
        want = "is a FIFO"
    elif kind == "device":
        target, want = Path(os.devnull), "is a device"
    elif kind == "directory":
        target, want = tmp_path, "is a directory"
    else:
        target = tmp_path / "big.bin"
        with open(target, "wb") as fh:
            fh.truncate(32 * 1024 * 1024 + 1)  # sparse: one byte over FC's 32 MB
        want = "payload limit is 32 MB"
    res = run_fcctl(["local", "invoke", "-f", str(spec), "--data-file", str(target)],
                    cwd=tmp_path, timeout=30)
    assert res.returncode == 2, res.stderr
    assert want in res.stderr and "--data-file" in res.stderr
