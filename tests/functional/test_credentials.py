"""Credentials as the SDK reads them (issue 12 item 5), through the real CLI in a subprocess
with HOME set to a temporary directory: ``--profile`` in ``~/.alibabacloud/credentials.ini``
(or ``$ALIBABA_CLOUD_CREDENTIALS_FILE``) and ``~/.aliyun/config.json``, half an environment key
pair refused, and ``fcctl doctor`` / ``--debug`` naming the provider without the secret."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.functional.conftest import AK_ID, AK_SECRET
from tests.functional.test_rollout import write_spec

INI = """\
[{name}]
type = access_key
access_key_id = {ak}
access_key_secret = {secret}
"""
OTHER_SECRET = "a-cli-profile-secret-never-printed"


def run(home, *args, env=None, endpoint=None):
    child = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "FCCTL_"))}
    child.update({"HOME": str(home), "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"})
    child.update(env or {})
    argv = [sys.executable, "-m", "fcctl"] + (["--endpoint", endpoint] if endpoint else [])
    proc = subprocess.run(argv + list(args), capture_output=True, text=True, env=child,
                          stdin=subprocess.DEVNULL, timeout=120)
    for secret in (AK_SECRET, OTHER_SECRET):
        assert secret not in proc.stdout and secret not in proc.stderr
    return proc


def ini(home, name="dev", ak=AK_ID, secret=AK_SECRET, path=None):
    path = path or home / ".alibabacloud" / "credentials.ini"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(INI.format(name=name, ak=ak, secret=secret))
    return path


def cli_config(home, name="default", ak="LTAIcliprofile0000", secret=OTHER_SECRET):
    path = home / ".aliyun" / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"current": name, "profiles": [
        {"name": name, "mode": "AK", "access_key_id": ak, "access_key_secret": secret}]}))
    return path


def test_profile_from_credentials_ini(tmp_path, emulator, project, api_log):
    ini(tmp_path)
    proc = run(tmp_path, "--profile", "dev", "plan", "-f", write_spec(project),
               endpoint=emulator.url)
    assert proc.returncode == 0, proc.stderr
    assert api_log.all()  # the emulator accepted the pair read from the file


def test_profile_from_the_credentials_file_variable(tmp_path, emulator, project):
    path = ini(tmp_path, name="ci", path=tmp_path / "elsewhere.ini")
    proc = run(tmp_path, "--profile", "ci", "plan", "-f", write_spec(project),
               endpoint=emulator.url, env={"ALIBABA_CLOUD_CREDENTIALS_FILE": str(path)})
    assert proc.returncode == 0, proc.stderr


def test_missing_profile_names_both_files(tmp_path, project):
    ini(tmp_path)
    proc = run(tmp_path, "--profile", "nope", "plan", "-f", write_spec(project))
    assert proc.returncode == 2
    assert "credentials.ini" in proc.stderr and ".aliyun/config.json" in proc.stderr


def test_key_id_without_secret_is_an_error_not_a_switch_to_a_profile(tmp_path, emulator,
                                                                     project, api_log):
    cli_config(tmp_path)  # a usable profile the library would silently fall back to
    proc = run(tmp_path, "plan", "-f", write_spec(project), endpoint=emulator.url,
               env={"ALIBABA_CLOUD_ACCESS_KEY_ID": AK_ID})
    assert proc.returncode == 2
    assert "ALIBABA_CLOUD_ACCESS_KEY_SECRET is set" not in proc.stderr
    assert "ALIBABA_CLOUD_ACCESS_KEY_SECRET is not" in proc.stderr
    assert api_log.all() == []


def test_secret_without_key_id_names_the_id(tmp_path, project):
    cli_config(tmp_path)
    proc = run(tmp_path, "doctor", env={"ALIBABA_CLOUD_ACCESS_KEY_SECRET": AK_SECRET})
    assert proc.returncode == 2
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID is not" in proc.stderr


def test_doctor_names_the_profile_file_and_masks_the_key_id(tmp_path, emulator, api_log):
    ini(tmp_path, ak="LTAI5tQwErTyUiOpabcd")
    proc = run(tmp_path, "--profile", "dev", "doctor", "-o", "json", endpoint=emulator.url)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["credentials"]["provider"] == "profile-file"
    assert doc["credentials"]["profile"] == "dev"
    assert doc["credentials"]["source"] == str(tmp_path / ".alibabacloud" / "credentials.ini")
    assert doc["credentials"]["accessKeyId"] == "LTAI****abcd"
    assert "LTAI5tQwErTyUiOpabcd" not in proc.stdout + proc.stderr
    assert doc["endpoint"] == emulator.url and doc["region"] == "cn-hangzhou"
    assert api_log.all() == []  # no API call without --check


def test_doctor_env_provider_and_check_makes_one_call(tmp_path, emulator, api_log):
    proc = run(tmp_path, "doctor", "--check", endpoint=emulator.url,
               env={"ALIBABA_CLOUD_ACCESS_KEY_ID": AK_ID,
                    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AK_SECRET})
    assert proc.returncode == 0, proc.stderr
    assert "identity   env (ALIBABA_CLOUD_ACCESS_KEY_ID" in proc.stdout
    assert "ListFunctions: OK" in proc.stdout
    calls = api_log.all()
    assert [(c["method"], c["action"]) for c in calls] == [("GET", "ListFunctions")], calls


def test_doctor_check_with_a_wrong_secret_fails_with_fc_code(tmp_path, emulator):
    proc = run(tmp_path, "doctor", "--check", endpoint=emulator.url,
               env={"ALIBABA_CLOUD_ACCESS_KEY_ID": AK_ID,
                    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": OTHER_SECRET})
    assert proc.returncode == 1
    assert "ListFunctions" in proc.stderr


def test_doctor_without_credentials_exits_non_zero(tmp_path):
    proc = run(tmp_path, "doctor")
    assert proc.returncode == 2
    assert "no Alibaba Cloud credentials found" in proc.stderr


def test_debug_names_provider_endpoint_and_region(tmp_path, emulator, project):
    cli_config(tmp_path, ak=AK_ID, secret=AK_SECRET)
    proc = run(tmp_path, "--debug", "plan", "-f", write_spec(project), endpoint=emulator.url)
    assert proc.returncode == 0, proc.stderr
    assert ("debug: credentials: cli-profile (" + str(tmp_path / ".aliyun" / "config.json")
            + ', profile "default")') in proc.stderr
    assert f"debug: endpoint: {emulator.url}; region: cn-hangzhou" in proc.stderr
