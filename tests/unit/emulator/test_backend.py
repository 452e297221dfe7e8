"""Backend semantics without HTTP: validation, merge, status transitions, instances."""

from __future__ import annotations

import base64
import io
import threading
import zipfile

import pytest

from fcctl.emulator import errors
from fcctl.emulator.backend import Backend, crc64
from fcctl.emulator.routes import match_api, match_control
from fcctl.emulator.store import Store


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def zip_b64(text: str = "x = 1\n") -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", text)
    return base64.b64encode(buf.getvalue()).decode()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def be(clock):
    return Backend(Store(":memory:"), clock=clock, update_delay_s=10)


def body(name="fn", **kw):
    out = {"functionName": name, "runtime": "python3.10", "handler": "index.handler",
           "code": {"zipFile": zip_b64()}}
    out.update(kw)
    return out


def test_crc64_known_value():
    # CRC-64/XZ (ECMA-182 reflected, init/xorout all ones) check value of "123456789"
    assert crc64(b"123456789") == str(0x995DC9BBDF1939FA)


def test_create_fills_defaults_and_output_fields(be):
    fn = be.create_function(body())
    assert fn["functionArn"] == "acs:fc:cn-hangzhou:1234567890123456:functions/fn"
    assert fn["createdTime"] == "2023-11-14T22:13:20Z"
    assert (fn["timeout"], fn["memorySize"], fn["cpu"], fn["diskSize"]) == (3, 128, 0.05, 512)
    assert not any(k.startswith("_") for k in fn)
    assert "code" not in fn


@pytest.mark.parametrize("change, words", [
    ({"functionName": "-x"}, "functionName"),
    ({"runtime": "cobol"}, "runtime"),
    ({"handler": ""}, "handler"),
    ({"memorySize": 130}, "memorySize"),
    ({"cpu": 0.07}, "cpu"),
    ({"memorySize": 4096, "cpu": 0.5}, "1:4"),
    ({"timeout": "3"}, "timeout must be an integer"),
    ({"environmentVariables": {"A": 1}}, "environmentVariables"),
    ({"code": {"zipFile": "%%%"}}, "base64"),
    ({"code": {"zipFile": base64.b64encode(b"not a zip").decode()}}, "zip"),
    ({"runtime": "custom-container"}, "customContainerConfig.image"),
    ({"customContainerConfig": {"image": "x"}}, "only for runtime custom-container"),
    ({"instanceLifecycleConfig": {"preStop": {"command": ["x"]}}}, "PreStop"),
    ({"instanceLifecycleConfig": {"initializer": {"handler": "a", "timeout": 0}}}, "timeout"),
])
def test_invalid_create(be, change, words):
    with pytest.raises(errors.InvalidArgument) as exc:
        be.create_function(body(**change))
    assert words in exc.value.message


def test_empty_hook_is_unset_and_valid(be):
    fn = be.create_function(body(instanceLifecycleConfig={
        "initializer": {"handler": "", "command": [], "timeout": 0}}))
    assert fn["instanceLifecycleConfig"]["initializer"]["handler"] == ""


def test_update_merges_and_transitions(be, clock):
    be.create_function(body(environmentVariables={"A": "1"}, memorySize=256,
                            instanceLifecycleConfig={"preStop": {"handler": "h", "timeout": 9}}))
    out = be.update_function("fn", {"timeout": 7, "instanceLifecycleConfig": {}})
    assert out["lastUpdateStatus"] == "InProgress"
    assert (out["timeout"], out["memorySize"]) == (7, 256)
    assert out["instanceLifecycleConfig"]["preStop"] == {"handler": "h", "timeout": 9}
    with pytest.raises(errors.ConcurrentUpdateError):
        be.update_function("fn", {"timeout": 8})
    clock.now += 10
    assert be.get_function("fn")["lastUpdateStatus"] == "Successful"
    assert be.update_function("fn", {"environmentVariables": {}})["environmentVariables"] == {}


def test_update_with_new_code_changes_checksum(be, clock):
    first = be.create_function(body())
    out = be.update_function("fn", {"code": {"zipFile": zip_b64("x = 2\n")}})
    assert out["codeChecksum"] != first["codeChecksum"]
    assert be.code_bytes("fn", out["codeChecksum"]) is not None
    # earlier code stays downloadable by its checksum (published versions may use it)
    assert be.code_bytes("fn", first["codeChecksum"]) is not None
    assert be.code_bytes("fn", "12345") is None


def test_ignored_keys_on_update(be):
    be.create_function(body(tags=[{"Key": "a", "Value": "b"}]))
    out = be.update_function("fn", {"functionName": "other", "tags": [], "unknown": 1})
    assert out["functionName"] == "fn" and out["tags"] == [{"Key": "a", "Value": "b"}]
    assert "unknown" not in out


def test_list_functions_pages(be):
    for n in ("c", "a", "b"):
        be.create_function(body(n))
    page = be.list_functions(limit=2)
    assert [f["functionName"] for f in page["functions"]] == ["a", "b"]
    assert [f["functionName"] for f in be.list_functions(
        limit=2, next_token=page["nextToken"])["functions"]] == ["c"]
    with pytest.raises(errors.InvalidArgument):
        be.list_functions(limit=0)


def test_invocations_in_flight_and_idle_reclaim(be, clock):
    # FC docs 配置单实例并发度: instanceConcurrency > 1 only on custom runtimes and containers
    be.create_function(body(instanceConcurrency=2, runtime="custom.debian10"))
    a = be.begin_invocation("fn", None)
    b = be.begin_invocation("fn", None)
    c = be.begin_invocation("fn", None)
    assert a["instanceId"] == b["instanceId"] != c["instanceId"]
    for x in (a, b, c):
        be.end_invocation("fn", x["instanceId"])
    clock.now += be.idle_timeout_s
    assert be.list_instances("fn")["instances"] == []


def test_update_waits_for_in_flight_invocation(be, clock):
    be.create_function(body(**{"environmentVariables": {"FCCTL_EMULATOR_UPDATE_DELAY_S": "0"}}))
    inv = be.begin_invocation("fn", None)
    be.update_function("fn", {"timeout": 5})
    # the old instance is still serving its invocation: not stopped yet
    assert [i["status"] for i in be.list_instances("fn")["instances"]] == ["Running"]
    clock.now += 1
    be.end_invocation("fn", inv["instanceId"])
    assert be.list_instances("fn")["instances"] == []
    ev = be.instance_events("fn")["instances"][0]["events"]
    assert ev[-1]["timeMs"] == int(clock.now * 1000)


def test_concurrent_creates_one_wins(be):
    results: list[str] = []

    def attempt():
        try:
            be.create_function(body("race"))
            results.append("ok")
        except errors.FunctionAlreadyExists:
            results.append("exists")

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["exists"] * 7 + ["ok"]


def test_routes():
    assert match_api("GET", "/2023-03-30/functions/a%2Fb").params == {"functionName": "a/b"}
    assert match_api("POST", "/2023-03-30/functions/f/invoke/disable").action == \
        "DisableFunctionInvocation"
    assert match_api("PATCH", "/2023-03-30/functions/f") is None
    assert match_api("GET", "/2023-03-30/functions/f/unknown") is None
    assert match_control("DELETE", "/_fcctl/requests").action == "clear_requests"


def test_store_survives_reopen(tmp_path):
    path = tmp_path / "s.db"
    st = Store(path)
    st.put("function", "a", {"x": 1})
    st.close()
    again = Store(path)
    assert again.get("function", "a") == {"x": 1}
    assert again.list("function") == [("a", {"x": 1})]
    again.close()


def test_chunked_body_decoding():
    from fcctl.emulator.server import MAX_BODY_BYTES
    from fcctl.emulator.wire import read_chunked

    raw = io.BytesIO(b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n")
    assert read_chunked(raw, MAX_BODY_BYTES) == b"hello world"
    with pytest.raises(ValueError):
        read_chunked(io.BytesIO(b"zz\r\n"), MAX_BODY_BYTES)


def test_provisioned_initializer_failure_is_not_retried_until_next_put(be):
    be.create_function(body(environmentVariables={"FCCTL_EMULATOR_FAIL_INITIALIZER": "1"},
                            instanceLifecycleConfig={"initializer": {"handler": "i"}}))
    prov = be.put_provision_config("fn", "LATEST", {"target": 2})
    assert prov["current"] == 0 and "Initializer" in prov["currentError"]
    for _ in range(3):
        be.list_instances("fn")
    assert len(be.instance_events("fn")["instances"]) == 1
    be.put_provision_config("fn", "LATEST", {"target": 2})
    assert len(be.instance_events("fn")["instances"]) == 2


def test_provisioned_target_is_capped(be):
    be.create_function(body())
    with pytest.raises(errors.LimitExceededError):  # within FC's 0-10000, over the emulator's cap
        be.put_provision_config("fn", "LATEST", {"defaultTarget": 101})
    with pytest.raises(errors.InvalidArgument):  # SDK PutProvisionConfigInput: 0 to 10000
        be.put_provision_config("fn", "LATEST", {"target": 100_000})
    assert be.list_instances("fn")["instances"] == []


@pytest.mark.parametrize("raw, want_ms", [
    ("inf", 0.0), ("nan", 0.0), ("-5", 0.0), ("junk", 0.0), ("250", 250.0),
    ("1e300", 86_400_000.0),  # capped at FC's longest timeout, like x-fcctl-invoke-ms
])
def test_invoke_ms_knob_is_finite_and_capped(be, raw, want_ms):
    be.create_function(body(environmentVariables={"FCCTL_EMULATOR_INVOKE_MS": raw}))
    assert be.begin_invocation("fn", None)["invokeMs"] == want_ms


def test_delay_knobs_are_finite_and_capped(be, clock):
    # an infinite update delay would leave the function InProgress forever; 1e300 is capped
    be.create_function(body(environmentVariables={"FCCTL_EMULATOR_UPDATE_DELAY_S": "inf"}))
    be.update_function("fn", {"description": "x"})
    clock.now += 10  # the backend's own update delay (fixture), not infinity
    assert be.get_function("fn")["lastUpdateStatus"] == "Successful"
    be.update_function("fn", {"environmentVariables": {
        "FCCTL_EMULATOR_UPDATE_DELAY_S": "1e300"}})  # this update takes the capped delay
    clock.now += 86_399
    assert be.get_function("fn")["lastUpdateStatus"] == "InProgress"
    clock.now += 1
    assert be.get_function("fn")["lastUpdateStatus"] == "Successful"


def test_trigger_record_keeps_private_state_out_of_the_api_and_old_documents_load(be):
    be.create_function(body())
    made = be.create_trigger("fn", {"triggerName": "web", "triggerType": "http",
                                    "triggerConfig": "{}"})
    assert not any(k.startswith("_") for k in made)
    stored = be.store.get("trigger", "fn/web")
    suffix = stored["_suffix"]  # the state-file format is unchanged
    assert suffix in made["httpTrigger"]["urlInternet"]
    # a document written by an older emulator (same format) renders the same URLs
    assert be.get_trigger("fn", "web")["httpTrigger"] == made["httpTrigger"]


def test_publish_version_with_a_non_object_body_is_a_400(be):
    be.create_function(body())
    with pytest.raises(errors.InvalidArgument, match="JSON object"):  # was a 500
        be.publish_version("fn", ["not", "an", "object"])
    assert be.publish_version("fn", None)["versionId"] == "1"
