"""Unknown keys, with "did you mean …", and FC 2.0 / Serverless Devs keys with their FC 3.0
spelling. Walks the data alongside the pydantic models, so every model is covered."""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel

from fcctl import fcfacts
from fcctl.errors import Problem
from fcctl.spec import models
from fcctl.spec.messages import did_you_mean
from fcctl.spec.locations import PathT, problem
from fcctl.spec.plain import Plain

_ILC = "instanceLifecycleConfig"

# (model, key) -> what to write instead. Sources: FC 2.0 API (CreateFunction of 2021-04-06:
# initializer, initializationTimeout, instanceLifecycleConfig.preFreeze, caPort,
# instanceSoftConcurrency, instanceType), Serverless Devs s.yaml (fc: codeUri; fc3:
# asyncInvokeConfig, provisionConfig, concurrencyConfig, vpcBinding, customDomain).
LEGACY: dict[tuple[type, str], str] = {
    (models.FunctionSpec, "initializer"): (
        "initializer at function level is FC 2.0; in FC 3.0 write "
        "instanceLifecycleConfig.initializer.handler"),
    (models.FunctionSpec, "initializationTimeout"): (
        "initializationTimeout is FC 2.0; in FC 3.0 write instanceLifecycleConfig.initializer.timeout"),
    (models.FunctionSpec, "preFreeze"): (
        "preFreeze is an FC 2.0 hook; FC 3.0 has only initializer and preStop (under "
        "instanceLifecycleConfig) — remove it"),
    (models.FunctionSpec, "preStop"): (
        "preStop belongs under instanceLifecycleConfig: write instanceLifecycleConfig.preStop.handler"),
    (models.FunctionSpec, "codeUri"): "codeUri is Serverless Devs (FC 2.0) spelling; write code: ./dir",
    (models.FunctionSpec, "caPort"): (
        "caPort is FC 2.0; in FC 3.0 write customContainerConfig.port or customRuntimeConfig.port"),
    (models.FunctionSpec, "instanceSoftConcurrency"): (
        "instanceSoftConcurrency is FC 2.0 and does not exist in FC 3.0; use instanceConcurrency"),
    (models.FunctionSpec, "instanceType"): (
        "instanceType is FC 2.0; in FC 3.0 set cpu and memorySize, and gpuConfig.gpuType for GPUs"),
    (models.FunctionSpec, "name"): "write functionName (FC's field name)",
    (models.FunctionSpec, "gpuMemorySize"): (
        "gpuMemorySize at function level is FC 2.0; in FC 3.0 write gpuConfig.gpuMemorySize "
        "(with gpuConfig.gpuType)"),
    (models.FunctionSpec, "asyncConfiguration"): (
        "asyncConfiguration (Serverless Devs, FC 2.0) is a separate FC API; fcctl does not manage it in fc.yaml"),
    (models.FunctionSpec, "customDomains"): "custom domains are a separate FC API; fcctl does not manage them in fc.yaml",
    (models.FunctionSpec, "asyncInvokeConfig"): (
        "asyncInvokeConfig is a separate FC API (PutAsyncInvokeConfig); fcctl does not manage it in fc.yaml"),
    (models.FunctionSpec, "provisionConfig"): (
        "provisionConfig is a separate FC API (PutProvisionConfig); fcctl does not manage it in fc.yaml"),
    (models.FunctionSpec, "concurrencyConfig"): (
        "concurrencyConfig is a separate FC API (PutConcurrencyConfig); fcctl does not manage it in fc.yaml"),
    (models.FunctionSpec, "vpcBinding"): "vpcBinding is a separate FC API; fcctl does not manage it in fc.yaml",
    (models.FunctionSpec, "customDomain"): "custom domains are a separate FC API; fcctl does not manage them in fc.yaml",
    (models.InstanceLifecycleConfig, "preFreeze"): (
        "preFreeze is an FC 2.0 hook; FC 3.0 has only initializer and preStop — remove it"),
    (models.CustomContainerConfig, "args"): (
        "customContainerConfig.args is FC 2.0; FC 3.0 has entrypoint (the program) and command "
        "(its arguments), both argv lists"),
    (models.CustomContainerConfig, "instanceID"): "write acrInstanceId",
    (models.CustomContainerConfig, "webServerMode"): "webServerMode is FC 2.0 and does not exist in FC 3.0; remove it",
    (models.TriggerSpec, "name"): "write triggerName (FC's field name)",
    (models.TriggerSpec, "type"): "write triggerType (FC's field name)",
    (models.TriggerSpec, "config"): "write triggerConfig (FC's field name)",
    (models.Spec, "service"): (
        "FC 3.0 has no services: list functions under `functions:` and move service settings "
        "(role, vpcConfig, logConfig, nasConfig) onto each function"),
    (models.Spec, "services"): (
        "FC 3.0 has no services: list functions under `functions:` and move service settings "
        "(role, vpcConfig, logConfig, nasConfig) onto each function"),
    (models.Spec, "function"): "write `functions:` (a list)",
}
_SDEVS = ("this looks like a Serverless Devs s.yaml key; fcctl reads fc.yaml: `region:` and a "
          "`functions:` list of FC 3.0 function fields (the `props` of an fc3 resource)")
LEGACY.update({(models.Spec, key): _SDEVS for key in ("edition", "access", "vars", "resources", "props")})


def _unwrap(annotation: Any) -> tuple[str, Any]:
    """('model', cls) | ('list', inner) | ('dict', None) | ('other', None)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin is typing.Union or (origin is not None and str(origin) == "<class 'types.UnionType'>"):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            models_in = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            if len(args) == 1:
                annotation = args[0]
                continue
            return ("union", models_in)
        if origin in (list, tuple):
            return ("list", typing.get_args(annotation)[0])
        if origin is dict:
            return ("dict", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return ("model", annotation)
        return ("other", None)


def check_keys(plain: Plain, problems: list[Problem]) -> set[PathT]:
    """Report unknown and legacy keys everywhere; returns the paths reported."""
    reported: set[PathT] = set()

    def walk_model(data: Any, cls: type[BaseModel], path: PathT) -> None:
        if not isinstance(data, dict):
            return
        fields = cls.model_fields
        for key, value in data.items():
            kpath = path + (key,)
            if key not in fields:
                if cls is models.Spec and isinstance(key, str) and key.startswith("x-"):
                    continue  # extension keys (docker compose style), e.g. to hold anchors
                if cls is models.FunctionSpec and key == fcfacts.SENSITIVE_KEY:
                    continue  # fcctl's per-function list of sensitive variables (spec.sensitive)
                legacy = LEGACY.get((cls, key))
                loc = plain.loc(kpath, key=True)
                if legacy:
                    msg = legacy
                else:
                    msg = f"unknown key {key}{did_you_mean(key, fields)}"
                    allowed = ", ".join(sorted(fields)) if len(fields) <= 12 else None
                    if allowed and "did you mean" not in msg:
                        msg += f"; allowed here: {allowed}"
                problems.append(problem(loc, kpath, msg))
                reported.add(kpath)
                continue
            walk_value(value, fields[key].annotation, kpath, cls, key)

    def walk_value(value: Any, annotation: Any, path: PathT, owner: type, key: str) -> None:
        if owner is models.FunctionSpec and key == "tags":
            if isinstance(value, list):
                for i, item in enumerate(value):
                    walk_model(item, models.Tag, path + (i,))
            return
        if owner is models.FunctionSpec and key == "code":
            if isinstance(value, dict):
                walk_model(value, models.OssCode, path)
            return
        kind, inner = _unwrap(annotation)
        if kind == "model":
            walk_model(value, inner, path)
        elif kind == "list" and isinstance(value, list):
            ikind, icls = _unwrap(inner)
            if ikind == "model":
                for i, item in enumerate(value):
                    walk_model(item, icls, path + (i,))

    walk_model(plain.data, models.Spec, ())
    return reported


def field_kind(path: PathT) -> str | None:
    """What the models expect at ``path``: ``"number"``, ``"boolean"``, ``"string"``,
    ``"free"`` (free-form data, e.g. inside triggerConfig) or None (not a modelled path: an
    unknown key, an ``x-`` extension, a union)."""
    annotation: Any = models.Spec
    for part in path:
        annotation = _strip(annotation)
        if annotation is Any:
            return "free"
        origin = typing.get_origin(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(part, str):
            field = annotation.model_fields.get(part)
            if field is None:
                return None
            annotation = field.annotation
        elif origin in (list, tuple) and isinstance(part, int):
            annotation = typing.get_args(annotation)[0]
        elif origin is dict and isinstance(part, str):
            annotation = typing.get_args(annotation)[1]
        else:
            return None
    annotation = _strip(annotation)
    if annotation is Any:
        return "free"
    if typing.get_origin(annotation) is typing.Literal:
        values = typing.get_args(annotation)
        if all(isinstance(v, str) for v in values):
            return "string"
        if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            return "number"
        return None
    return {int: "number", float: "number", bool: "boolean", str: "string"}.get(annotation)


def _strip(annotation: Any) -> Any:
    """``Optional[Annotated[X, …]]`` -> ``X`` (unions of several types stay as they are)."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation
