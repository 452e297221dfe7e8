"""``fcctl list`` and ``fcctl delete``'s work, against :class:`fcctl.cloud.api.FcApi`.

Deletion follows the order FC requires: DeleteFunction is refused while the function has
triggers (FunctionNotEmpty) or a provision config (ProvisionConfigExist), so a function's
triggers go first, then its provision configs (DeleteProvisionConfig on LATEST and each alias —
``fcfacts`` policy), its aliases, its published versions, and the function last. Every name is
read (GetFunction) before anything is deleted: a missing one fails the whole run untouched."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Callable

from fcctl import errors, fcfacts

if TYPE_CHECKING:  # pragma: no cover
    from fcctl.cloud.api import FcApi


# --- list --------------------------------------------------------------------------------------
def list_functions(client: FcApi, prefix: str | None = None,
                   managed: set[str] | None = None) -> list[dict[str, Any]]:
    """Every live function (all ListFunctions pages) as rows ``{functionName, runtime,
    memorySize, lastUpdateStatus, state, managed?}``; ``managed`` (names in the spec) adds
    whether the spec manages each one."""
    rows = []
    for fn in sorted(client.list_functions(prefix), key=lambda f: f.get("functionName") or ""):
        row: dict[str, Any] = {"functionName": fn.get("functionName"), "runtime": fn.get("runtime"),
               "memorySize": fn.get("memorySize"), "state": fn.get("state"),
               "lastUpdateStatus": fn.get("lastUpdateStatus")}
        if managed is not None:
            row["managed"] = fn.get("functionName") in managed
        rows.append(row)
    return rows


# --- delete ------------------------------------------------------------------------------------
@dataclass
class Removal:
    """What deleting one function takes, in FC's order."""

    function: str
    triggers: list[str] = field(default_factory=list)
    provision_qualifiers: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)  # "DeleteTrigger http" … as they happen

    def document(self) -> dict[str, Any]:
        return {"function": self.function, "triggers": self.triggers,
                "provisionConfigs": self.provision_qualifiers, "aliases": self.aliases,
                "versions": self.versions, "deleted": self.done}

    def describe(self) -> list[str]:
        parts = []
        if self.triggers:
            parts.append("triggers " + ", ".join(self.triggers))
        if self.provision_qualifiers:
            parts.append("provision configs " + ", ".join(self.provision_qualifiers))
        if self.aliases:
            parts.append("aliases " + ", ".join(self.aliases))
        if self.versions:
            parts.append("versions " + ", ".join(self.versions))
        return parts


def plan_removal(client: FcApi, names: list[str]) -> list[Removal]:
    """Read what each function holds. Raises FC's error (FunctionNotFound with its request id)
    for a missing name, before anything is deleted."""
    out = []
    for name in dict.fromkeys(names):
        client.get_function(name, missing_ok=False)
        aliases = [a["aliasName"] for a in client.list_aliases(name) if a.get("aliasName")]
        provisioned = [q for q in [fcfacts.DELETE_PROVISION_QUALIFIER_LATEST, *aliases]
                       if client.get_provision_config(name, q)]
        out.append(Removal(
            function=name,
            triggers=[t["triggerName"] for t in client.list_triggers(name) if t.get("triggerName")],
            provision_qualifiers=provisioned, aliases=aliases,
            versions=[str(v["versionId"]) for v in client.list_versions(name)
                      if v.get("versionId") is not None]))
    return out


def _tolerating(missing_code: str, call: Callable[[], None]) -> None:
    """One delete; already gone (someone else deleted it meanwhile) is fine."""
    try:
        call()
    except errors.ApiError as exc:
        if exc.code != missing_code:
            raise


def remove(client: FcApi, removal: Removal, progress: Callable[[str], None] | None = None) -> None:
    """Delete one function and what it holds, in FC's order."""
    name = removal.function

    def step(label: str) -> None:
        removal.done.append(label)
        if progress is not None:
            progress(f"{name}: {label}")

    # FC's order: what refers to the function first (FunctionNotEmpty / ProvisionConfigExist)
    order = (
        (removal.triggers, "DeleteTrigger", "TriggerNotFound", client.delete_trigger),
        (removal.provision_qualifiers, "DeleteProvisionConfig", "ProvisionConfigNotFound",
         client.delete_provision_config),
        (removal.aliases, "DeleteAlias", "AliasNotFound", client.delete_alias),
        (removal.versions, "DeleteFunctionVersion", "VersionNotFound", client.delete_version),
    )
    for items, action, missing, delete in order:
        for item in items:
            _tolerating(missing, partial(delete, name, item))
            step(f"{action} {item}")
    client.delete_function(name)
    step("DeleteFunction")
