"""pydantic v2 models of fc.yaml.

Field names are FC's own (the camelCase keys of the SDK's ``to_map()`` for
``CreateFunctionInput`` and its nested models, ``alibabacloud-fc20230330`` 4.8.x); only fields a
user sets are modelled (output-only ones such as ``resolvedImageUri``/``accelerationInfo`` are
not). fcctl adds two keys of its own: ``region`` (top level, and per function) and ``code`` as a
local directory. Every model forbids unknown keys. Limits come from FC's documentation via
:mod:`fcctl.fcfacts` (docs/fc-facts.md); those that depend on other fields (CPU or GPU tables, the
PreStop quota, environment size) are checked by :mod:`fcctl.limits`, so the model keeps only the
bounds that hold for every function.

Cross-field rules (code xor image, lifecycle hooks, cpu:memory ratio…) live in
:mod:`fcctl.spec.rules`, which works on the raw data so that every problem is reported at once.
"""

# no `from __future__ import annotations`: pydantic would eval every annotation string (slower start-up)

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, Optional, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    Strict,
    WithJsonSchema,
)

from fcctl import fcfacts

Str = Annotated[str, Strict()]
Int = Annotated[int, Strict()]  # YAML ints only: 1.5, "10s" and true are rejected
Float = Annotated[float, Strict()]  # ints and floats, not strings or booleans
Bool = Annotated[bool, Strict()]
StrList = list[Str]
StrMap = dict[str, Str]
# Environment variable and tag values: FC takes strings; a YAML number or boolean is sent as the
# text written (with a warning), so the schema lets editors accept it too.
_SCALAR_TEXT = {"type": ["string", "number", "boolean"]}
EnvMap = Annotated[StrMap, WithJsonSchema({"type": "object", "additionalProperties": _SCALAR_TEXT})]


class FcModel(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


# --- nested models (SDK: models/_<name>.py) ---------------------------------------------------


class CustomHealthCheckConfig(FcModel):
    """Health check of a custom runtime/container (SDK ``CustomHealthCheckConfig``)."""

    failureThreshold: Optional[Annotated[Int, Field(ge=1, le=120)]] = Field(
        None, description="Failures before the check fails, 1-120 (default 3).")
    httpGetUrl: Optional[Annotated[Str, Field(max_length=2048)]] = Field(
        None, description="Health check URL path, up to 2048 characters.")
    initialDelaySeconds: Optional[Annotated[Int, Field(ge=0, le=120)]] = Field(
        None, description="Seconds between container start and the first check, 0-120.")
    periodSeconds: Optional[Annotated[Int, Field(ge=1, le=120)]] = Field(
        None, description="Seconds between checks, 1-120 (default 3).")
    successThreshold: Optional[Annotated[Int, Field(ge=1, le=120)]] = Field(
        None, description="Successes before the check passes, 1-120 (default 1).")
    timeoutSeconds: Optional[Annotated[Int, Field(ge=1, le=3)]] = Field(
        None, description="Seconds before one check times out, 1-3 (default 1).")


class RegistryAuthConfig(FcModel):
    password: Optional[Str] = Field(None, description="Image repository password (use ${env:NAME}).")
    userName: Optional[Str] = None


class RegistryCertConfig(FcModel):
    insecure: Optional[Bool] = None
    rootCaCertBase64: Optional[Str] = None


class RegistryNetworkConfig(FcModel):
    securityGroupId: Optional[Str] = None
    vSwitchId: Optional[Str] = None
    vpcId: Optional[Str] = None


class RegistryConfig(FcModel):
    authConfig: Optional[RegistryAuthConfig] = None
    certConfig: Optional[RegistryCertConfig] = None
    networkConfig: Optional[RegistryNetworkConfig] = None


class CustomContainerConfig(FcModel):
    """Container of a ``custom-container`` function (SDK ``CustomContainerConfig``)."""

    accelerationType: Optional[Literal["Default", "None"]] = Field(
        None, description="Image acceleration: Default (on) or None (off).")
    acrInstanceId: Optional[Str] = Field(
        None, description="Container Registry Enterprise Edition instance id (required for its images).")
    command: Optional[StrList] = Field(None, description="Container start-up arguments (argv list).")
    entrypoint: Optional[StrList] = Field(None, description="Container entrypoint (argv list).")
    healthCheckConfig: Optional[CustomHealthCheckConfig] = None
    image: Optional[Str] = Field(None, description="Image address, e.g. registry.<region>.aliyuncs.com/ns/repo:tag.")
    port: Optional[Annotated[Int, Field(ge=1, le=65535)]] = Field(
        None, description="Port the HTTP server in the container listens on.")
    registryConfig: Optional[RegistryConfig] = None


class CustomRuntimeConfig(FcModel):
    """Start-up of a ``custom*`` runtime function (SDK ``CustomRuntimeConfig``)."""

    args: Optional[StrList] = Field(None, description="Arguments for the start-up command.")
    command: Optional[StrList] = Field(None, description="Start-up command (argv list).")
    healthCheckConfig: Optional[CustomHealthCheckConfig] = None
    port: Optional[Annotated[Int, Field(ge=1, le=65535)]] = Field(
        None, description="Port the HTTP server listens on (FC_SERVER_PORT, default 9000).")


class DNSOption(FcModel):
    name: Str
    value: Optional[Str] = None


class CustomDNS(FcModel):
    dnsOptions: Optional[list[DNSOption]] = None
    nameServers: Optional[StrList] = None
    searches: Optional[StrList] = None


class GPUConfig(FcModel):
    """GPU of the function (SDK ``GPUConfig``). Setting it makes a GPU function."""

    gpuMemorySize: Optional[Annotated[Int, Field(gt=0, multiple_of=1024)]] = Field(
        None, description="GPU memory in MB, a multiple of 1024.")
    gpuType: Optional[Str] = Field(
        None, description="GPU card type, e.g. fc.gpu.tesla.1 (T4) or fc.gpu.ampere.1 (A10).")


class LifecycleHook(FcModel):
    """One lifecycle hook (SDK ``LifecycleHook``): ``handler`` (code type) or ``command``
    (command type, GPU Initializer only), never both; ``""``/``[]`` mean unset;
    ``timeout`` in whole seconds (docs/fc-facts.md)."""

    handler: Optional[Str] = Field(
        None, description="Code-type hook: the handler (built-in runtimes: file.function; custom "
        "runtimes/containers: any non-empty value enables POST /initialize or GET /pre-stop). "
        "\"\" = unset.")
    command: Optional[StrList] = Field(
        None, description="Command-type hook (Initializer of GPU functions only): argv list. [] = unset.")


class InitializerHook(LifecycleHook):
    timeout: Optional[Annotated[Int, Field(
        ge=fcfacts.INITIALIZER_TIMEOUT_RANGE_S[0], le=fcfacts.INITIALIZER_TIMEOUT_RANGE_S[1])]] = Field(
        None, description="Initializer timeout in whole seconds, "
        f"{fcfacts.INITIALIZER_TIMEOUT_RANGE_S[0]}-{fcfacts.INITIALIZER_TIMEOUT_RANGE_S[1]}.")


class PreStopHook(LifecycleHook):
    timeout: Optional[Annotated[Int, Field(ge=fcfacts.PRESTOP_TIMEOUT_RANGE_S[0])]] = Field(
        None, description="PreStop timeout in whole seconds, "
        f"{fcfacts.PRESTOP_TIMEOUT_RANGE_S[0]}-{fcfacts.PRESTOP_TIMEOUT_RANGE_S[1]} (FC's default "
        "quota; more only with a raised quota).")


class InstanceLifecycleConfig(FcModel):
    """FC 3.0 has exactly two hooks: Initializer and PreStop (no PreFreeze)."""

    initializer: Optional[InitializerHook] = None
    preStop: Optional[PreStopHook] = None


class JuiceFsMountConfig(FcModel):
    args: Optional[StrList] = None
    mountDir: Str
    remoteDir: Optional[Str] = None
    token: Optional[Str] = Field(None, description="JuiceFS token (use ${env:NAME}).")
    volumeName: Str


class JuiceFsConfig(FcModel):
    envs: Optional[StrMap] = None
    mountPoints: Optional[list[JuiceFsMountConfig]] = None


class LogConfig(FcModel):
    enableInstanceMetrics: Optional[Bool] = None
    enableLlmMetrics: Optional[Bool] = None
    enableRequestMetrics: Optional[Bool] = None
    logBeginRule: Optional[Str] = Field(None, description="e.g. DefaultRegex or a regex.")
    logstore: Optional[Str] = None
    project: Optional[Str] = None


class MicroSandboxConfig(FcModel):
    acrInstanceId: Optional[Str] = None
    image: Optional[Str] = None
    osType: Optional[Str] = None
    readyCommand: Optional[Str] = None
    registryConfig: Optional[RegistryConfig] = None
    startCommand: Optional[Str] = None


class NASMountConfig(FcModel):
    enableTLS: Optional[Bool] = None
    mountDir: Str
    serverAddr: Str


class NASConfig(FcModel):
    groupId: Optional[Int] = None
    mountPoints: Optional[list[NASMountConfig]] = None
    userId: Optional[Int] = None


class OSSMountPoint(FcModel):
    bucketName: Str
    bucketPath: Optional[Str] = None
    endpoint: Optional[Str] = None
    mountDir: Str
    readOnly: Optional[Bool] = None


class OSSMountConfig(FcModel):
    mountPoints: Optional[list[OSSMountPoint]] = None


class PolarFsMountConfig(FcModel):
    extraOptions: Optional[Str] = None
    instanceId: Optional[Str] = None
    mountDir: Optional[Str] = None
    readOnly: Optional[Bool] = None
    remoteDir: Optional[Str] = None


class PolarFsConfig(FcModel):
    groupId: Optional[Int] = None
    mountPoints: Optional[list[PolarFsMountConfig]] = None
    userId: Optional[Int] = None


class Tag(FcModel):
    Key: Str
    Value: Str


class TracingConfig(FcModel):
    params: Optional[StrMap] = Field(None, description="e.g. {endpoint: <Tracing Analysis endpoint>}.")
    type: Optional[Str] = Field(None, description="Tracing protocol; FC documents only Jaeger.")


class VPCConfig(FcModel):
    role: Optional[Str] = None
    securityGroupId: Optional[Str] = None
    vSwitchIds: Optional[StrList] = None
    vpcId: Optional[Str] = None


# --- code ------------------------------------------------------------------------------------


class LocalCode(FcModel):
    """``code: ./dir`` — a local directory (absolute after loading); fcctl zips and uploads it."""

    path: Path


class OssCode(FcModel):
    """``code: {ossBucketName, ossObjectName}`` — a zip already in OSS."""

    ossBucketName: Str
    ossObjectName: Str


def _code_from_str(value: Any) -> Any:
    # the loader has already made a local path absolute (relative to the file that set it)
    if isinstance(value, str):
        return {"path": value}
    return value


_CODE_SCHEMA = {
    "description": "A local directory (relative to the file that sets it) or a zip in OSS.",
    "anyOf": [
        {"type": "string", "minLength": 1},
        {
            "type": "object",
            "properties": {"ossBucketName": {"type": "string"}, "ossObjectName": {"type": "string"}},
            "required": ["ossBucketName", "ossObjectName"],
            "additionalProperties": False,
        },
    ],
}

CodeT = Annotated[
    Optional[Union[OssCode, LocalCode]],
    BeforeValidator(_code_from_str),
    WithJsonSchema(_CODE_SCHEMA),
]


def _tags_from_mapping(value: Any) -> Any:
    # `tags: {team: a}` (fcctl's friendly form) -> FC's [{"Key": "team", "Value": "a"}]
    if isinstance(value, dict):
        return [{"Key": k, "Value": v} for k, v in value.items()]
    return value


_TAGS_SCHEMA = {
    "description": "Tags: a mapping {key: value} or FC's list [{Key, Value}].",
    "anyOf": [
        {"type": "object", "additionalProperties": _SCALAR_TEXT},
        {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"Key": {"type": "string"}, "Value": {"type": "string"}},
                "required": ["Key", "Value"],
                "additionalProperties": False,
            },
        },
    ],
}

TagsT = Annotated[Optional[list[Tag]], BeforeValidator(_tags_from_mapping), WithJsonSchema(_TAGS_SCHEMA)]


# --- triggers --------------------------------------------------------------------------------

# SDK docs of CreateTriggerInput.triggerType
TriggerType = Literal["oss", "log", "timer", "http", "tablestore", "cdn_events", "mns_topic", "eventbridge"]


class TriggerSpec(FcModel):
    """One trigger (SDK ``CreateTriggerInput``); ``triggerConfig`` is written as a mapping and
    JSON-encoded by the cloud layer (the API takes a string)."""

    triggerName: Annotated[Str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_-]{0,127}$")] = Field(
        description="1-128 letters, digits, _ or -; not starting with a digit or -.")
    triggerType: TriggerType
    triggerConfig: dict[str, Any] = Field(
        default_factory=dict, description="Trigger configuration for the type, as a mapping.")
    qualifier: Optional[Str] = Field(None, description="Version or alias the trigger invokes (default LATEST).")
    invocationRole: Optional[Str] = None
    sourceArn: Optional[Str] = None
    description: Optional[Str] = None

    def api_fields(self) -> dict[str, Any]:
        """CreateTriggerInput body (camelCase, only keys the spec sets); triggerConfig a dict."""
        out = self.model_dump(mode="json", exclude_unset=True)
        out.setdefault("triggerConfig", dict(self.triggerConfig))
        return out


# --- aliases and provisioning (SDK CreateAliasInput, PutProvisionConfigInput) -----------------

_TARGET = Field(ge=fcfacts.PROVISION_TARGET_RANGE[0], le=fcfacts.PROVISION_TARGET_RANGE[1])


class ScheduledAction(FcModel):
    """Scheduled change of the minimum instances (SDK ``ScheduledAction``)."""

    name: Str = Field(description="Policy name.")
    scheduleExpression: Str = Field(description="cron(...) or at(...), e.g. cron(0 0 22 * * *).")
    target: Annotated[Int, _TARGET] = Field(description="Minimum instances while the policy applies, 0-10000.")
    startTime: Optional[Str] = Field(None, description="When the policy takes effect, e.g. 2026-03-10T10:10:10Z.")
    endTime: Optional[Str] = Field(None, description="When the policy expires, e.g. 2026-12-10T10:10:10Z.")
    timeZone: Optional[Str] = Field(None, description="e.g. Asia/Shanghai; without it the times are UTC.")


class TargetTrackingPolicy(FcModel):
    """Metric-based scaling of the minimum instances (SDK ``TargetTrackingPolicy``)."""

    name: Str = Field(description="Policy name.")
    metricType: Literal[fcfacts.PROVISION_METRIC_TYPES] if not TYPE_CHECKING else str  # type: ignore[valid-type]
    metricTarget: Float = Field(description="Value the metric is kept at, e.g. 0.6.")
    minCapacity: Annotated[Int, _TARGET] = Field(description="Fewest minimum instances, 0-10000.")
    maxCapacity: Annotated[Int, _TARGET] = Field(description="Most minimum instances, 0-10000.")
    startTime: Optional[Str] = None
    endTime: Optional[Str] = None
    timeZone: Optional[Str] = None


class ProvisionConfig(FcModel):
    """Minimum instances of LATEST (on the function) or of an alias (in its ``aliases:`` entry):
    FC 3.0 ``PutProvisionConfigInput`` (never on a version number)."""

    defaultTarget: Annotated[Int, _TARGET] = Field(description="Minimum instances, 0-10000.")
    alwaysAllocateCPU: Optional[Bool] = Field(None, description="FC default true.")
    alwaysAllocateGPU: Optional[Bool] = Field(None, description="FC default true.")
    scheduledActions: Optional[list[ScheduledAction]] = None
    targetTrackingPolicies: Optional[list[TargetTrackingPolicy]] = None

    def api_body(self) -> dict[str, Any]:
        """PutProvisionConfigInput body (camelCase, only keys the spec sets)."""
        return self.model_dump(mode="json", exclude_unset=True)


class AliasSpec(FcModel):
    """An alias of the function (SDK ``CreateAliasInput``: aliasName, description). Which
    version it points at belongs to `fcctl release`, not to the spec."""

    aliasName: Annotated[Str, Field(pattern=fcfacts.ALIAS_NAME_PATTERN)] = Field(
        description="1-128 letters, digits, _ or -; not starting with a digit or -; not LATEST.")
    description: Optional[Str] = None
    provisionConfig: Optional[ProvisionConfig] = Field(
        None, description="Minimum instances of this alias (applied once the alias exists).")


# --- function ---------------------------------------------------------------------------------

# fcctl's keys of a function entry that are not part of CreateFunctionInput
NOT_FUNCTION_BODY = frozenset({"code", "triggers", "region", "aliases", "provisionConfig"})

if TYPE_CHECKING:
    Runtime = str  # for type checkers: a text; pydantic checks it against the list below
else:
    Runtime = Literal[fcfacts.RUNTIMES]  # FC's runtimes (fcfacts.RUNTIMES), listed in the schema


class FunctionSpec(FcModel):
    """One function: FC's ``CreateFunctionInput`` (camelCase) plus fcctl's ``region``,
    ``code`` (local dir or OSS) and ``triggers``. Units: memorySize/diskSize MB, cpu vCPU,
    timeout/idleTimeout seconds."""

    # fcctl's x-fcctl-sensitive (fcctl/spec/sensitive.py): removed before validation, shown to
    # editors here
    model_config = ConfigDict(extra="forbid", defer_build=True, json_schema_extra=lambda schema: (
        schema.setdefault("properties", {}).__setitem__(fcfacts.SENSITIVE_KEY, _SENSITIVE_SCHEMA)))

    functionName: Annotated[Str, Field(pattern=fcfacts.FUNCTION_NAME_PATTERN)] = Field(
        description="1-64 letters, digits, _ or -; not starting with a digit or -.")
    runtime: Runtime
    handler: Str = Field(description="Entry point (file.function); custom runtimes/containers take any placeholder.")
    region: Optional[Str] = Field(None, description="fcctl: region of this function (default: the top-level region).")
    code: CodeT = None
    description: Optional[Str] = None
    cpu: Optional[Annotated[Float, Field(ge=fcfacts.CPU_RANGE_VCPU[0])]] = Field(
        None, description="vCPU. CPU functions: a multiple of 0.05 in 0.05-16, cpu:memory(GB) "
        "between 1:1 and 1:4. GPU functions: per card 4/8/12/16/24 by gpuType, times the cards.")
    memorySize: Optional[Annotated[Int, Field(
        ge=fcfacts.MEMORY_RANGE_MB[0], multiple_of=fcfacts.MEMORY_STEP_MB)]] = Field(
        None, description="MB, a multiple of 64. CPU functions: 128-32768. GPU functions: the "
        "per-card range of gpuType (up to 253952 MB per card), in 4096 MB steps.")
    diskSize: Optional[Annotated[Int, Field(ge=fcfacts.DISK_SIZES_MB[0])]] = Field(
        None, description="MB. CPU functions: 512 or 10240. GPU functions: 512, or "
        "10240-204800 in steps of 10240.")
    timeout: Optional[Annotated[Int, Field(ge=fcfacts.TIMEOUT_RANGE_S[0], le=fcfacts.TIMEOUT_RANGE_S[1])]] = Field(
        None, description="Seconds, 1-86400 (default 3).")
    instanceConcurrency: Optional[Annotated[Int, Field(
        ge=fcfacts.INSTANCE_CONCURRENCY_RANGE[0], le=fcfacts.INSTANCE_CONCURRENCY_RANGE[1])]] = Field(
        None, description="Requests one instance serves at once, 1-200.")
    idleTimeout: Optional[Annotated[Int, Field(ge=0)]] = Field(None, description="Instance deferred release time, seconds.")
    environmentVariables: Optional[EnvMap] = Field(
        None, description="Strings only; write secrets as ${env:NAME}.")
    customContainerConfig: Optional[CustomContainerConfig] = None
    customRuntimeConfig: Optional[CustomRuntimeConfig] = None
    customDNS: Optional[CustomDNS] = None
    gpuConfig: Optional[GPUConfig] = None
    instanceLifecycleConfig: Optional[InstanceLifecycleConfig] = None
    layers: Optional[StrList] = Field(None, description="Layer ARNs; a smaller index overrides a larger one.")
    logConfig: Optional[LogConfig] = None
    nasConfig: Optional[NASConfig] = None
    ossMountConfig: Optional[OSSMountConfig] = None
    polarFsConfig: Optional[PolarFsConfig] = None
    juiceFsConfig: Optional[JuiceFsConfig] = None
    microSandboxConfig: Optional[MicroSandboxConfig] = None
    tracingConfig: Optional[TracingConfig] = None
    vpcConfig: Optional[VPCConfig] = None
    role: Optional[Str] = Field(None, description="RAM role ARN FC assumes for the function.")
    internetAccess: Optional[Bool] = Field(None, description="Default true.")
    disableOndemand: Optional[Bool] = None
    disableInjectCredentials: Optional[Literal["None", "Env", "Request", "All"]] = None
    enableLongLiving: Optional[Bool] = None
    instanceIsolationMode: Optional[Str] = None
    sessionAffinity: Optional[Literal["NONE", "MCP_SSE", "GENERATED_COOKIE", "HEADER_FIELD"]] = None
    sessionAffinityConfig: Optional[Str] = Field(None, description="JSON string for the sessionAffinity type.")
    resourceGroupId: Optional[Str] = None
    tags: TagsT = None
    triggers: list[TriggerSpec] = Field(default_factory=list, description="fcctl: triggers of this function.")
    aliases: list[AliasSpec] = Field(default_factory=list, description="fcctl: aliases of this function.")
    provisionConfig: Optional[ProvisionConfig] = Field(
        None, description="fcctl: minimum instances of LATEST (FC PutProvisionConfig, qualifier LATEST).")

    _source_file: str = PrivateAttr(default="")
    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)

    @property
    def source_file(self) -> str:
        """The spec file that defines the function (its first appearance)."""
        return self._source_file

    @property
    def base_dir(self) -> Path:
        """Directory of :attr:`source_file` (relative paths resolve against it)."""
        return self._base_dir

    def api_fields(self) -> dict[str, Any]:
        """CreateFunctionInput JSON body: camelCase, only keys the spec sets (recursively), no
        ``code``/``triggers``/``region``/``aliases``/``provisionConfig``; ``tags`` as
        ``[{"Key", "Value"}]``; hooks as written."""
        return self.model_dump(mode="json", exclude_unset=True, exclude=set(NOT_FUNCTION_BODY))


_SENSITIVE_SCHEMA: dict[str, Any] = {
    "type": "array", "items": {"type": "string"},
    "description": "fcctl: environment variables whose values are masked in all output, "
                   "whatever their names (top level: every function).",
}


class Spec(FcModel):
    """A whole fc.yaml (after overlays): default ``region`` and the ``functions``. Top-level
    keys starting with ``x-`` are ignored (a place for YAML anchors, as in docker compose)."""

    model_config = ConfigDict(extra="forbid", defer_build=True,
                              json_schema_extra={"patternProperties": {"^x-": {}}})

    region: Optional[Str] = Field(None, description="fcctl: default region of every function, e.g. cn-hangzhou.")
    functions: list[FunctionSpec] = Field(description="The functions, FC CreateFunctionInput fields.")
