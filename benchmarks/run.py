#!/usr/bin/env python3
"""fcctl benchmarks: the figures of issue 15, each a ratio measured in this one run, on this
machine, printed with its goal and whether it is met.

    python benchmarks/run.py                   # the quick set (about a minute)
    python benchmarks/run.py startup validate  # or any names below
    python benchmarks/run.py deploy            # heavy: 160 functions at 50 ms (about a minute)
    python benchmarks/run.py code-big code-files  # heavy: write ~200 MB / 20 000 files

Quick set (default): startup, validate, validate-2000, emulator-call.

* startup       — `fcctl --help` and `fcctl plan --help` vs `python -c "import typer"` (goal <= 1.5x)
* validate      — `fcctl validate -f fc.yaml.example` vs `python -c "import alibabacloud_fc20230330.client"`
                  (goal <= 0.5x)
* validate-2000 — `fcctl validate` of a 2000-function spec vs PyYAML's C parser loading the same
                  file (`yaml.load(f, Loader=yaml.CSafeLoader)`, also a fresh process) (goal <= 2x)
* emulator-call — one SDK call (GetFunction) to `fcctl emulator serve --latency-ms 0` vs the same
                  SDK call to a bare loopback HTTP server that answers a fixed JSON body
                  (goal <= 3x)
* deploy        — against `fcctl emulator serve --latency-ms 50`, 160 changed functions at the
                  default concurrency: wall time / (API round trips x latency / concurrency)
                  (goal <= 1.3); API calls per changed function vs the minimum, observe + write
                  (2; + 1 read only when FC answers InProgress — the emulator here never does);
                  write calls of a no-op deploy (goal 0)
* code-big      — `fcctl plan --endpoint local` of a 200 MB code tree (cold: FCCTL_CODE_CACHE=0)
                  vs `zip -qr` of it (goal <= 1.0); also the warm (stat-cached) plan vs a one-file app
* code-files    — the same for 20 000 small files (goal <= 1.3)

fcctl is byte-compiled first (`python -m compileall fcctl`), as pip does when it installs a wheel:
the libraries it is compared with (typer, the SDK, PyYAML) are installed with their .pyc, and an
editable checkout run with PYTHONDONTWRITEBYTECODE=1 would otherwise recompile fcctl's own modules
from source in every run (~35 ms of `fcctl validate`), which no installed fcctl does.

Timings are medians of repeated runs (subprocesses, so imports are cold in each); the ratio is of
wall times, and the start-up figures also show the ratio of CPU times (user + system), which a
busy machine disturbs less. The machine's load average is printed first and last: on a shared
machine rerun when it is high.
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
ENV = dict(os.environ, ALIBABA_CLOUD_ECS_METADATA_DISABLED="true")


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_timed(cmd: list[str], env=None, cwd=None) -> tuple:
    """``(wall, cpu)`` seconds of one run of ``cmd`` (cpu: user + system of the process)."""
    c0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env=env or ENV, cwd=cwd)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return wall, cpu


def median_time(cmd: list[str], runs: int, env=None, cwd=None) -> float:
    return statistics.median(run_timed(cmd, env, cwd)[0] for _ in range(runs))


CPU: dict = {}  # command name -> median CPU seconds of the last interleaved() run


def interleaved(cmds: dict, runs: int) -> dict:
    """Median wall time of each command, run in turn (a, b, a, b…) so load drifts hit both.
    The median CPU time (less sensitive to a busy machine) is left in :data:`CPU`."""
    for cmd in cmds.values():
        run_timed(cmd)  # warm the page cache / .pyc
    walls: dict = {name: [] for name in cmds}
    cpus: dict = {name: [] for name in cmds}
    for _ in range(runs):
        for name, cmd in cmds.items():
            wall, cpu = run_timed(cmd)
            walls[name].append(wall)
            cpus[name].append(cpu)
    CPU.clear()
    CPU.update({name: statistics.median(c) for name, c in cpus.items()})
    return {name: statistics.median(t) for name, t in walls.items()}


def cpu_ratio(a: str, b: str) -> float:
    return CPU[a] / CPU[b] if CPU.get(b) else float("nan")


def figure(name: str, ratio: float, goal: float, **detail) -> dict:
    return {"name": name, "ratio": ratio, "goal": goal, "met": ratio <= goal, **detail}


def bench_startup(runs: int = 15) -> list:
    t = interleaved({"help": FCCTL + ["--help"], "plan": FCCTL + ["plan", "--help"],
                     "typer": [PY, "-c", "import typer"]}, runs)
    return [
        figure("fcctl --help / import typer", t["help"] / t["typer"], 1.5,
               fcctl_help_s=t["help"], import_typer_s=t["typer"],
               cpu_time_ratio=cpu_ratio("help", "typer")),
        figure("fcctl plan --help / import typer", t["plan"] / t["typer"], 1.5,
               plan_help_s=t["plan"], import_typer_s=t["typer"],
               cpu_time_ratio=cpu_ratio("plan", "typer")),
    ]


def bench_validate(runs: int = 15) -> list:
    t = interleaved({"validate": FCCTL + ["validate", "-f", str(ROOT / "fc.yaml.example")],
                     "sdk": [PY, "-c", "import alibabacloud_fc20230330.client"]}, runs)
    return [figure("fcctl validate / import SDK", t["validate"] / t["sdk"], 0.5,
                   validate_s=t["validate"], import_sdk_s=t["sdk"],
                   cpu_time_ratio=cpu_ratio("validate", "sdk"))]


def bench_validate_2000(runs: int = 5, n: int = 2000) -> list:
    tmp = Path(tempfile.mkdtemp(prefix="fcctl-bench-v-"))
    try:
        spec = _write_spec(tmp, n, "x")
        t = interleaved({
            "validate": FCCTL + ["validate", "-f", str(spec)],
            "cparse": [PY, "-c", "import sys, yaml; yaml.load(open(sys.argv[1], 'rb'), "
                       "Loader=yaml.CSafeLoader)", str(spec)],
        }, runs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return [figure(f"fcctl validate of {n} functions / PyYAML C load of the file",
                   t["validate"] / t["cparse"], 2.0, validate_s=t["validate"],
                   c_load_s=t["cparse"], cpu_time_ratio=cpu_ratio("validate", "cparse"))]


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


def _start_emulator(tmp: Path, latency_ms: int, env: dict) -> tuple:
    port = _free_port()
    server = subprocess.Popen(
        FCCTL + ["emulator", "serve", "--port", str(port), "--state", str(tmp / "state.db"),
                 "--latency-ms", str(latency_ms)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    _wait_http(url + "/_fcctl/health")
    return server, url


def _wait_http(url: str) -> None:
    for _ in range(400):
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{url} did not answer")


def _api_log(url: str) -> list:
    log = json.loads(urllib.request.urlopen(url + "/_fcctl/requests").read())["requests"]
    return [r for r in log if r["path"].startswith("/2023-03-30/")]


def _clear_log(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(url + "/_fcctl/requests", method="DELETE")).read()


_BENCH_ENV = dict(ENV, ALIBABA_CLOUD_ACCESS_KEY_ID="bench", ALIBABA_CLOUD_ACCESS_KEY_SECRET="bench-secret")


def bench_deploy(n: int = 160, latency_ms: int = 50, concurrency: int = 8) -> list:
    """``concurrency`` is fcctl deploy's default (``--concurrency``)."""
    tmp = Path(tempfile.mkdtemp(prefix="fcctl-bench-"))
    env = _BENCH_ENV
    server, url = _start_emulator(tmp, latency_ms, env)
    try:
        base = FCCTL + ["--endpoint", url, "deploy", "-f"]

        def deploy(level: str) -> float:
            spec = _write_spec(tmp, n, level)
            t0 = time.perf_counter()
            proc = subprocess.run(base + [str(spec)], env=env, capture_output=True)
            elapsed = time.perf_counter() - t0
            if proc.returncode != 0:
                raise SystemExit(f"deploy failed: {proc.stderr.decode()[-800:]}")
            return elapsed

        deploy("create")
        _clear_log(url)
        changed = deploy("changed")
        calls = _api_log(url)
        _clear_log(url)
        deploy("changed")  # unchanged: a no-op deploy
        writes = [r for r in _api_log(url) if r["method"] in ("POST", "PUT", "DELETE")]
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    ideal = len(calls) * latency_ms / 1000 / concurrency
    per_fn = len(calls) / n
    return [
        figure(f"deploy of {n} changed functions at {latency_ms} ms / (round trips x latency / "
               f"concurrency {concurrency})", changed / ideal, 1.3, deploy_s=changed,
               round_trips=len(calls), ideal_s=ideal),
        figure("API calls per changed function / minimum (observe + write = 2)", per_fn / 2, 1.0,
               calls_per_function=per_fn),
        figure(f"write calls of a no-op deploy of {n} (count)", float(len(writes)), 0.0),
    ]


_BARE_SERVER = r"""
import json, socket, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = json.dumps({"functionName": "bench-00", "runtime": "custom.debian10",
                   "memorySize": 512, "lastUpdateStatus": "Successful"}).encode()

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    def _answer(self):
        n = int(self.headers.get("content-length") or 0)
        if n:
            self.rfile.read(n)
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("x-acs-request-id", "bench")
        self.send_header("content-length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    do_GET = do_POST = do_PUT = do_DELETE = _answer
    def log_message(self, *a):
        pass

srv = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
srv.serve_forever()
"""

_SDK_CALLS = r"""
import statistics, sys, time
from alibabacloud_fc20230330.client import Client
from alibabacloud_tea_openapi.utils_models import Config

host, calls = sys.argv[1], int(sys.argv[2])
client = Client(Config(access_key_id="bench", access_key_secret="bench-secret", endpoint=host,
                       protocol="http", region_id="cn-hangzhou"))
from alibabacloud_fc20230330 import models
req = models.GetFunctionRequest()
for _ in range(20):
    client.get_function("bench-00", req)  # warm: connection, imports
times = []
for _ in range(calls):
    t0 = time.perf_counter()
    client.get_function("bench-00", req)
    times.append(time.perf_counter() - t0)
print(statistics.median(times))
"""


def bench_emulator_call(calls: int = 300, rounds: int = 3) -> list:
    """Median per-call time of one SDK GetFunction: emulator (latency 0) vs a bare server."""
    tmp = Path(tempfile.mkdtemp(prefix="fcctl-bench-e-"))
    env = _BENCH_ENV
    server, url = _start_emulator(tmp, 0, env)
    bare_port = _free_port()
    bare = subprocess.Popen([PY, "-c", _BARE_SERVER, str(bare_port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_http(f"http://127.0.0.1:{bare_port}/")
        spec = _write_spec(tmp, 1, "x")
        proc = subprocess.run(FCCTL + ["--endpoint", url, "deploy", "-f", str(spec)], env=env,
                              capture_output=True)
        if proc.returncode != 0:
            raise SystemExit(f"deploy failed: {proc.stderr.decode()[-800:]}")

        def per_call(host: str) -> float:
            out = subprocess.run([PY, "-c", _SDK_CALLS, host, str(calls)], env=env,
                                 capture_output=True, text=True)
            if out.returncode != 0:
                raise SystemExit(f"SDK calls failed: {out.stderr[-800:]}")
            return float(out.stdout.strip())

        emu, base = [], []
        for _ in range(rounds):
            emu.append(per_call(url.removeprefix("http://")))
            base.append(per_call(f"127.0.0.1:{bare_port}"))
    finally:
        for p in (server, bare):
            p.terminate()
            p.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    e, b = statistics.median(emu), statistics.median(base)
    return [figure("emulator SDK call (latency 0) / bare loopback HTTP SDK call", e / b, 3.0,
                   emulator_call_ms=e * 1000, bare_call_ms=b * 1000)]


def _plan_vs_zip(label: str, make_tree, goal: float, runs: int = 3) -> list:
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
        return [
            figure(f"fcctl plan of {label}, cold / zip -qr", cold / zip_s, goal, plan_cold_s=cold,
                   zip_s=zip_s, packaging_only_ratio=(cold - one_file) / zip_s),
            figure(f"fcctl plan of {label}, warm cache / plan of a one-file app", warm / one_file,
                   2.0, plan_warm_s=warm, one_file_app_s=one_file),
        ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _code_env(tmp: Path, cache: str) -> dict:
    return dict(os.environ, ALIBABA_CLOUD_ECS_METADATA_DISABLED="true", FCCTL_CODE_CACHE=cache,
                FCCTL_LOCAL_STATE=str(tmp / "state.sqlite3"), XDG_CACHE_HOME=str(tmp / "cache"))


def bench_code_big() -> list:
    """200 MB of text-like files (compressible, so the zip fits FC's API limit)."""
    import random

    def make(app: Path) -> None:
        rnd = random.Random(0)
        words = [f"w{i}" for i in range(5000)]
        block = " ".join(rnd.choice(words) for _ in range(180_000)).encode()[: 1 << 20]
        for i in range(200):
            (app / f"data{i:03d}.txt").write_bytes(block[i:] + block[:i])

    return _plan_vs_zip("a 200 MB tree", make, 1.0)


def bench_code_files() -> list:
    def make(app: Path) -> None:
        for d in range(100):
            (app / f"pkg{d}").mkdir()
            for i in range(200):
                (app / f"pkg{d}" / f"mod{i}.py").write_text(f"# module {d}.{i}\nVALUE = {i}\n" * 5)

    return _plan_vs_zip("20 000 small files", make, 1.3)


BENCHES = {"startup": bench_startup, "validate": bench_validate,
           "validate-2000": bench_validate_2000, "emulator-call": bench_emulator_call,
           "deploy": bench_deploy, "code-big": bench_code_big, "code-files": bench_code_files}
QUICK = ["startup", "validate", "validate-2000", "emulator-call"]


def _compile_fcctl() -> None:
    """Write fcctl's .pyc files, as installing the wheel does (the baselines have theirs)."""
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "fcctl")], check=True,
                   capture_output=True)


def main(argv: list[str]) -> int:
    which = argv or QUICK
    unknown = [w for w in which if w not in BENCHES]
    if unknown:
        raise SystemExit(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    print(f"machine: {os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in load)}"
          if load else f"machine: {os.cpu_count()} CPUs")
    _compile_fcctl()
    missed = []
    for name in which:
        print(f"== {name}", flush=True)
        for fig in BENCHES[name]():
            detail = ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                               for k, v in fig.items()
                               if k not in ("name", "ratio", "goal", "met"))
            print(f"  {fig['name']}: {fig['ratio']:.2f} (goal <= {fig['goal']:g}) "
                  f"{'met' if fig['met'] else 'NOT MET'}" + (f"  [{detail}]" if detail else ""),
                  flush=True)
            if not fig["met"]:
                missed.append(fig["name"])
    if load:
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if missed:
        print(f"goals not met: {len(missed)} (timings vary with machine load; rerun when quiet)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
