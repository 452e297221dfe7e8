"""Terminal polish (issue 12 item 7), through the real CLI: shell completion (typer's standard,
bash / zsh / fish), `init` naming the function after the project with an HTTP trigger and the
schema line, the emulator's default port, and Ctrl-C exiting 130."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
import yaml

from tests.functional.conftest import AK_ID, AK_SECRET

FCCTL = [sys.executable, "-m", "fcctl"]


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "FCCTL_",
                                                                     "_FCCTL_", "_TYPER_"))}
    env["ALIBABA_CLOUD_ECS_METADATA_DISABLED"] = "true"
    env.update(extra)
    return env


def _run(args, cwd, **env):
    return subprocess.run(FCCTL + list(args), cwd=str(cwd), env=_env(**env), capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


# --- completion ---------------------------------------------------------------------------------

@pytest.mark.parametrize("shell,marker", [("bash", "complete -o default -F _fcctl_completion"),
                                          ("zsh", "#compdef fcctl"),
                                          ("fish", "complete --command fcctl")])
def test_show_completion_for_each_shell(tmp_path, shell, marker):
    # typer's own switch for naming the shell instead of detecting the parent process's
    res = _run(["--show-completion", shell], tmp_path,
               _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    assert res.returncode == 0, res.stderr
    assert marker in res.stdout and "_FCCTL_COMPLETE" in res.stdout


def test_install_completion_writes_the_bash_script(tmp_path):
    res = _run(["--install-completion", "bash"], tmp_path, HOME=str(tmp_path),
               _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1")
    assert res.returncode == 0, res.stderr
    script = tmp_path / ".bash_completions" / "fcctl.sh"
    assert "_FCCTL_COMPLETE" in script.read_text()
    assert str(script) in (tmp_path / ".bashrc").read_text()


@pytest.mark.parametrize("shell,env", [
    ("bash", {"COMP_WORDS": "fcctl do", "COMP_CWORD": "1"}),
    ("zsh", {"_TYPER_COMPLETE_ARGS": "fcctl do"}),
    ("fish", {"_TYPER_COMPLETE_ARGS": "fcctl do", "_TYPER_COMPLETE_FISH_ACTION": "get-args"}),
])
def test_completion_answers_command_names(tmp_path, shell, env):
    """What the installed script asks fcctl at each Tab: the commands, every module registered."""
    res = _run([], tmp_path, _FCCTL_COMPLETE=f"complete_{shell}", **env)
    assert res.returncode == 0, res.stderr
    assert "doctor" in res.stdout and "deploy" not in res.stdout


def test_completion_of_a_subcommand(tmp_path):
    res = _run([], tmp_path, _FCCTL_COMPLETE="complete_bash", COMP_WORDS="fcctl emulator s",
               COMP_CWORD="2")
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["serve"]


# --- init ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("directory,expected", [("my shop", "my-shop"), ("orders_api", "orders_api"),
                                                ("2024.report", "fn-2024-report")])
def test_init_names_the_function_after_the_project(tmp_path, directory, expected):
    res = _run(["init", "python-web", directory], tmp_path)
    assert res.returncode == 0, res.stderr
    spec = yaml.safe_load((tmp_path / directory / "fc.yaml").read_text())
    assert [f["functionName"] for f in spec["functions"]] == [expected]
    assert _run(["validate"], tmp_path / directory).returncode == 0


@pytest.mark.parametrize("template", ["python-web", "python-container", "gpu-container"])
def test_http_templates_have_a_trigger_and_the_schema_line(tmp_path, template):
    res = _run(["init", template, "app"], tmp_path)
    assert res.returncode == 0, res.stderr
    text = (tmp_path / "app" / "fc.yaml").read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=./fcctl.schema.json"
    schema = _run(["schema"], tmp_path).stdout
    assert (tmp_path / "app" / "fcctl.schema.json").read_text() == schema
    (fn,) = yaml.safe_load(text)["functions"]
    assert [(t["triggerName"], t["triggerType"]) for t in fn["triggers"]] == [("http", "http")]
    from jsonschema import Draft202012Validator

    Draft202012Validator(json.loads(schema)).validate(yaml.safe_load(text))


def test_scaffolded_web_app_deploys_with_its_http_trigger(tmp_path, emulator, sdk):
    assert _run(["init", "python-web", "shop"], tmp_path).returncode == 0
    res = _run(["--endpoint", emulator.url, "deploy"], tmp_path / "shop",
               ALIBABA_CLOUD_ACCESS_KEY_ID=AK_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET=AK_SECRET)
    assert res.returncode == 0, res.stderr
    from alibabacloud_fc20230330 import models

    triggers = sdk.list_triggers("shop", models.ListTriggersRequest()).body.to_map()["triggers"]
    assert [(t["triggerName"], t["triggerType"]) for t in triggers] == [("http", "http")]


# --- emulator port and Ctrl-C -------------------------------------------------------------------

def _serve(tmp_path, *args):
    return subprocess.Popen(
        FCCTL + ["emulator", "serve", "--state", str(tmp_path / "e.db"), *args], cwd=str(tmp_path),
        env=_env(ALIBABA_CLOUD_ACCESS_KEY_ID=AK_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET=AK_SECRET),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def test_emulator_default_port_is_not_fcs_custom_runtime_port(tmp_path):
    proc = _serve(tmp_path)
    first = proc.stderr.readline()
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    # on a shared machine 9100 may be taken: then the refusal names the same default
    assert ("listening on http://127.0.0.1:9100 " in first
            or "cannot listen on 127.0.0.1:9100" in first), first


def test_ctrl_c_stops_the_emulator_with_130(tmp_path):
    proc = _serve(tmp_path, "--port", "0")
    first = proc.stderr.readline()
    assert "listening on" in first, first
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
