"""Update fidelity, fault injection, latency and the control endpoints, through the official
SDK over real HTTP. Time-based transitions use an injected clock (no sleeping on them)."""

from __future__ import annotations

import base64
import io
import json
import time
import urllib.error
import urllib.request
import zipfile

import pytest

from fcctl.emulator.server import EmulatorServer
from tests.functional.emuhelpers import FakeClock

AK, SECRET = "AKID-fidelity", "fidelity-secret"


def sdk():
    from alibabacloud_fc20230330 import models
    from alibabacloud_tea_openapi import exceptions

    return models, exceptions


def client(srv):
    from alibabacloud_fc20230330.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    return Client(Config(access_key_id=AK, access_key_secret=SECRET,
                         endpoint=f"127.0.0.1:{srv.port}", protocol="http",
                         read_timeout=30000, connect_timeout=5000))


def zip_b64() -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.py", "def handler(e, c):\n    return 1\n")
    return base64.b64encode(buf.getvalue()).decode()


def create(fcc, name="fn1", env=None, **kw):
    m, _ = sdk()
    body = m.CreateFunctionInput(function_name=name, runtime=kw.pop("runtime", "python3.10"),
                                 handler="index.handler", environment_variables=env or {}, **kw)
    if body.runtime != "custom-container":
        body.code = m.InputCodeLocation(zip_file=zip_b64())
    return fcc.create_function(m.CreateFunctionRequest(body=body)).body


def update(fcc, name="fn1", **kw):
    m, _ = sdk()
    return fcc.update_function(name, m.UpdateFunctionRequest(
        body=m.UpdateFunctionInput(**kw))).body


def get(fcc, name="fn1"):
    m, _ = sdk()
    return fcc.get_function(name, m.GetFunctionRequest()).body


def control(srv, method: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(srv.url + path, data=data, method=method)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def srv(tmp_path, clock):
    with EmulatorServer(tmp_path / "state.db", {AK: SECRET}, log=None, update_delay_s=5,
                        clock=clock, seed=7) as server:
        yield server


# --- lastUpdateStatus ---------------------------------------------------------------------------
def test_update_is_in_progress_until_the_delay_has_passed(srv, clock):
    fcc = client(srv)
    create(fcc)
    out = update(fcc, timeout=10)
    assert out.last_update_status == "InProgress"
    assert out.timeout == 10
    clock.advance(4.9)
    assert get(fcc).last_update_status == "InProgress"
    clock.advance(0.2)
    got = get(fcc)
    assert got.last_update_status == "Successful"
    assert got.last_update_status_reason_code in ("", None)


def test_update_or_delete_while_in_progress_is_409(srv, clock):
    _, exc_mod = sdk()
    fcc = client(srv)
    create(fcc)
    update(fcc, timeout=10)
    with pytest.raises(exc_mod.ClientException) as exc:
        update(fcc, timeout=11)
    assert (exc.value.status_code, exc.value.code) == (409, "ConcurrentUpdateError")
    with pytest.raises(exc_mod.ClientException) as exc:
        fcc.delete_function("fn1")
    assert exc.value.code == "ConcurrentUpdateError"
    clock.advance(5)
    assert update(fcc, timeout=11).timeout == 11  # allowed again once Successful


def test_fail_update_knob_ends_failed_with_reason(srv, clock):
    fcc = client(srv)
    create(fcc)
    update(fcc, environment_variables={"FCCTL_EMULATOR_FAIL_UPDATE": "image pull failed"})
    clock.advance(5)
    got = get(fcc)
    assert got.last_update_status == "Failed"
    assert got.last_update_status_reason == "image pull failed"
    assert got.last_update_status_reason_code == "EmulatorInjectedFailure"


def test_per_function_update_delay_knob(srv, clock):
    fcc = client(srv)
    create(fcc, env={"FCCTL_EMULATOR_UPDATE_DELAY_S": "0"})
    assert update(fcc, timeout=9).last_update_status == "Successful"


def test_zero_delay_is_successful_at_once(tmp_path):
    with EmulatorServer(tmp_path / "s.db", {AK: SECRET}, log=None) as server:
        fcc = client(server)
        create(fcc)
        assert update(fcc, timeout=9).last_update_status == "Successful"


def test_custom_container_is_pending_then_active(srv, clock):
    m, _ = sdk()
    fcc = client(srv)
    out = create(fcc, "box", runtime="custom-container",
                 custom_container_config=m.CustomContainerConfig(image="reg.example/app:1"))
    assert out.state == "Pending"
    clock.advance(5)
    assert get(fcc, "box").state == "Active"
    out = update(fcc, "box", custom_container_config=m.CustomContainerConfig(
        image="reg.example/app:2"))
    assert (out.state, out.last_update_status) == ("Pending", "InProgress")
    clock.advance(5)
    got = get(fcc, "box")
    assert (got.state, got.last_update_status) == ("Active", "Successful")
    assert got.custom_container_config.resolved_image_uri == "reg.example/app:2"


def test_built_in_runtime_reports_state_null(srv):
    # real FC3 GetFunction payloads (serverlessinsight PR #224): state is null for built-in
    # runtimes; fcctl's waiters wait for state only on custom containers
    fcc = client(srv)
    out = create(fcc)
    assert out.state is None and out.last_update_status == "Successful"
    assert get(fcc, "fn1").state is None


# --- faults and latency -------------------------------------------------------------------------
@pytest.mark.parametrize("kind, status, code, exc_name", [
    ("429", 429, "ResourceExhausted", "ThrottlingException"),
    ("500", 500, "InternalServerError", "ServerException"),
    ("503", 503, "ResourceThrottled", "ServerException"),
])
def test_fault_answers_change_no_state(srv, kind, status, code, exc_name):
    _, exc_mod = sdk()
    fcc = client(srv)
    control(srv, "PUT", "/_fcctl/config", {"faultRate": 1.0, "faultKinds": [kind]})
    with pytest.raises(getattr(exc_mod, exc_name)) as exc:
        create(fcc, "faulty")
    assert exc.value.status_code == status and exc.value.code == code
    assert exc.value.request_id not in (None, "", "None")
    control(srv, "PUT", "/_fcctl/config", {"faultRate": 0.0})
    with pytest.raises(exc_mod.ClientException) as exc:
        get(fcc, "faulty")
    assert exc.value.code == "FunctionNotFound"  # the faulty create changed nothing
    writes = [r for r in control(srv, "GET", "/_fcctl/requests")["requests"]
              if r["method"] == "POST"]
    assert writes[-1]["fault"] == kind and writes[-1]["status"] == status


def test_throttling_carries_retry_after(srv):
    _, exc_mod = sdk()
    control(srv, "PUT", "/_fcctl/config", {"faultRate": 1.0, "faultKinds": ["429"],
                                           "retryAfterMs": 250})
    with pytest.raises(exc_mod.ThrottlingException) as exc:
        client(srv).list_functions(sdk()[0].ListFunctionsRequest())
    assert exc.value.retry_after == 250


def test_dropped_connection(srv):
    control(srv, "PUT", "/_fcctl/config", {"faultRate": 1.0, "faultKinds": ["drop"]})
    with pytest.raises(Exception) as exc:
        create(client(srv), "dropped")
    assert "ClientException" not in type(exc.value).__name__
    control(srv, "PUT", "/_fcctl/config", {"faultRate": 0.0})
    names = [f.function_name for f in client(srv).list_functions(
        sdk()[0].ListFunctionsRequest()).body.functions]
    assert "dropped" not in names
    log = control(srv, "GET", "/_fcctl/requests")["requests"]
    assert any(r["fault"] == "drop" and r["status"] == 0 for r in log if "fault" in r)


def test_seeded_faults_repeat(tmp_path):
    def statuses(path):
        with EmulatorServer(path, {AK: SECRET}, log=None, fault_rate=0.5, seed=42,
                            fault_kinds=("500",)) as server:
            m, exc_mod = sdk()
            out = []
            for _ in range(12):
                try:
                    client(server).list_functions(m.ListFunctionsRequest())
                    out.append(200)
                except exc_mod.ServerException as exc:
                    out.append(exc.status_code)
            return out

    first, second = statuses(tmp_path / "a.db"), statuses(tmp_path / "b.db")
    assert first == second
    assert 200 in first and 500 in first


def test_latency_delays_api_calls_not_control(srv):
    m, _ = sdk()
    control(srv, "PUT", "/_fcctl/config", {"latencyMs": 300})
    started = time.monotonic()
    client(srv).list_functions(m.ListFunctionsRequest())
    assert time.monotonic() - started >= 0.3  # a lower bound: the delay was applied
    assert control(srv, "GET", "/_fcctl/config")["latencyMs"] == 300


# --- control endpoints --------------------------------------------------------------------------
def test_health_and_request_log(srv):
    assert control(srv, "GET", "/_fcctl/health")["status"] == "ok"
    fcc = client(srv)
    create(fcc, "a")
    create(fcc, "b")
    update(fcc, "a", timeout=5)
    get(fcc, "a")
    log = control(srv, "GET", "/_fcctl/requests")["requests"]
    writes = [r for r in log if r["method"] in ("POST", "PUT", "DELETE")]
    assert [(r["method"], r["action"], r["status"]) for r in writes] == [
        ("POST", "CreateFunction", 200), ("POST", "CreateFunction", 200),
        ("PUT", "UpdateFunction", 200)]
    assert all(r["requestId"] and r["time"].endswith("Z") for r in log)
    assert not any(r["path"].startswith("/_fcctl") for r in log)
    control(srv, "DELETE", "/_fcctl/requests")
    assert control(srv, "GET", "/_fcctl/requests")["requests"] == []


def test_request_ids_match_headers_and_log(srv):
    m, exc_mod = sdk()
    with pytest.raises(exc_mod.ClientException) as exc:
        get(client(srv), "missing")
    log = control(srv, "GET", "/_fcctl/requests")["requests"]
    assert log[-1]["requestId"] == exc.value.request_id
    assert (log[-1]["action"], log[-1]["status"]) == ("GetFunction", 404)


def test_bad_config_is_400(srv):
    with pytest.raises(urllib.error.HTTPError) as exc:
        control(srv, "PUT", "/_fcctl/config", {"faultRate": 2})
    assert exc.value.code == 400
    with pytest.raises(urllib.error.HTTPError) as exc:
        control(srv, "PUT", "/_fcctl/config", {"nope": 1})
    assert exc.value.code == 400


def test_unknown_api_path_is_path_not_supported(srv):
    from alibabacloud_tea_openapi import utils_models

    fcc = client(srv)
    params = utils_models.Params(action="Nope", version="2023-03-30", protocol="HTTP",
                                 pathname="/2023-03-30/nothing-here", method="GET",
                                 auth_type="AK", style="ROA", req_body_type="json",
                                 body_type="json")
    _, exc_mod = sdk()
    from darabonba.runtime import RuntimeOptions

    with pytest.raises(exc_mod.ClientException) as exc:
        fcc.call_api(params, utils_models.OpenApiRequest(), RuntimeOptions())
    assert (exc.value.status_code, exc.value.code) == (400, "PathNotSupported")


def test_control_config_refuses_non_finite_and_huge_values(emulator):
    import json as _json
    import urllib.error
    import urllib.request

    for bad in ({"faultRate": float("nan")}, {"updateDelayS": 1e400}, {"latencyMs": 1e12}):
        req = urllib.request.Request(emulator.url + "/_fcctl/config", method="PUT",
                                     data=_json.dumps(bad).encode())
        try:
            urllib.request.urlopen(req)
            raise AssertionError(f"accepted {bad}")
        except urllib.error.HTTPError as exc:
            assert exc.code == 400
    with urllib.request.urlopen(emulator.url + "/_fcctl/config") as r:
        _json.loads(r.read())  # still valid JSON
