"""Provision configs (PutProvisionConfig / GetProvisionConfig / DeleteProvisionConfig): how many
provisioned instances a qualifier (LATEST or an alias) keeps. Stored under
``<function>/<qualifier>``; ``_qualifier`` and ``_failedGen`` (``generation:version`` whose
Initializer failed, not retried until the next update or Put) are private. The instances
themselves are started and stopped when the function settles (:mod:`fcctl.emulator.backend`).
``be`` is the :class:`~fcctl.emulator.backend.Backend`."""

from __future__ import annotations

from fcctl.emulator import errors, versions
from fcctl.emulator.validation import LATEST
from fcctl.emulator.validation import public_fields as _public

# Policy (the real quota is per account and region, and raised on request): a local emulator
# caps provisioned instances so a typo cannot create 100 000 rows.
MAX_PROVISIONED = 100


def _render(be, name: str, prov: dict, region: str | None) -> dict:
    """ProvisionConfig; its functionArn names the qualifier (``…:functions/NAME/QUALIFIER``,
    the shape of the SDK's ProvisionConfig example)."""
    out = _public(prov)
    out["functionArn"] = f"{be.function_arn(name, region)}/{prov['_qualifier']}"
    return out


def label_of(qualifier: str | None) -> str:
    return LATEST if qualifier in (None, "") else qualifier


def put_provision_config(be, name: str, qualifier: str | None, body: dict,
                         region: str | None = None) -> dict:
    """Provisioned instances for LATEST or an alias (FC: "仅支持为函数别名或LATEST版本设置最小
    实例数弹性策略"; a version number → 400). ``defaultTarget`` (the SDK's recommended field)
    or the deprecated ``target``: that many instances are started at once. Raises 404 for
    an unknown function/alias."""
    label = label_of(qualifier)
    if not isinstance(body, dict):
        raise errors.InvalidArgument("the request body must be a JSON object")
    if str(label).isdigit():
        raise errors.InvalidArgument(
            f"provision config is supported only on LATEST or an alias, not on version "
            f"{label}")
    target = body.get("defaultTarget", body.get("target"))
    for key in ("defaultTarget", "target"):
        value = body.get(key)
        if key in body and (not isinstance(value, int) or isinstance(value, bool)
                            or not 0 <= value <= 10000):
            raise errors.InvalidArgument(f"{key} must be an integer from 0 to 10000")
    if target is None:
        raise errors.InvalidArgument("defaultTarget (or target) is required")
    if target > MAX_PROVISIONED:
        raise errors.LimitExceededError(
            f"target {target} exceeds the emulator's limit of {MAX_PROVISIONED} provisioned "
            "instances per qualifier")
    with be.lock:
        be._settle(name)
        versions.resolve(be, name, label)
        key = f"{name}/{label}"
        prov = be.store.get("provision", key) or {"_qualifier": label, "current": 0}
        prov.update({k: v for k, v in body.items() if k in (
            "alwaysAllocateCPU", "alwaysAllocateGPU", "scheduledActions",
            "targetTrackingPolicies")})
        # no scheduled/tracking policy is modelled: target == defaultTarget (SDK doc)
        prov["target"] = prov["defaultTarget"] = target
        prov.pop("_failedGen", None)
        prov.pop("currentError", None)
        be.store.put("provision", key, prov)
        be._settle(name)
        return _render(be, name, be.store.get("provision", key), region)


def get_provision_config(be, name: str, qualifier: str | None,
                         region: str | None = None) -> dict:
    """The qualifier's provision config; with none, 200 and an empty body (what Serverless
    Devs fc3 and Terraform expect of FC: no error code)."""
    label = label_of(qualifier)
    with be.lock:
        be._settle(name)
        prov = be.store.get("provision", f"{name}/{label}")
        if prov is None:
            return {}
        return _render(be, name, prov, region)


def delete_provision_config(be, name: str, qualifier: str | None) -> None:
    label = label_of(qualifier)
    with be.lock:
        be._settle(name)
        key = f"{name}/{label}"
        prov = be.store.get("provision", key)
        if prov is None:
            raise errors.ProvisionConfigNotFound(
                f"function '{name}' has no provision config for qualifier {label}")
        prov["target"] = 0
        be.store.put("provision", key, prov)
        be._settle(name)  # scale-in: the provisioned instances go through PreStop
        be.store.delete("provision", key)
