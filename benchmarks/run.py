#!/usr/bin/env python3
"""fcctl benchmarks: every figure is a ratio measured in this one run, on this machine.

    python benchmarks/run.py            # all
    python benchmarks/run.py startup    # or: validate, deploy

* startup  — `fcctl --help` vs a bare `python -c "import typer"` (goal <= 1.5x)
* validate — `fcctl validate -f fc.yaml.example` vs `python -c "import alibabacloud_fc20230330.client"`
             (goal <= 0.6x)
* code-big   — `fcctl plan --endpoint local` of a 200 MB code tree (cold: FCCTL_CODE_CACHE=0) vs
               `zip -qr` of it (goal <= 1.0); also the warm (stat-cached) plan vs a one-file app
* code-files — the same for 20 000 small files (goal <= 1.3)
  (not in the default run: they write ~200 MB and take a minute)
* deploy   — against `fcctl emulator serve --latency-ms 50`: wall time of deploying 40 changed
             functions at the default concurrency as a ratio of `--concurrency 1` (goal <= 0.25),
             and the number of write calls a no-op deploy of 40 functions makes (goal 0).

Timings are medians of repeated runs (subprocesses, so imports are cold in each).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
# What users run: the console script next to this interpreter (else `python -m fcctl`).
_SCRIPT = Path(PY).parent / "fcctl"
FCCTL = [str(_SCRIPT)] if _SCRIPT.exists() else [PY, "-m", "fcctl"]


def median_time(cmd: list[str], runs: int, env=None, cwd=None) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, env=env, cwd=cwd)
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return statistics.median(times)


def bench_startup(runs: int = 15) -> dict:
    median_time(FCCTL + ["--help"], 2)  # warm the page cache / .pyc
    help_s = median_time(FCCTL + ["--help"], runs)
    typer_s = median_time([PY, "-c", "import typer"], runs)
    return {"fcctl --help (s)": help_s, "import typer (s)": typer_s,
            "ratio": help_s / typer_s, "goal": "<= 1.5"}


def bench_validate(runs: int = 15) -> dict:
    cmd = FCCTL + ["validate", "-f", str(ROOT / "fc.yaml.example")]
    median_time(cmd, 2)
    validate_s = median_time(cmd, runs)
    sdk_s = median_time([PY, "-c", "import alibabacloud_fc20230330.client"], runs)
    return {"fcctl validate (s)": validate_s, "import SDK (s)": sdk_s,
            "ratio": validate_s / sdk_s, "goal": "<= 0.6"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_spec(dir_: Path, n: int, level: str) -> Path:
    app = dir_ / "app"
    app.mkdir(exist_ok=True)
    (app / "app.py").write_text("print('hello')\n")
    lines = ["region: cn-hangzhou", "functions:"]
    for i in range(n):
        lines += [
            f"  - functionName: bench-{i:02d}",
            "    runtime: custom.debian10",
            "    handler: index.handler",
            "    code: ./app",
            "    customRuntimeConfig: {command: [python3, app.py], port: 9000}",
            "    memorySize: 512",
            "    environmentVariables:",
            f"      LEVEL: {level}",
            "    instanceLifecycleConfig:",
            "      initializer: {handler: \"true\", timeout: 30}",
            "      preStop: {handler: \"true\", timeout: 10}",
        ]
    spec = dir_ / "fc.yaml"
    spec.write_text("\n".join(lines) + "\n")
    return spec


def bench_deploy(n: int = 40, latency_ms: int = 50) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="fcctl-bench-"))
    port = _free_port()
    env = dict(os.environ, ALIBABA_CLOUD_ACCESS_KEY_ID="bench", ALIBABA_CLOUD_ACCESS_KEY_SECRET="bench-secret")
    server = subprocess.Popen(
        FCCTL + ["emulator", "serve", "--port", str(port), "--state", str(tmp / "state.db"),
                 "--latency-ms", str(latency_ms)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/_fcctl/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        base = FCCTL + ["--endpoint", url, "deploy", "-f"]

        def deploy(level: str, *extra: str) -> float:
            spec = _write_spec(tmp, n, level)
            t0 = time.perf_counter()
            proc = subprocess.run(base + [str(spec), *extra], env=env, capture_output=True)
            elapsed = time.perf_counter() - t0
            if proc.returncode != 0:
                raise SystemExit(f"deploy failed: {proc.stderr.decode()[-800:]}")
            return elapsed

        deploy("create")
        serial = deploy("serial", "--concurrency", "1")
        concurrent = deploy("concurrent")
        urllib.request.urlopen(urllib.request.Request(url + "/_fcctl/requests", method="DELETE")).read()
        deploy("concurrent")  # unchanged: a no-op deploy
        log = json.loads(urllib.request.urlopen(url + "/_fcctl/requests").read())["requests"]
        writes = [r for r in log if r["method"] in ("POST", "PUT", "DELETE")
                  and r["path"].startswith("/2023-03-30/")]
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        f"deploy {n} changed, --concurrency 1 (s)": serial,
        f"deploy {n} changed, default concurrency (s)": concurrent,
        "ratio": concurrent / serial, "goal": "<= 0.25",
        f"write calls of a no-op deploy of {n}": len(writes), "writes goal": 0,
    }


def _plan_vs_zip(make_tree, goal: str, runs: int = 3) -> dict:
    """Wall time of a cold ``fcctl plan`` of the tree made by ``make_tree(app)`` vs ``zip -qr``."""
    if not shutil.which("zip"):
        raise SystemExit("the code benchmarks need Info-ZIP's zip on PATH")
    tmp = Path(tempfile.mkdtemp(prefix="fcctl-bench-code-"))
    try:
        spec = _write_spec(tmp, 1, "x")
        one_file = median_time(FCCTL + ["--endpoint", "local", "plan", "-f", str(spec)], runs,
                               env=_code_env(tmp, cache="1"))
        make_tree(tmp / "app")
        cold = median_time(FCCTL + ["--endpoint", "local", "plan", "-f", str(spec)], runs,
                           env=_code_env(tmp, cache="0"))
        zips = []
        for _ in range(runs):
            out = tmp / "z.zip"
            t0 = time.perf_counter()
            subprocess.run(["zip", "-qr", str(out), "app"], cwd=tmp, check=True)
            zips.append(time.perf_counter() - t0)
            out.unlink()
        env = _code_env(tmp, cache="1")
        time.sleep(2.1)  # files younger than 2 s are not cached
        median_time(FCCTL + ["--endpoint", "local", "plan", "-f", str(spec)], 1, env=env)
        warm = median_time(FCCTL + ["--endpoint", "local", "plan", "-f", str(spec)], runs, env=env)
        zip_s = statistics.median(zips)
        return {"fcctl plan, cold (s)": cold, "zip -qr (s)": zip_s, "ratio": cold / zip_s,
                "goal": goal,
                "packaging only: (cold - one-file app) / zip -qr": (cold - one_file) / zip_s,
                "fcctl plan, warm cache (s)": warm,
                "plan of a one-file app (s)": one_file,
                "warm / one-file app (goal <= 2.0)": warm / one_file}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _code_env(tmp: Path, cache: str) -> dict:
    return dict(os.environ, ALIBABA_CLOUD_ECS_METADATA_DISABLED="true", FCCTL_CODE_CACHE=cache,
                FCCTL_LOCAL_STATE=str(tmp / "state.sqlite3"), XDG_CACHE_HOME=str(tmp / "cache"))


def bench_code_big() -> dict:
    """200 MB of text-like files (compressible, so the zip fits FC's API limit)."""
    import random

    def make(app: Path) -> None:
        rnd = random.Random(0)
        words = [f"w{i}" for i in range(5000)]
        block = " ".join(rnd.choice(words) for _ in range(180_000)).encode()[: 1 << 20]
        for i in range(200):
            (app / f"data{i:03d}.txt").write_bytes(block[i:] + block[:i])

    return _plan_vs_zip(make, "<= 1.0")


def bench_code_files() -> dict:
    def make(app: Path) -> None:
        for d in range(100):
            (app / f"pkg{d}").mkdir()
            for i in range(200):
                (app / f"pkg{d}" / f"mod{i}.py").write_text(f"# module {d}.{i}\nVALUE = {i}\n" * 5)

    return _plan_vs_zip(make, "<= 1.3")


def main(argv: list[str]) -> int:
    which = argv or ["startup", "validate", "deploy"]
    benches = {"startup": bench_startup, "validate": bench_validate, "deploy": bench_deploy,
               "code-big": bench_code_big, "code-files": bench_code_files}
    missed = []
    for name in which:
        result = benches[name]()
        print(f"== {name}")
        for k, v in result.items():
            print(f"  {k}: {v:.3f}" if isinstance(v, float) else f"  {k}: {v}")
        ok = result["ratio"] <= float(result["goal"].split()[-1])
        if "writes goal" in result:
            ok = ok and result["write calls of a no-op deploy of 40"] <= result["writes goal"]
        print(f"  meets goal: {'yes' if ok else 'NO'}")
        if not ok:
            missed.append(name)
    if missed:
        print(f"missed goals: {', '.join(missed)} (figures vary with machine load; rerun quiet)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
