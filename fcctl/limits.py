"""FC's documented limits of one function, checked in one place for ``fcctl validate`` and the
emulator (CreateFunction / UpdateFunction → 400 InvalidArgument). Standard library only.

:func:`check_function` takes a function as plain data (the spec's mapping, or the emulator's
merged CreateFunctionInput) and returns :class:`Finding` s: a path inside the function, a message
that quotes the documentation line it enforces, and a severity. Values of the wrong type are
skipped (the spec model and the emulator's type check report those). The facts and their sources
are in :mod:`fcctl.fcfacts` ("limits" section) and docs/fc-facts.md ("Limits").

Severities: ``error``; ``warning`` (``validate`` only: the emulator accepts); ``quota``: a limit
FC raises on request (PreStop 90 s) — ``validate`` warns, the emulator, which models an account
with the default quotas, answers 400.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from fcctl import fcfacts

_ENV_NAME_RE = re.compile(fcfacts.ENV_VAR_NAME_PATTERN)


@dataclass(frozen=True)
class Finding:
    path: tuple  # inside the function, e.g. ("cpu",), ("environmentVariables", "FC_X")
    message: str
    severity: str = "error"  # error | warning | quota
    key: bool = False  # the problem is the key at ``path``, not its value


def _num(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def gpu_type(fn: dict) -> str | None:
    """The function's gpuType, aliases (``g1``) resolved; None for a CPU function or no type."""
    gpu = fn.get("gpuConfig")
    if not isinstance(gpu, dict) or not isinstance(gpu.get("gpuType"), str):
        return None
    return fcfacts.GPU_TYPE_ALIASES.get(gpu["gpuType"], gpu["gpuType"])


def is_gpu(fn: dict) -> bool:
    gpu = fn.get("gpuConfig")
    return isinstance(gpu, dict) and bool(gpu.get("gpuType") or gpu.get("gpuMemorySize"))


def check_function(fn: dict, *, reserve_rollout_marker: bool = False) -> list[Finding]:
    """Every documented limit ``fn`` breaks. ``reserve_rollout_marker``: count the rollout
    marker in the environment size even when absent (``validate``; see fcfacts)."""
    out: list[Finding] = []
    cpu = fn.get("cpu")
    if isinstance(cpu, float) and not math.isfinite(cpu):
        out.append(Finding(("cpu",), f"cpu must be a plain number of vCPU, e.g. 1 (got {cpu})"))
    if _gpu_types(fn, out):
        pass  # a gpuConfig of the wrong types: its sizes cannot be checked
    elif is_gpu(fn):
        _gpu_sizes(fn, out)
    else:
        _cpu_sizes(fn, out)
    _hooks(fn, out)
    _concurrency(fn, out)
    _env(fn, out, reserve_rollout_marker)
    return out


# --- sizes ---------------------------------------------------------------------------------------
def _cpu_range(fn: dict, out: list[Finding], *, where: str) -> bool:
    """cpu and memorySize within the CPU table; True when both are in range (ratio applies)."""
    cpu, mem = fn.get("cpu"), fn.get("memorySize")
    ok = True
    lo, hi = fcfacts.CPU_RANGE_VCPU
    step = fcfacts.CPU_STEP_VCPU
    if _num(cpu):
        steps = cpu / step
        if not lo <= cpu <= hi or not math.isclose(steps, round(steps), abs_tol=1e-6):
            eg = min(hi, max(lo, round(steps) * step))
            out.append(Finding(("cpu",), (
                f"cpu must be a multiple of {step} vCPU between {lo} and {hi:g} (got {cpu:g}); e.g. {eg:.2f} — {where} ({fcfacts.DOC_SPECS}: "
                "0.05~16, 必须为0.05的倍数)")))
            ok = False
    else:
        ok = False
    mlo, mhi = fcfacts.MEMORY_RANGE_MB
    mstep = fcfacts.MEMORY_STEP_MB
    if _int(mem):
        if not mlo <= mem <= mhi or mem % mstep:
            out.append(Finding(("memorySize",), (
                f"memorySize must be a multiple of {mstep} MB between {mlo} and {mhi} (got {mem}) "
                f"— {where} ({fcfacts.DOC_SPECS}: 128~32768, 必须为64的倍数)")))
            ok = False
    else:
        ok = False
    return ok


def _cpu_sizes(fn: dict, out: list[Finding]) -> None:
    if _cpu_range(fn, out, where="CPU functions"):
        cpu, mem = fn["cpu"], fn["memorySize"]
        gb = mem / 1024
        rlo, rhi = fcfacts.CPU_MEMORY_RATIO
        if not (rlo * cpu - 1e-9 <= gb <= rhi * cpu + 1e-9):
            mlo, mhi = fcfacts.MEMORY_RANGE_MB
            clo, chi = fcfacts.CPU_RANGE_VCPU
            need_lo = max(mlo, math.ceil(cpu * rlo * 1024 / 64) * 64)
            need_hi = min(mhi, math.floor(cpu * rhi * 1024 / 64) * 64)
            doc = f"({fcfacts.DOC_SPECS}: vCPU与内存(GB)的比例必须在1∶1到1∶4之间)"
            out.append(Finding(("cpu",), (
                f"cpu {cpu:g} vCPU with memorySize {mem} MB breaks FC's cpu:memory ratio (1:1 to "
                f"1:4): memory in GB must be 1 to 4 times the vCPUs — for cpu {cpu:g} use memorySize "
                f"{need_lo}-{need_hi} MB, or for memorySize {mem} MB use cpu "
                f"{max(clo, gb / rhi):.2f}-{min(chi, gb / rlo):.2f} {doc}")))
            out.append(Finding(("memorySize",), (
                f"memorySize {mem} MB does not fit cpu {cpu:g} vCPU: memory in GB must be 1 to 4 "
                f"times the vCPUs {doc}")))
    disk = fn.get("diskSize")
    if _int(disk) and disk not in fcfacts.DISK_SIZES_MB:
        out.append(Finding(("diskSize",), (
            f"diskSize of a CPU function must be 512 or 10240 MB (got {disk}) "
            f"({fcfacts.DOC_SPECS}: 磁盘大小 512 MB，默认值；10 GB)")))


def gpu_cards(fn: dict) -> float | None:
    """Cards of a GPU function: gpuMemorySize / one card's memory (a fraction for a partial
    card); None when the type is unknown or gpuMemorySize unset (then 1 card is assumed)."""
    gtype = gpu_type(fn)
    gmem = (fn.get("gpuConfig") or {}).get("gpuMemorySize")
    if gtype not in fcfacts.GPU_CARD_MEMORY_MB or not _int(gmem):
        return None
    return gmem / fcfacts.GPU_CARD_MEMORY_MB[gtype]


def _gpu_types(fn: dict, out: list[Finding]) -> bool:
    """gpuConfig's field types (CreateFunctionInput: gpuType string, gpuMemorySize integer MB);
    True when one is wrong. A raw API body can hold anything; the emulator answers 400."""
    gpu = fn.get("gpuConfig")
    if not isinstance(gpu, dict):
        return False
    bad = False
    gtype, gmem = gpu.get("gpuType"), gpu.get("gpuMemorySize")
    if gtype is not None and not isinstance(gtype, str):
        out.append(Finding(("gpuConfig", "gpuType"), (
            f"gpuType must be a string such as fc.gpu.tesla.1 (got {type(gtype).__name__} "
            f"{gtype!r})")))
        bad = True
    if gmem is not None and not (_int(gmem) and gmem >= 0):
        what = f"{gmem!r}" if _int(gmem) else f"{type(gmem).__name__} {gmem!r}"
        out.append(Finding(("gpuConfig", "gpuMemorySize"), (
            f"gpuMemorySize must be a non-negative integer number of MB, e.g. 49152 "
            f"(got {what})")))
        bad = True
    return bad


def _gpu_sizes(fn: dict, out: list[Finding]) -> None:
    doc = f"({fcfacts.DOC_SPECS}: {fcfacts.DOC_LINE_GPU})"
    disk = fn.get("diskSize")
    dlo, dhi = fcfacts.GPU_DISK_RANGE_MB
    if _int(disk) and disk != fcfacts.GPU_DISK_SMALL_MB and not (
            dlo <= disk <= dhi and disk % fcfacts.GPU_DISK_STEP_MB == 0):
        out.append(Finding(("diskSize",), (
            f"diskSize of a GPU function must be 512 MB, or 10240-204800 MB (10-200 GB) in steps "
            f"of 10240 (got {disk}) ({fcfacts.DOC_SPECS}: {fcfacts.DOC_LINE_GPU_DISK})")))
    gtype = gpu_type(fn)
    rows = fcfacts.GPU_VCPU_MEMORY_PER_CARD.get(gtype or "")
    if rows is None:
        # unknown or unset gpuType: FC adds card types; no table to check (policy)
        if isinstance((fn.get("gpuConfig") or {}).get("gpuType"), str):
            known = ", ".join(fcfacts.GPU_CARD_MEMORY_MB)
            out.append(Finding(("gpuConfig", "gpuType"), (
                f"gpuType {fn['gpuConfig']['gpuType']!r} is not in FC's GPU tables ({known}); "
                f"fcctl cannot check cpu/memorySize for it {doc}"), "warning"))
        return
    card_mb = fcfacts.GPU_CARD_MEMORY_MB[gtype]
    gmem = fn["gpuConfig"].get("gpuMemorySize")
    cards = 1
    if _int(gmem) and gmem > 0:
        if gmem < card_mb and gtype in fcfacts.GPU_PARTIAL_CARD_TYPES:
            # part of a card: sized like a CPU function, no ratio (fcfacts.GPU_PARTIAL_CARD_TYPES)
            if gmem % fcfacts.GPU_PARTIAL_STEP_MB:
                out.append(Finding(("gpuConfig", "gpuMemorySize"), (
                    f"gpuMemorySize must be a multiple of {fcfacts.GPU_PARTIAL_STEP_MB} MB "
                    f"(got {gmem})")))
            _cpu_range(fn, out, where=f"a partial {gtype} card is sized like a CPU function")
            return
        if gmem % card_mb:
            eg = max(1, round(gmem / card_mb)) * card_mb
            out.append(Finding(("gpuConfig", "gpuMemorySize"), (
                f"gpuMemorySize of {gtype} is whole cards of {card_mb} MB (got {gmem}); e.g. {eg} "
                f"({fcfacts.DOC_SPECS}: {gtype} 显存容量 {card_mb // 1024} GB)")))
            return
        cards = gmem // card_mb
        max_cards = fcfacts.GPU_MAX_CARDS.get(gtype)
        if max_cards is not None and cards > max_cards:
            out.append(Finding(("gpuConfig", "gpuMemorySize"), (
                f"gpuMemorySize {gmem} MB is {cards} {gtype} cards; at most {max_cards} "
                f"({fcfacts.DOC_SPECS}: 单实例最大卡数 {max_cards}卡)")))
            return
    cpu, mem = fn.get("cpu"), fn.get("memorySize")
    vcpus = [v * cards for v, _, _ in rows]
    cap_cpu = max(vcpus)
    cap_mem = max(hi for _, _, hi in rows) * cards
    each = f" for {cards} cards" if cards > 1 else ""
    table = "; ".join(f"{v * cards} vCPU: {lo * cards}-{hi * cards} MB" for v, lo, hi in rows)
    if _num(cpu) and cpu > cap_cpu:
        out.append(Finding(("cpu",), (
            f"cpu {cpu:g} is above what {gtype} offers{each}: {table} {doc}")))
    if _int(mem) and mem > cap_mem:
        out.append(Finding(("memorySize",), (
            f"memorySize {mem} MB is above what {gtype} offers{each}: {table} {doc}")))
    if not (_num(cpu) and _int(mem)) or cpu > cap_cpu or mem > cap_mem:
        return
    row = next(((v * cards, lo * cards, hi * cards) for v, lo, hi in rows
                if math.isclose(cpu, v * cards)), None)
    step = fcfacts.GPU_MEMORY_STEP_MB
    if row is None or not row[1] <= mem <= row[2] or mem % step:
        # below the table or between its rows: FC accepted cpu 0.5 / memory 512 on whole
        # tesla.1 and ampere.1 cards (Terraform acceptance test 6950), so a warning (policy)
        out.append(Finding(("cpu",), (
            f"cpu {cpu:g} with memorySize {mem} MB is not a row of FC's table for {gtype}{each} "
            f"({table}, memory in steps of {step} MB); FC may reject it or size the instance "
            f"differently {doc}"), "warning"))


# --- lifecycle hooks -----------------------------------------------------------------------------
def _hooks(fn: dict, out: list[Finding]) -> None:
    ilc = fn.get("instanceLifecycleConfig")
    if not isinstance(ilc, dict):
        return
    init, stop = ilc.get("initializer"), ilc.get("preStop")
    if isinstance(init, dict) and _int(init.get("timeout")):
        hi = fcfacts.INITIALIZER_TIMEOUT_RANGE_S[1]
        if init["timeout"] > hi:
            out.append(Finding(("instanceLifecycleConfig", "initializer", "timeout"), (
                f"initializer timeout {init['timeout']} s is above FC's limit of {hi} s, which "
                f"cannot be raised ({fcfacts.DOC_QUOTAS}: {fcfacts.DOC_LINE_INITIALIZER}); do "
                f"longer warm-up work lazily or in the first invocation")))
    if isinstance(stop, dict) and _int(stop.get("timeout")):
        hi = fcfacts.PRESTOP_TIMEOUT_RANGE_S[1]
        if stop["timeout"] > hi:
            out.append(Finding(("instanceLifecycleConfig", "preStop", "timeout"), (
                f"preStop timeout {stop['timeout']} s is above FC's default limit of {hi} s "
                f"({fcfacts.DOC_QUOTAS}: {fcfacts.DOC_LINE_PRESTOP}); without a raised "
                f"\"PreStop最大运行时间\" quota FC stops the hook at {hi} s"), "quota"))


# --- instanceConcurrency -------------------------------------------------------------------------
def _concurrency(fn: dict, out: list[Finding]) -> None:
    conc, runtime = fn.get("instanceConcurrency"), fn.get("runtime")
    if (_int(conc) and conc > 1 and isinstance(runtime, str) and runtime in fcfacts.RUNTIMES
            and runtime not in fcfacts.CONCURRENCY_RUNTIMES):
        out.append(Finding(("instanceConcurrency",), (
            f"instanceConcurrency {conc} needs a custom runtime or custom-container; runtime "
            f"{runtime} serves one request per instance — set instanceConcurrency: 1 or use "
            f"runtime custom.debian12 ({fcfacts.DOC_CONCURRENCY}: {fcfacts.DOC_LINE_CONCURRENCY})")))


# --- environment variables -----------------------------------------------------------------------
def env_name_problem(name: Any) -> str | None:
    """Why ``name`` cannot be an FC environment variable name, or None."""
    if not isinstance(name, str):
        return None
    if name.startswith(fcfacts.ENV_RESERVED_PREFIX):
        return (f"environment variable {name}: names starting with {fcfacts.ENV_RESERVED_PREFIX} "
                f"are FC's own ({fcfacts.DOC_ENV}: {fcfacts.DOC_LINE_ENV_RESERVED}); rename it, "
                f"e.g. APP_{name[len(fcfacts.ENV_RESERVED_PREFIX):] or 'VAR'}")
    if not _ENV_NAME_RE.fullmatch(name):
        return (f"environment variable name {name!r} is not valid: start with a letter, then "
                f"letters, digits and _ ({fcfacts.DOC_ENV}: {fcfacts.DOC_LINE_ENV_NAME})")
    return None


def _env(fn: dict, out: list[Finding], reserve: bool) -> None:
    env = fn.get("environmentVariables")
    if not isinstance(env, dict):
        return
    for name in env:
        why = env_name_problem(name)
        if why:
            out.append(Finding(("environmentVariables", name), why, key=True))
    size = fcfacts.env_size_bytes(env)
    limit = fcfacts.ENV_TOTAL_MAX_BYTES
    marker = 0
    if reserve and fcfacts.ROLLOUT_ENV not in env:
        marker = fcfacts.rollout_marker_bytes()
    if size + marker > limit:
        extra = (f" plus {marker} bytes fcctl keeps for its rollout marker "
                 f"{fcfacts.ROLLOUT_ENV}=<rollout id>" if marker else "")
        out.append(Finding(("environmentVariables",), (
            f"environment variables take {size} bytes (names + values, UTF-8){extra}: over FC's "
            f"{limit}-byte total ({fcfacts.DOC_ENV}: {fcfacts.DOC_LINE_ENV_SIZE}); move large "
            "values to a file in the code or to OSS/NAS"), key=True))
