"""Fixes for a hostile tester's findings, each through the real path (CLI → SDK → emulator over
HTTP, or raw signed requests to the emulator's socket)."""

from __future__ import annotations

ROLE = "acs:ram::1234567890123456:role/fc-role"

EMOJI_SPEC = f"""\
region: cn-hangzhou
functions:
  - functionName: emoji-fn
    runtime: custom.debian12
    handler: index.handler
    code: ./app
    role: {ROLE}
    description: "a :fire: sale :ram: :smile:"
    customRuntimeConfig: {{command: [python3, app.py], port: 9000}}
"""


def test_rich_never_turns_colon_words_into_emoji(fc, project):
    """rich's emoji codes (``:ram:`` → 🐏, ``:fire:`` → 🔥) must not rewrite role ARNs or
    descriptions in plan/deploy/get text."""
    path = str(project(EMOJI_SPEC))
    plan = fc("plan", "-f", path)
    assert plan.code == 0, plan.err
    assert ROLE in plan.out
    assert "a :fire: sale :ram: :smile:" in plan.out
    assert fc("deploy", "-f", path).code == 0
    got = fc("get", "emoji-fn")
    assert got.code == 0, got.err
    for text in (plan.out, plan.err, got.out, got.err):
        assert "\N{RAM}" not in text and "\N{FIRE}" not in text
    assert "emoji-fn" in got.out


# --- raw signed requests to a running emulator ---------------------------------------------------
import json  # noqa: E402

import pytest  # noqa: E402

from tests.functional.emuhelpers import exchange, raw_query, request_bytes, signed_headers  # noqa: E402

AK, SECRET = "AKID-fixes", "fixes-secret-789"
FUNCTIONS = "/2023-03-30/functions"


@pytest.fixture
def srv(tmp_path):
    from fcctl.emulator.server import EmulatorServer

    server = EmulatorServer(tmp_path / "state.db", {AK: SECRET}, log=None).start()
    yield server
    server.stop()


def signed(method: str, path: str, body: bytes = b"") -> bytes:
    headers = signed_headers(method, path, {}, body, AK, SECRET)
    return request_bytes(method, path, headers, body, raw_query({}))


def gpu_fn(name: str, gpu: dict) -> bytes:
    return json.dumps({"functionName": name, "runtime": "custom-container", "handler": "h",
                       "customContainerConfig": {"image": "registry.cn-hangzhou.aliyuncs.com/a/b:1",
                                                 "port": 9000},
                       "gpuConfig": gpu, "cpu": 8, "memorySize": 65536}).encode()


@pytest.mark.parametrize("gpu, field, got", [
    ({"gpuType": "fc.gpu.ada.1", "gpuMemorySize": "49152"}, "gpuMemorySize", "str '49152'"),
    ({"gpuType": "fc.gpu.ada.1", "gpuMemorySize": True}, "gpuMemorySize", "bool True"),
    ({"gpuType": "fc.gpu.ada.1", "gpuMemorySize": -49152}, "gpuMemorySize", "-49152"),
    ({"gpuType": "fc.gpu.ada.1", "gpuMemorySize": 1.5}, "gpuMemorySize", "float 1.5"),
    ({"gpuType": 5, "gpuMemorySize": 49152}, "gpuType", "int 5"),
])
def test_gpu_config_of_the_wrong_type_is_400(srv, gpu, field, got):
    ans = exchange(srv.port, signed("POST", FUNCTIONS, gpu_fn("g", gpu)))
    assert ans.status == 400
    doc = ans.json()
    assert doc["Code"] == "InvalidArgument"
    assert f"gpuConfig.{field}" in doc["Message"] and f"(got {got})" in doc["Message"]
    # nothing was created
    assert exchange(srv.port, signed("GET", FUNCTIONS + "/g")).status == 404


def test_a_good_gpu_config_still_passes(srv):
    ans = exchange(srv.port, signed("POST", FUNCTIONS, gpu_fn(
        "g", {"gpuType": "fc.gpu.ada.1", "gpuMemorySize": 49152})))
    assert ans.status == 200, ans.body


@pytest.mark.parametrize("name", ["A\n", "B\t", "OK\nNOT"])
def test_env_name_with_a_trailing_newline_is_400(srv, name):
    body = json.dumps({"functionName": "e", "runtime": "custom.debian12", "handler": "h",
                       "environmentVariables": {name: "1"}}).encode()
    ans = exchange(srv.port, signed("POST", FUNCTIONS, body))
    assert ans.status == 400
    assert "is not valid" in ans.json()["Message"]
