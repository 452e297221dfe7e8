"""Prompts before changing live state follow stdin alone (issue 12 item 1).

fcctl runs in a real subprocess whose stdin is the slave side of a real pseudo-terminal
(``os.openpty``); stdout and stderr are pipes — the "2>log" and "-o json" cases. Nothing here
mocks ``isatty``."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time

from tests.functional.conftest import AK_ID, AK_SECRET
from tests.functional.test_rollout import write_spec

TWO = """\
region: cn-hangzhou
functions:
  - functionName: {a}
    runtime: custom.debian10
    handler: index.handler
    code: ./app
    customRuntimeConfig: {{command: [python3, app.py], port: 9000}}
  - functionName: {b}
    runtime: custom.debian10
    handler: index.handler
    code: ./app
    customRuntimeConfig: {{command: [python3, app.py], port: 9000}}
"""


def _env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "FCCTL_"))}
    env.update({"ALIBABA_CLOUD_ACCESS_KEY_ID": AK_ID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AK_SECRET,
                "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"})
    return env


class OnTerminal:
    """``python -m fcctl ARGS`` with stdin on a pty; ``expect`` reads what fcctl wrote to the
    terminal, ``send`` types an answer."""

    def __init__(self, args, emulator):
        self.master, slave = os.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fcctl", "--endpoint", emulator.url, *args],
            stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(),
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        os.close(slave)
        self.seen = b""

    def expect(self, text: bytes, limit_s: float = 60) -> bytes:
        end = time.monotonic() + limit_s  # a safety net only: the text normally comes at once
        while text not in self.seen and time.monotonic() < end:
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the child closed the terminal
                    break
                if not chunk:
                    break
                self.seen += chunk
            elif self.proc.poll() is not None:
                break
        assert text in self.seen, (self.seen, self.proc.poll())
        return self.seen

    def send(self, text: bytes) -> None:
        os.write(self.master, text)

    def finish(self):
        out, err = self.proc.communicate(timeout=120)
        os.close(self.master)
        return self.proc.returncode, out.decode(), err.decode()


def test_deploy_on_a_terminal_asks_even_with_stderr_redirected(emulator, project, api_log):
    spec = write_spec(project)
    t = OnTerminal(["deploy", "-f", spec], emulator)
    shown = t.expect(b"Apply these changes? [y/N]: ")
    assert b"worker" in shown  # the plan is shown on the terminal before the question
    t.send(b"n\n")
    code, _out, err = t.finish()
    assert code == 1
    assert "cancelled; nothing was changed" in err
    assert api_log.writes() == []
    assert AK_SECRET.encode() not in shown


def test_deploy_on_a_terminal_applies_after_yes(emulator, project, api_log):
    spec = write_spec(project)
    t = OnTerminal(["deploy", "-f", spec], emulator)
    t.expect(b"Apply these changes? [y/N]: ")
    t.send(b"y\n")
    code, _out, err = t.finish()
    assert code == 0, err
    assert any(w["path"].endswith("/functions") for w in api_log.writes())


def test_deploy_json_on_a_terminal_without_yes_is_refused_before_any_call(emulator, project,
                                                                           api_log):
    spec = write_spec(project)
    t = OnTerminal(["deploy", "-f", spec, "-o", "json"], emulator)
    code, out, err = t.finish()
    assert code == 2
    error = json.loads(out)["error"]
    assert error["type"] == "UsageError" and "--yes" in error["message"]
    assert api_log.all() == []


def test_deploy_json_on_a_terminal_with_yes_applies_without_asking(emulator, project, api_log):
    spec = write_spec(project)
    t = OnTerminal(["deploy", "-f", spec, "-o", "json", "--yes"], emulator)
    code, out, err = t.finish()
    assert code == 0, err
    assert json.loads(out)["schemaVersion"] == 1
    assert b"[y/N]" not in t.seen
    assert api_log.writes()


def test_pipeline_never_asks(fc_proc, project, api_log):
    """stdin not a terminal (the CI case): no question, the deploy proceeds, as before."""
    spec = write_spec(project)
    run = fc_proc("deploy", "-f", spec, "-o", "json")
    assert run.code == 0, run.err
    assert "[y/N]" not in run.err
    assert api_log.writes()


def test_rollout_of_several_functions_asks_on_a_terminal(fc, emulator, project, api_log):
    spec = str(project(TWO.format(a="alpha", b="beta")))
    assert fc("deploy", "-f", spec).code == 0
    api_log.clear()
    t = OnTerminal(["rollout", "-f", spec], emulator)
    t.expect(b"Roll out 2 functions (alpha, beta)? [y/N]: ")
    t.send(b"\n")  # the default is no
    code, _out, err = t.finish()
    assert code == 1, err
    assert api_log.writes() == []

    t = OnTerminal(["rollout", "-f", spec, "-o", "json"], emulator)
    code, out, err = t.finish()
    assert code == 2 and "--yes" in json.loads(out)["error"]["message"]
    assert api_log.all() == []


def test_rollout_of_one_function_does_not_ask(fc, emulator, project):
    spec = write_spec(project)
    assert fc("deploy", "-f", spec).code == 0
    t = OnTerminal(["rollout", "-f", spec, "worker", "--detach"], emulator)
    code, _out, err = t.finish()
    assert code == 0, err
    assert b"[y/N]" not in t.seen


def test_ctrl_c_at_the_question_exits_130_and_changes_nothing(emulator, project, api_log):
    spec = write_spec(project)
    t = OnTerminal(["deploy", "-f", spec], emulator)
    t.expect(b"Apply these changes? [y/N]: ")
    t.proc.send_signal(signal.SIGINT)
    code, _out, err = t.finish()
    assert code == 130, err
    assert "Traceback" not in err
    assert api_log.writes() == []
