"""Functions API of the emulator, driven by the official SDK over real HTTP."""

from __future__ import annotations

import base64
import io
import json
import urllib.error
import urllib.request
import zipfile

import importlib

import crcmod
import pytest

from fcctl.emulator.server import EmulatorServer


class _Lazy:
    """The SDK is imported on first use, not at collection: alibabacloud-credentials snapshots
    the environment when imported, and other in-process tests set it up first."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, attr):
        return getattr(importlib.import_module(self._module), attr)


fc = _Lazy("alibabacloud_fc20230330.models")
_sdk_client = _Lazy("alibabacloud_fc20230330.client")
_exceptions = _Lazy("alibabacloud_tea_openapi.exceptions")
_utils_models = _Lazy("alibabacloud_tea_openapi.utils_models")

AK, SECRET = "AKID-functions", "functions-secret-123"


def make_zip(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def client(srv: EmulatorServer, ak: str = AK, secret: str = SECRET):
    return _sdk_client.Client(_utils_models.Config(access_key_id=ak, access_key_secret=secret,
                         endpoint=f"127.0.0.1:{srv.port}", protocol="http"))


@pytest.fixture
def srv(tmp_path):
    with EmulatorServer(tmp_path / "state.db", {AK: SECRET}, log=None) as server:
        yield server


@pytest.fixture
def fcc(srv):
    return client(srv)


def create(fcc, name: str = "fn1", **kw):
    zip_bytes = kw.pop("zip_bytes", make_zip({"index.py": "def handler(e, c):\n    return 1\n"}))
    body = fc.CreateFunctionInput(
        function_name=name, runtime=kw.pop("runtime", "python3.10"),
        handler=kw.pop("handler", "index.handler"),
        code=fc.InputCodeLocation(zip_file=base64.b64encode(zip_bytes).decode()), **kw)
    return fcc.create_function(fc.CreateFunctionRequest(body=body)).body


def test_create_get_returns_fc_function_shape(fcc, srv):
    zip_bytes = make_zip({"index.py": "print('hi')\n"})
    out = create(fcc, "fn1", zip_bytes=zip_bytes, memory_size=512, environment_variables={"A": "1"},
                 layers=["acs:fc:cn-hangzhou:123:layers/l1/versions/1"],
                 tags=[fc.Tag(key="team", value="x")])
    crc = crcmod.mkCrcFun(0x142F0E1EBA9EA3693, initCrc=0, xorOut=0xFFFFFFFFFFFFFFFF, rev=True)
    assert out.code_checksum == str(crc(zip_bytes))
    assert out.code_size == len(zip_bytes)
    assert out.function_arn == "acs:fc:cn-hangzhou:1234567890123456:functions/fn1"
    assert out.function_id and out.created_time.endswith("Z")
    # FC reports state null for built-in runtimes (real GetFunction payloads, serverlessinsight
    # PR #224); only custom containers go Pending → Active
    assert out.last_update_status == "Successful" and out.state is None
    # defaults FC fills in
    assert (out.timeout, out.disk_size, out.instance_concurrency, out.internet_access) == (
        3, 512, 1, True)
    assert out.layers[0].arn.endswith("layers/l1/versions/1") and out.layers[0].size == 0
    assert out.tags[0].key == "team"

    got = fcc.get_function("fn1", fc.GetFunctionRequest()).body
    assert got.to_map() == out.to_map()


def test_update_merges_partial_body_and_keeps_omitted_fields(fcc):
    create(fcc, "fn1", memory_size=256, environment_variables={"A": "1", "B": "2"},
           instance_lifecycle_config=fc.InstanceLifecycleConfig(
               initializer=fc.LifecycleHook(handler="index.init", timeout=5),
               pre_stop=fc.LifecycleHook(handler="index.stop", timeout=7)))
    before = fcc.get_function("fn1", fc.GetFunctionRequest()).body
    out = fcc.update_function("fn1", fc.UpdateFunctionRequest(body=fc.UpdateFunctionInput(
        timeout=60, environment_variables={"C": "3"},
        instance_lifecycle_config=fc.InstanceLifecycleConfig(
            initializer=fc.LifecycleHook(handler="index.init2"))))).body
    assert out.timeout == 60
    assert out.memory_size == 256  # omitted: kept
    assert out.environment_variables == {"C": "3"}  # a given map replaces the map
    # FC merges nested objects key by key (FC docs 配置实例生命周期: handler and command must be
    # blanked explicitly, "否则后端默认不更新"; Serverless Devs fc3 929fcb9): the given
    # initializer's handler changes, its omitted timeout is kept; preStop kept
    assert out.instance_lifecycle_config.initializer.handler == "index.init2"
    assert out.instance_lifecycle_config.initializer.timeout == 5
    assert out.instance_lifecycle_config.pre_stop.handler == "index.stop"
    assert out.code_checksum == before.code_checksum
    assert out.function_id == before.function_id


def test_clearing_a_hook_with_empty_handler(fcc):
    create(fcc, "fn1", instance_lifecycle_config=fc.InstanceLifecycleConfig(
        initializer=fc.LifecycleHook(handler="index.init")))
    out = fcc.update_function("fn1", fc.UpdateFunctionRequest(body=fc.UpdateFunctionInput(
        instance_lifecycle_config=fc.InstanceLifecycleConfig(
            initializer=fc.LifecycleHook(handler="", command=[], timeout=3))))).body
    assert out.instance_lifecycle_config.initializer.handler == ""


def test_list_functions_prefix_limit_next_token(fcc):
    for name in ["b1", "a1", "a3", "a2"]:
        create(fcc, name)
    page = fcc.list_functions(fc.ListFunctionsRequest(prefix="a", limit=2)).body
    assert [f.function_name for f in page.functions] == ["a1", "a2"]
    assert page.next_token
    page2 = fcc.list_functions(fc.ListFunctionsRequest(prefix="a", limit=2,
                                                       next_token=page.next_token)).body
    assert [f.function_name for f in page2.functions] == ["a3"]
    assert not page2.next_token
    everything = fcc.list_functions(fc.ListFunctionsRequest()).body
    assert [f.function_name for f in everything.functions] == ["a1", "a2", "a3", "b1"]


def test_delete_then_not_found(fcc):
    create(fcc, "fn1")
    resp = fcc.delete_function("fn1")
    assert resp.status_code == 204
    with pytest.raises(_exceptions.ClientException) as exc:
        fcc.get_function("fn1", fc.GetFunctionRequest())
    assert exc.value.code == "FunctionNotFound" and exc.value.status_code == 404
    assert exc.value.request_id and exc.value.request_id != "None"


def test_already_exists(fcc):
    create(fcc, "fn1")
    with pytest.raises(_exceptions.ClientException) as exc:
        create(fcc, "fn1")
    assert (exc.value.status_code, exc.value.code) == (409, "FunctionAlreadyExists")


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"memory_size": 100}, "memorySize"),
        ({"timeout": 0}, "timeout"),
        ({"disk_size": 1000}, "diskSize"),
        ({"cpu": 2.0, "memory_size": 512}, "cpu"),
        ({"instance_concurrency": 500}, "instanceConcurrency"),
        ({"initializer": {"handler": "index.init", "command": ["/bin/true"]}}, "both"),
        ({"initializer": {"command": ["/bin/true"]}}, "GPU"),
        ({"pre_stop": {"handler": "x", "timeout": 901}}, "preStop.timeout"),
    ],
)
def test_invalid_bodies_get_400_invalid_argument(fcc, kw, words):
    hooks = {k: kw.pop(k) for k in ("initializer", "pre_stop") if k in kw}
    if hooks:
        kw["instance_lifecycle_config"] = fc.InstanceLifecycleConfig(
            **{k: fc.LifecycleHook(**v) for k, v in hooks.items()})
    with pytest.raises(_exceptions.ClientException) as exc:
        create(fcc, "fn1", **kw)
    assert (exc.value.status_code, exc.value.code) == (400, "InvalidArgument")
    assert words in exc.value.message


def test_bad_function_name(fcc):
    with pytest.raises(_exceptions.ClientException) as exc:
        create(fcc, "1-starts-with-digit")
    assert exc.value.code == "InvalidArgument" and "functionName" in exc.value.message


def test_gpu_function_may_use_a_command_initializer(fcc):
    body = fc.CreateFunctionInput(
        function_name="gpu1", runtime="custom-container", handler="not-used",
        memory_size=4096, cpu=2.0,
        custom_container_config=fc.CustomContainerConfig(image="registry.example/app:1"),
        gpu_config=fc.GPUConfig(gpu_type="fc.gpu.tesla.1", gpu_memory_size=16384),
        instance_lifecycle_config=fc.InstanceLifecycleConfig(
            initializer=fc.LifecycleHook(command=["/bin/sh", "/code/warmup.sh"], timeout=60)))
    out = fcc.create_function(fc.CreateFunctionRequest(body=body)).body
    assert out.instance_lifecycle_config.initializer.command == ["/bin/sh", "/code/warmup.sh"]
    assert out.state == "Active"  # update delay 0: Pending → Active at once


def test_wrong_secret_is_signature_not_match(srv):
    with pytest.raises(_exceptions.ClientException) as exc:
        client(srv, secret="wrong").list_functions(fc.ListFunctionsRequest())
    assert (exc.value.status_code, exc.value.code) == (403, "SignatureNotMatch")
    assert SECRET not in str(exc.value) and "wrong" not in exc.value.message
    with urllib.request.urlopen(srv.url + "/_fcctl/requests", timeout=10) as resp:
        last = json.loads(resp.read())["requests"][-1]
    assert (last["action"], last["status"]) == ("ListFunctions", 403)


def test_unknown_key_is_invalid_access_key_id(srv):
    with pytest.raises(_exceptions.ClientException) as exc:
        client(srv, ak="nobody").list_functions(fc.ListFunctionsRequest())
    assert (exc.value.status_code, exc.value.code) == (403, "InvalidAccessKeyID")


def test_unsigned_request_is_refused(srv):
    req = urllib.request.Request(srv.url + "/2023-03-30/functions")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=10)
    body = json.loads(exc.value.read())
    assert exc.value.code == 400 and body["Code"] == "MissingRequiredHeader"
    assert body["RequestId"] == exc.value.headers["x-fc-request-id"]
    assert body["RequestId"] == exc.value.headers["x-acs-request-id"]


def test_state_survives_a_restart(tmp_path):
    path = tmp_path / "state.db"
    with EmulatorServer(path, {AK: SECRET}, log=None) as first:
        created = create(client(first), "keep-me", environment_variables={"K": "v"})
    with EmulatorServer(path, {AK: SECRET}, log=None) as second:
        got = client(second).get_function("keep-me", fc.GetFunctionRequest()).body
    assert got.to_map() == created.to_map()


def test_region_comes_from_the_host_header(srv):
    # A client whose Host header names a region (as the public endpoint does): the emulator
    # is reached through a socket bound to its port but signs/sends Host fcv3.<region>...
    import hashlib
    import http.client
    import time as _time

    from alibabacloud_tea_openapi.utils import Utils

    class _Req:
        method = "GET"
        pathname = "/2023-03-30/functions/fn-r"
        query = {}
        headers = {"host": "fcv3.ap-southeast-1.aliyuncs.com",
                   "x-acs-date": _time.strftime("%Y-%m-%dT%H:%M:%SZ", _time.gmtime()),
                   "x-acs-content-sha256": hashlib.sha256(b"").hexdigest()}

    create(client(srv), "fn-r")
    auth = Utils.get_authorization(_Req, "ACS3-HMAC-SHA256", _Req.headers["x-acs-content-sha256"],
                                   AK, SECRET)
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request("GET", _Req.pathname, headers={**_Req.headers, "authorization": auth})
    resp = conn.getresponse()
    data = json.loads(resp.read())
    conn.close()
    assert resp.status == 200
    assert data["functionArn"] == "acs:fc:ap-southeast-1:1234567890123456:functions/fn-r"


def test_concurrent_clients_get_consistent_answers(srv):
    from concurrent.futures import ThreadPoolExecutor

    def work(i: int) -> str:
        fcc = client(srv)
        name = f"par-{i:02d}"
        create(fcc, name)
        fcc.update_function(name, fc.UpdateFunctionRequest(body=fc.UpdateFunctionInput(
            timeout=10 + i)))
        return fcc.get_function(name, fc.GetFunctionRequest()).body.to_map()["timeout"]

    with ThreadPoolExecutor(8) as pool:
        timeouts = list(pool.map(work, range(24)))
    assert timeouts == [10 + i for i in range(24)]
    listed = client(srv).list_functions(fc.ListFunctionsRequest(limit=100)).body.functions
    assert len(listed) == 24
    with urllib.request.urlopen(srv.url + "/_fcctl/requests", timeout=10) as resp:
        statuses = {r["status"] for r in json.loads(resp.read())["requests"]}
    assert statuses == {200}
