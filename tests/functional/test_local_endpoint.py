"""`--endpoint local` / FCCTL_ENDPOINT=local: the embedded emulator, persistent across processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def fcctl(*args, env, cwd=REPO):
    return subprocess.run([sys.executable, "-m", "fcctl", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120, stdin=subprocess.DEVNULL)


def local_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "FCCTL_"))}
    env.update({"FCCTL_ENDPOINT": "local", "FCCTL_LOCAL_STATE": str(tmp_path / "local.sqlite3"),
                "HOME": str(tmp_path), "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"})
    return env


def test_example_deploys_locally_and_a_new_process_plans_no_changes(tmp_path):
    env = local_env(tmp_path)
    example = str(REPO / "fc.yaml.example")
    assert fcctl("validate", "-f", example, env=env).returncode == 0
    first = fcctl("deploy", "-f", example, env=env)
    assert first.returncode == 0, first.stderr
    assert "create" in first.stdout
    second = fcctl("plan", "-f", example, "--detailed-exitcode", env=env)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "no changes" in second.stdout
    assert (tmp_path / "local.sqlite3").exists()
    again = fcctl("deploy", "-f", example, "-o", "json", env=env)
    assert again.returncode == 0
    assert '"writeCalls": 0' in again.stdout


def test_global_option_and_per_command_option_agree(tmp_path):
    env = local_env(tmp_path)
    env.pop("FCCTL_ENDPOINT")
    example = str(REPO / "fc.yaml.example")
    assert fcctl("deploy", "-f", example, "--endpoint", "local", env=env).returncode == 0
    plan = fcctl("--endpoint", "local", "plan", "-f", example, "--detailed-exitcode", env=env)
    assert plan.returncode == 0, plan.stdout + plan.stderr


def test_unusable_local_state_is_a_usage_error(tmp_path):
    env = local_env(tmp_path)
    (tmp_path / "garbage.db").write_text("not sqlite")
    for state in (tmp_path, tmp_path / "garbage.db"):
        env["FCCTL_LOCAL_STATE"] = str(state)
        run = fcctl("plan", "-f", str(REPO / "fc.yaml.example"), env=env)
        assert run.returncode == 2, run.stderr
        assert "FCCTL_LOCAL_STATE" in run.stderr and "Traceback" not in run.stderr
