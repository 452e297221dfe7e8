"""Conformance with real FC data: every fixture here was produced or accepted by the real Function
Compute 3.0, or is quoted from FC's documentation. Each test cites its public origin.

Origins:
* TF — Terraform's acceptance tests of ``alicloud_fcv3_function``, which run against real FC:
  ``aliyun/terraform-provider-alicloud`` ``alicloud/resource_alicloud_fcv3_function_test.go``
  (test functions ``TestAccAliCloudFcv3Function_basic<N>_raw``, named below by N).
* API-LI — FC API reference ListInstances, help.aliyun.com/zh/functioncompute/fc/developer-reference/
  api-fc-2023-03-30-listinstances (zh, example with ``"versionId":"0"``) and alibabacloud.com/help/en/
  functioncompute/fc-3-0/developer-reference/api-fc-2023-03-30-listinstances (EN, ``"LATEST"``).
* API-ERR3 — FC 3.0 error codes, help.aliyun.com/zh/functioncompute/api-fc-2023-03-30-errorcodes.
* SIG — ACS3-HMAC-SHA256 vectors computed with the official ``alibabacloud-tea-openapi`` 0.4.6
  canonicalisation (``utils.get_authorization``), FC docs 签名机制
  (help.aliyun.com/zh/functioncompute/fc/developer-reference/signature-mechanism).
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from alibabacloud_fc20230330 import models
from alibabacloud_tea_openapi import exceptions as sdk_exc

from fcctl.deploy.codezip import crc64_ecma
from fcctl.deploy.rollout import serves_latest
from fcctl.emulator import backend, errors, verifier

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "specs"

# TF basic6895 / basic6938 (python3.9, handler index.handler) send this as code.zipFile: one
# index.py, 386 bytes. The second is basic6938's update step, 388 bytes.
TF_ZIP_1 = (
    "UEsDBBQACAAIAAAAAAAAAAAAAAAAAAAAAAAIAAAAaW5kZXgucHmEkEFKxEAQRfd9ig9ZTCJOooIwDMwNXLqXnnQlaalUhU5l"
    "Rj2KZ/FOXkESGR114bJ/P/7jV4b1xRq1hijtFpM1682cuNgPmgysbRulPT0fRxXnMtwrSPyeCdYRokSLnuMLJTTkbUqEvDMb"
    "xm1VdcRD6Tk+T1LW2ldB66knsYdA5iNX17ebm6tN2VnPhcswMPmREPuBacb+CiapLarAj9gT6/H97dVlCNScY3mtYvRkxdZl"
    "wDKDEnanPWVLdrdkeXEGlFEazVdfPVHaVeHc3N15CUwppwOJXeK7HshAB8NuOU7J6sP4SRXuH/EvbUfMiqMmDqv5M5FNSfAj"
    "/wgAAP//UEsHCPl//NYAAQAArwEAAFBLAQIUABQACAAIAAAAAAD5f/zWAAEAAK8BAAAIAAAAAAAAAAAAAAAAAAAAAABpbmRl"
    "eC5weVBLBQYAAAAAAQABADYAAAA2AQAAAAA="
)
TF_ZIP_2 = (
    "UEsDBBQACAAIAAAAAAAAAAAAAAAAAAAAAAAIAAAAaW5kZXgucHmEkEFKxEAQRfd9ig9ZJBEncQRhGJgbuHQvPelK0lKpCp3K"
    "jHoUz+KdvIJkZHTQhcv+/fiPXxlWVys0GqJ0W8zWrjZL4uIwajKwdl2U7vx8mlScy/CgIPF7JlhPiBIteo6vlNCStzkRit5s"
    "nLZ13ROPlef4MkvV6FAHbeaBxB4DmY9cr+82tzebqreBS5dhZPITIQ4j04L9FczSWFSBn7An1uPH+5vLEKi9xIpGxejZyq3L"
    "gNMMStid91Qd2f0pK8oLoIrSapF/90Tp8tK5pbv3EphSQQcSu8ZPPZCBDobd6TgVqw/TF1W6f8S/tD0xK46aOOTLZyKbk+Ay"
    "xzr/DAAA//9QSwcIBlYFIgIBAACxAQAAUEsBAhQAFAAIAAgAAAAAAAZWBSICAQAAsQEAAAgAAAAAAAAAAAAAAAAAAAAAAGlu"
    "ZGV4LnB5UEsFBgAAAAABAAEANgAAADgBAAAAAA=="
)
# CRC-64/ECMA of the two zips (the CRC FC uses for codeChecksum, pinned by the OSS objects below).
TF_ZIP_1_CRC, TF_ZIP_2_CRC = "16724580610624463476", "9429614631356177169"
# TF basic6916 / basic6917 / basic6927: codeChecksum FC computed for OSS objects with this content.
TF_OBJECT_CRC = {b"print('hello')": "4270285996107335518",
                 b"print('hello world')": "11178804849154173829"}


# --- code checksums ------------------------------------------------------------------------
@pytest.mark.parametrize("content, checksum", sorted(TF_OBJECT_CRC.items()))
def test_fcctl_and_emulator_crc64_reproduce_the_checksums_fc_computed(content, checksum):
    assert crc64_ecma(content) == checksum
    assert backend.crc64(content) == checksum


@pytest.mark.parametrize("b64, size, checksum", [(TF_ZIP_1, 386, TF_ZIP_1_CRC),
                                                 (TF_ZIP_2, 388, TF_ZIP_2_CRC)])
def test_terraform_zip_deployed_through_the_sdk_reads_back_its_checksum(sdk, b64, size, checksum):
    data = base64.b64decode(b64)
    assert len(data) == size and crc64_ecma(data) == checksum
    sdk.create_function(models.CreateFunctionRequest(body=models.CreateFunctionInput(
        function_name="tf-zip", runtime="python3.9", handler="index.handler",
        code=models.InputCodeLocation(zip_file=b64))))
    fn = sdk.get_function("tf-zip", models.GetFunctionRequest()).body
    assert (fn.code_checksum, fn.code_size) == (checksum, size)


def test_terraform_zip_deployed_by_fcctl_reads_back_its_checksum(fc, sdk, project):
    (project.dir / "index.zip").write_bytes(base64.b64decode(TF_ZIP_1))
    path = project("region: cn-hangzhou\nfunctions:\n  - functionName: tf-zip\n"
                   "    runtime: python3.9\n    handler: index.handler\n    code: ./index.zip\n")
    run = fc("deploy", "-f", str(path))
    assert run.code == 0, run.err
    fn = sdk.get_function("tf-zip", models.GetFunctionRequest()).body
    assert fn.code_checksum == TF_ZIP_1_CRC
    clean = fc("plan", "-f", str(path), "--detailed-exitcode")
    assert clean.code == 0, clean.out + clean.err


# --- configurations FC accepted, and the documented GPU tables -------------------------------
@pytest.mark.parametrize("name", [
    "good/realistic/terraform-accepted.yaml",  # TF basic6917 / basic6927 / basic6950
    "good/warnings/gpu-terraform-accepted-off-table.yaml",  # TF basic6950 (GPU)
    "good/realistic/gpu-documented-tables.yaml",  # FC docs 实例类型和规格, GPU tables
])
def test_configurations_fc_accepted_validate_deploy_and_plan_clean(fc, sdk, name):
    path = str(CORPUS / name)
    assert fc("validate", "-f", path).code == 0
    run = fc("deploy", "-f", path)
    assert run.code == 0, run.err
    clean = fc("plan", "-f", path, "--detailed-exitcode")
    assert clean.code == 0, clean.out + clean.err


def test_a_documented_gpu_size_reaches_the_emulator_as_written(fc, sdk):
    assert fc("deploy", "-f", str(CORPUS / "good/realistic/gpu-documented-tables.yaml")).code == 0
    fn = sdk.get_function("hopper2-24c-248g", models.GetFunctionRequest()).body
    assert (fn.cpu, fn.memory_size, fn.gpu_config.gpu_type) == (24, 253952, "fc.gpu.hopper.2")


# --- limits through the SDK: 400 InvalidArgument quoting the documentation -------------------
@pytest.mark.parametrize("kw, doc", [
    ({"instance_lifecycle_config": models.InstanceLifecycleConfig(
        initializer=models.LifecycleHook(handler="index.init", timeout=301))},
     "Initializer最大运行时间 300s"),
    ({"instance_lifecycle_config": models.InstanceLifecycleConfig(
        pre_stop=models.LifecycleHook(handler="index.stop", timeout=91))}, "PreStop最大运行时间 90s"),
    ({"instance_concurrency": 2}, "支持的运行环境：自定义运行时、自定义镜像"),
    ({"environment_variables": {"FC_DEBUG": "1"}}, "FC_*"),
    ({"environment_variables": {"_X": "1"}}, "必须以大小写字母开头"),
    ({"environment_variables": {"BIG": "x" * 4094}}, "不能超过4 KB"),
    ({"memory_size": 65536, "cpu": 16.0}, "128~32768"),
])
def test_emulator_rejects_what_the_documentation_forbids(sdk, kw, doc):
    body = models.CreateFunctionInput(function_name="lim", runtime="python3.10",
                                      handler="index.handler",
                                      code=models.InputCodeLocation(zip_file=TF_ZIP_1), **kw)
    with pytest.raises(sdk_exc.ClientException) as exc:
        sdk.create_function(models.CreateFunctionRequest(body=body))
    assert (exc.value.status_code, exc.value.code) == (400, "InvalidArgument")
    assert doc in exc.value.message


def test_emulator_accepts_env_of_exactly_4_kb(sdk):
    env = {"BIG": "x" * (4096 - 3)}
    sdk.create_function(models.CreateFunctionRequest(body=models.CreateFunctionInput(
        function_name="env4k", runtime="python3.10", handler="index.handler",
        code=models.InputCodeLocation(zip_file=TF_ZIP_1), environment_variables=env)))
    assert sdk.get_function("env4k", models.GetFunctionRequest()).body.environment_variables == env


def test_rollout_refuses_up_front_when_its_marker_would_pass_4_kb(fc, sdk, project, api_log):
    (project.dir / "index.zip").write_bytes(base64.b64decode(TF_ZIP_1))
    path = str(project("region: cn-hangzhou\nfunctions:\n  - functionName: full\n"
                       "    runtime: python3.9\n    handler: index.handler\n    code: ./index.zip\n"))
    assert fc("deploy", "-f", path).code == 0
    big = {"BIG": "x" * (4096 - 3 - 20)}  # fits FC's 4 KB, not with FCCTL_ROLLOUT_ID=<id>
    sdk.update_function("full", models.UpdateFunctionRequest(
        body=models.UpdateFunctionInput(environment_variables=big)))
    run = fc("rollout", "-f", path)
    assert run.code == 1
    assert "FCCTL_ROLLOUT_ID" in run.out + run.err and "4096" in run.out + run.err
    # the only UpdateFunction is the SDK's above: the rollout sent none (the emulator records a
    # request after answering it, so the log is counted, not cleared, to avoid a race)
    puts = [w for w in api_log.writes() if w["method"] == "PUT" and w["path"].endswith("/full")]
    assert len(puts) == 1, puts
    assert sdk.get_function("full", models.GetFunctionRequest()).body.environment_variables == big


# --- documented error codes and bodies (API-ERR3) ---------------------------------------------
def test_function_not_found_is_404_with_the_documented_message(sdk):
    with pytest.raises(sdk_exc.ClientException) as exc:
        sdk.get_function("nope", models.GetFunctionRequest())
    # API-ERR3: "404 FunctionNotFound function '%s' does not exist."
    assert (exc.value.status_code, exc.value.code) == (404, "FunctionNotFound")
    assert "function 'nope' does not exist" in exc.value.message
    assert exc.value.request_id  # SDK _error.py: {Code, Message, RequestId}
    assert set(exc.value.data) >= {"Code", "Message", "RequestId"}


def test_function_already_exists_is_409_with_the_documented_message(sdk):
    body = models.CreateFunctionInput(function_name="twice", runtime="python3.9",
                                      handler="index.handler",
                                      code=models.InputCodeLocation(zip_file=TF_ZIP_1))
    sdk.create_function(models.CreateFunctionRequest(body=body))
    with pytest.raises(sdk_exc.ClientException) as exc:
        sdk.create_function(models.CreateFunctionRequest(body=body))
    # API-ERR3: "FunctionAlreadyExists function '%s' already exists in service '%s'" (FC 3.0 has
    # no services: the message keeps its first part); 409 from the FC 2.0 error list
    assert (exc.value.status_code, exc.value.code) == (409, "FunctionAlreadyExists")
    assert "function 'twice' already exists" in exc.value.message


@pytest.mark.parametrize("ak, secret, status, code", [
    # API-ERR (alibabacloud.com/help/en/functioncompute/error-codes): "403 SignatureNotMatch The
    # request signature we calculated does not match…", "403 InvalidAccessKeyID invalid access key ID"
    ("test-ak", "wrong-secret", 403, "SignatureNotMatch"),
    ("no-such-ak", "whatever", 403, "InvalidAccessKeyID"),
])
def test_signature_failures_are_the_documented_403s(emulator, ak, secret, status, code):
    from alibabacloud_fc20230330.client import Client
    from alibabacloud_tea_openapi.utils_models import Config

    client = Client(Config(access_key_id=ak, access_key_secret=secret,
                           endpoint=emulator.url.split("://", 1)[1], protocol="http",
                           region_id="cn-hangzhou"))
    with pytest.raises(sdk_exc.ClientException) as exc:
        client.get_function("any", models.GetFunctionRequest())
    assert (exc.value.status_code, exc.value.code) == (status, code)
    assert secret not in exc.value.message


# --- ListInstances examples (API-LI) -------------------------------------------------------------
API_LI_ZH = {"instances": [{"instanceId": "1ef6b6ff-7f7b-485e-ab49-501ac681****", "versionId": "0",
                            "qualifier": "", "status": "", "createdTimeMs": 0,
                            "destroyedTimeMs": 0, "resourceType": ""}], "requestId": ""}
API_LI_EN = {"instances": [{"instanceId": "1ef6b6ff-7f7b-485e-ab49-501ac681****",
                            "versionId": "LATEST"}]}


@pytest.mark.parametrize("doc", [API_LI_ZH, API_LI_EN], ids=["zh-versionId-0", "en-LATEST"])
def test_documented_listinstances_examples_parse_and_count_as_latest(doc):
    out = models.ListInstancesOutput().from_map(doc)
    (inst,) = out.instances
    assert inst.instance_id == doc["instances"][0]["instanceId"]
    assert serves_latest(inst.to_map())


def test_emulator_listinstances_has_the_documented_shape(sdk):
    sdk.create_function(models.CreateFunctionRequest(body=models.CreateFunctionInput(
        function_name="li", runtime="custom.debian10", handler="index.handler",
        code=models.InputCodeLocation(zip_file=TF_ZIP_1))))
    sdk.invoke_function("li", models.InvokeFunctionRequest(body=b"{}"))
    body = sdk.list_instances("li", models.ListInstancesRequest()).body.to_map()
    (inst,) = body["instances"]
    assert set(inst) <= set(API_LI_ZH["instances"][0])  # no key the documentation lacks
    assert inst["versionId"] == "0"  # SDK InstanceInfo: "the returned version number is 0"
    assert serves_latest(inst)


# --- ACS3 signing vectors (SIG) through the emulator's verifier ---------------------------------
SIG_HEADERS = [
    ("host", "fcv3.cn-hangzhou.aliyuncs.com"), ("x-acs-version", "2023-03-30"),
    ("user-agent", "fixture"), ("x-acs-date", "2024-01-01T00:00:00Z"),
    ("x-acs-signature-nonce", "0" * 32), ("accept", "application/json"),
]
SIG_NOW = 1704067200.0  # 2024-01-01T00:00:00Z


def _auth(signed: str, sig: str) -> tuple[str, str]:
    return ("Authorization",
            f"ACS3-HMAC-SHA256 Credential=fixture-ak,SignedHeaders={signed},Signature={sig}")


def test_signing_vector_put_update_function_verifies():
    body = b'{"environmentVariables":{"FCCTL_ROLLOUT_ID":"20240101T000000Z-deadbeef"}}'
    sha = "04610ed18dff37f300b55cc417a7c031ed5a4b7be8b823c4d5fb7fda3557b098"
    signed = ("accept;content-type;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-date;"
              "x-acs-signature-nonce;x-acs-version")
    sig = "389dea6f2ec053eba88134092c0ffa44ee3b353826225c44be9af5ed6c2b81ef"
    headers = SIG_HEADERS + [("x-acs-action", "UpdateFunction"),
                             ("content-type", "application/json; charset=utf-8"),
                             ("x-acs-content-sha256", sha), _auth(signed, sig)]
    assert verifier.verify("PUT", "/2023-03-30/functions/my-func", "", headers, body,
                           {"fixture-ak": "test-secret"}, now=SIG_NOW) == "fixture-ak"
    with pytest.raises(errors.SignatureNotMatch):  # the body changed: not the signed request
        verifier.verify("PUT", "/2023-03-30/functions/my-func", "", headers, body[:-2] + b"x}",
                        {"fixture-ak": "test-secret"}, now=SIG_NOW)


def test_signing_vector_get_list_instances_verifies():
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    raw_query = "qualifier=LATEST&withAllActive=true&instanceStatus=%5B%22Running%22%5D"
    assert verifier.canonical_query(raw_query) == (
        "instanceStatus=%5B%22Running%22%5D&qualifier=LATEST&withAllActive=true")
    signed = ("accept;host;user-agent;x-acs-action;x-acs-content-sha256;x-acs-date;"
              "x-acs-signature-nonce;x-acs-version")
    sig = "0cecd59706447ad9700a78a03515f16ad9bd0567c2fe7232c7fb8105e80f95ac"
    headers = SIG_HEADERS + [("x-acs-action", "ListInstances"), ("x-acs-content-sha256", empty),
                             _auth(signed, sig)]
    assert verifier.verify("GET", "/2023-03-30/functions/my-func/instances", raw_query, headers,
                           b"", {"fixture-ak": "test-secret"}, now=SIG_NOW) == "fixture-ak"


# --- every spec field reaches the emulator (one field table, fcctl/fcfields.py) -----------------
EVERY_FIELD = """\
region: cn-hangzhou
functions:
  - functionName: all-code
    region: cn-hangzhou
    runtime: custom.debian12
    handler: index.handler
    code: ./app
    description: every field a code function takes
    cpu: 1
    memorySize: 2048
    diskSize: 10240
    timeout: 60
    instanceConcurrency: 10
    idleTimeout: 600
    environmentVariables: {LOG_LEVEL: info}
    customRuntimeConfig:
      command: [python3, app.py]
      args: [--port, "9000"]
      port: 9000
      healthCheckConfig: {httpGetUrl: /ready, initialDelaySeconds: 1, periodSeconds: 5,
                          timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1}
    customDNS:
      nameServers: [8.8.8.8]
      searches: [svc.local]
      dnsOptions: [{name: timeout, value: "2"}]
    instanceLifecycleConfig:
      initializer: {handler: "true", timeout: 30}
      preStop: {handler: "true", timeout: 30}
    layers: ["acs:fc:cn-hangzhou:official:layers/Python310/versions/1"]
    logConfig: {project: p, logstore: l, logBeginRule: DefaultRegex, enableRequestMetrics: true,
                enableInstanceMetrics: true, enableLlmMetrics: false}
    nasConfig:
      userId: 10003
      groupId: 10003
      mountPoints: [{serverAddr: "nas.example.com:/", mountDir: /mnt/nas, enableTLS: false}]
    ossMountConfig:
      mountPoints: [{bucketName: b, bucketPath: /data, endpoint: "http://oss-cn-hangzhou-internal.aliyuncs.com",
                     mountDir: /mnt/oss, readOnly: true}]
    polarFsConfig:
      userId: 1
      groupId: 1
      mountPoints: [{instanceId: pfs-1, mountDir: /mnt/pfs, remoteDir: /, readOnly: false, extraOptions: ""}]
    juiceFsConfig:
      envs: {JFS_CACHE: "1"}
      mountPoints: [{volumeName: v, mountDir: /mnt/jfs, remoteDir: /, args: [--cache-size, "100"]}]
    tracingConfig: {type: Jaeger, params: {endpoint: "http://tracing.example.com"}}
    vpcConfig: {vpcId: vpc-1, vSwitchIds: [vsw-1], securityGroupId: sg-1}
    role: acs:ram::1234567890123456:role/fc
    internetAccess: false
    disableOndemand: false
    disableInjectCredentials: None
    enableLongLiving: false
    instanceIsolationMode: SHARE
    sessionAffinity: HEADER_FIELD
    sessionAffinityConfig: '{"affinityHeaderFieldName":"x-session"}'
    resourceGroupId: rg-acfm
    tags: {team: orders}
    triggers:
      - triggerName: http
        triggerType: http
        triggerConfig: {authType: anonymous, methods: [GET]}
  - functionName: all-container
    runtime: custom-container
    handler: index.handler
    customContainerConfig:
      image: registry.cn-hangzhou.aliyuncs.com/ai/infer:1
      acrInstanceId: cri-1
      accelerationType: Default
      command: [serve]
      entrypoint: [python3]
      port: 8080
      registryConfig:
        authConfig: {userName: u, password: "${env:FCCTL_TEST_SURELY_UNSET_PW:-}"}
        certConfig: {insecure: false, rootCaCertBase64: ""}
        networkConfig: {vpcId: vpc-1, vSwitchId: vsw-1, securityGroupId: sg-1}
    gpuConfig: {gpuType: fc.gpu.ada.1, gpuMemorySize: 49152}
    cpu: 8
    memorySize: 65536
    microSandboxConfig: {image: registry.cn-hangzhou.aliyuncs.com/ai/sb:1, osType: linux,
                         startCommand: /start, readyCommand: /ready}
    provisionConfig:
      defaultTarget: 1
      alwaysAllocateCPU: true
      alwaysAllocateGPU: false
      scheduledActions:
        - {name: day, scheduleExpression: "cron(0 0 8 * * *)", target: 2,
           startTime: "2026-01-01T00:00:00Z", endTime: "2027-01-01T00:00:00Z", timeZone: UTC}
      targetTrackingPolicies:
        - {name: gpu, metricType: GPUMemUtilization, metricTarget: 0.7, minCapacity: 1,
           maxCapacity: 2, startTime: "2026-01-01T00:00:00Z", endTime: "2027-01-01T00:00:00Z",
           timeZone: UTC}
    aliases:
      - {aliasName: prod, description: production, provisionConfig: {defaultTarget: 1}}
"""


def test_a_spec_setting_every_field_deploys_and_plans_clean_against_the_emulator(fc, project):
    """A field the emulator dropped would make every plan against --endpoint local show drift."""
    import yaml

    from fcctl.spec.models import FunctionSpec

    used = set()
    for fn in yaml.safe_load(EVERY_FIELD)["functions"]:
        used |= set(fn)
    assert used == set(FunctionSpec.model_fields), set(FunctionSpec.model_fields) ^ used
    path = str(project(EVERY_FIELD))
    run = fc("deploy", "-f", path)
    assert run.code == 0, run.err
    clean = fc("plan", "-f", path, "--detailed-exitcode")
    assert clean.code == 0, clean.out + clean.err


# --- live_ok: the same checks against real FC with FCCTL_TEST_LIVE=1 (tests/livemode.py) ----------
def _tf_function(target, base: str, **kw):
    return models.CreateFunctionRequest(body=models.CreateFunctionInput(
        function_name=target.name(base), runtime="python3.9", handler="index.handler",
        code=models.InputCodeLocation(zip_file=TF_ZIP_1), **kw))


@pytest.mark.live_ok
def test_live_ok_fcctl_deploys_the_terraform_zip_with_fcs_checksum(fc_target, tmp_path):
    (tmp_path / "index.zip").write_bytes(base64.b64decode(TF_ZIP_1))
    name = fc_target.name("tf-zip")
    (tmp_path / "fc.yaml").write_text(
        f"region: {fc_target.region}\nfunctions:\n  - functionName: {name}\n"
        "    runtime: python3.9\n    handler: index.handler\n    code: ./index.zip\n")
    run = fc_target.run("deploy", "-f", "fc.yaml", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    fn = fc_target.sdk().get_function(name, models.GetFunctionRequest()).body
    assert fn.code_checksum == TF_ZIP_1_CRC
    clean = fc_target.run("plan", "-f", "fc.yaml", "--detailed-exitcode", cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr


@pytest.mark.live_ok
def test_live_ok_function_not_found(fc_target):
    with pytest.raises(sdk_exc.ClientException) as exc:
        fc_target.sdk().get_function(fc_target.name("absent"), models.GetFunctionRequest())
    assert (exc.value.status_code, exc.value.code) == (404, "FunctionNotFound")


@pytest.mark.live_ok
def test_live_ok_environment_of_exactly_4_kb_is_accepted(fc_target):
    # fcctl's counting policy (names + values, UTF-8 bytes) at the boundary
    env = {"BIG": "x" * (4096 - 3)}
    client = fc_target.sdk()
    client.create_function(_tf_function(fc_target, "env4k", environment_variables=env))
    got = client.get_function(fc_target.name("env4k"), models.GetFunctionRequest()).body
    assert got.environment_variables == env


@pytest.mark.live_ok
@pytest.mark.parametrize("kw, doc", [
    ({"instance_lifecycle_config": models.InstanceLifecycleConfig(
        initializer=models.LifecycleHook(handler="index.init", timeout=301))},
     "Initializer最大运行时间 300s"),
    ({"instance_concurrency": 2}, "支持的运行环境：自定义运行时、自定义镜像"),
    ({"environment_variables": {"FC_DEBUG": "1"}}, "FC_*"),
    ({"environment_variables": {"BIG": "x" * 4094}}, "不能超过4 KB"),
], ids=["initializer-301", "concurrency-python", "env-FC_", "env-4KB+1"])
def test_live_ok_documented_limits_are_refused(fc_target, kw, doc):
    with pytest.raises(sdk_exc.ClientException) as exc:
        fc_target.sdk().create_function(_tf_function(fc_target, "limit", **kw))
    assert exc.value.status_code == 400
    if fc_target.kind == "emulator":  # FC's own wording is not documented
        assert exc.value.code == "InvalidArgument" and doc in exc.value.message


@pytest.mark.live_ok
def test_live_ok_listinstances_has_the_documented_shape(fc_target):
    client = fc_target.sdk()
    client.create_function(_tf_function(fc_target, "li"))
    client.invoke_function(fc_target.name("li"), models.InvokeFunctionRequest(body=b"{}"))
    body = client.list_instances(fc_target.name("li"), models.ListInstancesRequest(
        qualifier="LATEST", with_all_active=True)).body.to_map()
    assert body["instances"]
    for inst in body["instances"]:
        assert set(inst) <= set(API_LI_ZH["instances"][0])
        assert serves_latest(inst)
