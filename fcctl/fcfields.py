"""Every field of an FC 3.0 function, in one table: what CreateFunction and UpdateFunction take,
what only GetFunction returns. Standard library only.

The emulator's accepted keys (``emulator.backend.CREATE_KEYS`` / ``UPDATE_KEYS``) and fcctl's
field rules (``deploy.fields.OUTPUT_ONLY`` / ``NOT_UPDATABLE``) are derived from this table, so a
field the spec can set always reaches the emulator (a field it dropped would show as drift in
every plan against ``--endpoint local``). Source: SDK ``alibabacloud-fc20230330`` 4.8
``models/_create_function_input.py``, ``_update_function_input.py`` and ``_function.py``;
``tests/unit/test_fcfields.py`` checks the table against the installed SDK and the spec model.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FunctionField:
    name: str
    updatable: bool = True  # in UpdateFunctionInput
    output_only: bool = False  # only in GetFunction's Function (never sent)
    defaulted: bool = False  # FC fills a scalar default when the body omits it (TF `Computed`)
    write_only: bool = False  # sent, never read back as such (code → codeSize/codeChecksum)


_F = FunctionField
FUNCTION_FIELDS: tuple[FunctionField, ...] = (
    # CreateFunctionInput (and UpdateFunctionInput unless updatable=False)
    _F("functionName", updatable=False),
    _F("runtime"), _F("handler"), _F("description"),
    _F("code", write_only=True),
    _F("cpu", defaulted=True), _F("memorySize", defaulted=True), _F("diskSize", defaulted=True),
    _F("timeout", defaulted=True), _F("instanceConcurrency", defaulted=True),
    _F("internetAccess", defaulted=True),
    _F("environmentVariables"), _F("layers"), _F("role"),
    _F("customContainerConfig"), _F("customRuntimeConfig"), _F("customDNS"), _F("gpuConfig"),
    _F("instanceLifecycleConfig"), _F("logConfig"), _F("nasConfig"), _F("ossMountConfig"),
    _F("polarFsConfig"), _F("juiceFsConfig"), _F("microSandboxConfig"), _F("tracingConfig"),
    _F("vpcConfig"),
    _F("disableOndemand", defaulted=True), _F("disableInjectCredentials"),
    _F("enableLongLiving"), _F("idleTimeout"),
    _F("instanceIsolationMode", defaulted=True), _F("sessionAffinity", defaulted=True),
    _F("sessionAffinityConfig"),
    _F("resourceGroupId", updatable=False, defaulted=True),
    _F("tags", updatable=False),
    # Function (GetFunction) only
    *(_F(n, updatable=False, output_only=True) for n in (
        "functionId", "functionArn", "createdTime", "lastModifiedTime", "codeSize",
        "codeChecksum", "state", "stateReason", "stateReasonCode", "lastUpdateStatus",
        "lastUpdateStatusReason", "lastUpdateStatusReasonCode", "lockInfo",
        "invocationRestriction", "accelerationInfo", "fcVersion", "url",
    )),
)

CREATE_INPUT = frozenset(f.name for f in FUNCTION_FIELDS if not f.output_only)
UPDATE_INPUT = frozenset(f.name for f in FUNCTION_FIELDS if not f.output_only and f.updatable)
NOT_UPDATABLE = CREATE_INPUT - UPDATE_INPUT
DEFAULTED = frozenset(f.name for f in FUNCTION_FIELDS if f.defaulted)
WRITE_ONLY = frozenset(f.name for f in FUNCTION_FIELDS if f.write_only)
# Output-only keys nested in input objects (SDK models/_custom_container_config.py,
# _lifecycle_hook.py), written as ``object.key``.
OUTPUT_ONLY_NESTED = frozenset({
    "instanceLifecycleConfig.initializer.size", "customContainerConfig.resolvedImageUri",
    "customContainerConfig.accelerationInfo",
})
OUTPUT_ONLY = frozenset(f.name for f in FUNCTION_FIELDS if f.output_only) | OUTPUT_ONLY_NESTED
