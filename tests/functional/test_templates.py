"""`fcctl init` and the templates, as a new user meets them: scaffold into an empty folder,
validate, run `fcctl local check`; the GPU warm-up script under dash against a stub server;
the GitHub Actions workflow's shape; templates inside a built wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from localhelpers import REPO, TEMPLATES, assert_nothing_left, free_port, run_fcctl, step

pytestmark = pytest.mark.timeout(120)
NAMES = ["github-actions", "gpu-container", "python-container", "python-web"]


def _init(tmp_path: Path, name: str) -> Path:
    dest = tmp_path / name
    res = run_fcctl(["init", name, str(dest)], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    return dest


def _use_free_port(spec: Path) -> int:
    port = free_port()
    spec.write_text(spec.read_text().replace("port: 9000", f"port: {port}"))
    return port


def test_list_shows_every_template_with_a_description(tmp_path):
    res = run_fcctl(["-o", "json", "init", "--list"], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    items = {t["name"]: t for t in json.loads(res.stdout)["templates"]}
    assert sorted(items) == NAMES
    assert all(t["description"] for t in items.values())
    text = run_fcctl(["init", "--list"], cwd=tmp_path).stdout
    for name in NAMES:
        assert name in text


@pytest.mark.parametrize("name", ["python-web", "python-container", "gpu-container"])
def test_scaffolded_spec_validates(tmp_path, name):
    dest = _init(tmp_path, name)
    assert not (dest / "template.toml").exists()
    res = run_fcctl(["validate"], cwd=dest)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "0 warnings" in res.stdout + res.stderr


def test_init_refuses_to_overwrite(tmp_path):
    dest = tmp_path / "app"
    dest.mkdir()
    (dest / "fc.yaml").write_text("# mine\n")
    res = run_fcctl(["init", "python-web", str(dest)], cwd=tmp_path)
    assert res.returncode == 2
    assert "fc.yaml" in res.stderr and "overwrite" in res.stderr
    assert (dest / "fc.yaml").read_text() == "# mine\n"
    assert not (dest / "code").exists()  # nothing written at all


def test_init_unknown_template_is_a_usage_error(tmp_path):
    res = run_fcctl(["init", "no-such-template"], cwd=tmp_path)
    assert res.returncode == 2
    assert "python-web" in res.stderr  # lists what exists


def test_python_web_local_check(tmp_path):
    dest = _init(tmp_path, "python-web")
    _use_free_port(dest / "fc.yaml")
    calls = tmp_path / "calls.log"
    res = run_fcctl(["-o", "json", "local", "check", "--data", "{}"], cwd=dest,
                    env_extra={"APP_CALL_LOG": str(calls)})
    assert res.returncode == 0, res.stdout + res.stderr
    doc = json.loads(res.stdout)
    assert calls.read_text().split() == ["initialize", "invoke", "pre-stop"]
    assert_nothing_left(doc)


def test_python_web_app_tolerates_missing_fc_headers(tmp_path):
    """The app must not depend on FC's headers: plain requests without any x-fc-* header."""
    import urllib.request

    dest = _init(tmp_path, "python-web")
    port = free_port()
    env = dict(os.environ, FC_SERVER_PORT=str(port))
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=dest / "code", env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import time

        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/anything", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        for method, path in [("POST", "/initialize"), ("POST", "/invoke"), ("GET", "/pre-stop"),
                             ("GET", "/")]:
            req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                         data=b"" if method == "POST" else None)
            with urllib.request.urlopen(req, timeout=5) as resp:
                assert resp.status == 200, (method, path)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_python_container_listens_on_9000_and_passes_local_check(tmp_path):
    dest = _init(tmp_path, "python-container")
    dockerfile = (dest / "Dockerfile").read_text()
    assert "EXPOSE 9000" in dockerfile and "app.py" in dockerfile
    assert "port: 9000" in (dest / "fc.yaml").read_text()
    _use_free_port(dest / "fc.yaml")
    # no Docker engine here: the error says to use --command
    res = run_fcctl(["local", "check"], cwd=dest)
    assert res.returncode == 2 and "--command" in res.stderr
    res = run_fcctl(["-o", "json", "local", "check", "--command", "python3 app.py"], cwd=dest)
    assert res.returncode == 0, res.stdout + res.stderr
    assert_nothing_left(json.loads(res.stdout))


def test_gpu_container_command_initializer_passes_local_check(tmp_path):
    dest = _init(tmp_path, "gpu-container")
    assert os.access(dest / "warmup.sh", os.X_OK)
    _use_free_port(dest / "fc.yaml")
    res = run_fcctl(["-o", "json", "local", "check", "--command", "python3 app.py"], cwd=dest)
    assert res.returncode == 0, res.stdout + res.stderr
    doc = json.loads(res.stdout)
    assert "command /bin/sh" in step(doc, "initializer")["detail"]
    assert_nothing_left(doc)


# --- the warm-up script under dash ------------------------------------------------------------

class _Stub:
    """A stub model server answering POST with a fixed status; records bodies."""

    def __init__(self, status: int):
        self.bodies: list[bytes] = []
        stub = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("content-length") or 0)
                stub.bodies.append(self.rfile.read(n))
                body = b"model not loaded" if status >= 300 else b"{\"ok\": true}"
                self.send_response(status)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _toolbox(tmp_path: Path, client: str) -> str:
    """A PATH holding dash's helpers and only one HTTP client (curl or wget)."""
    bin_dir = tmp_path / f"bin-{client}"
    bin_dir.mkdir()
    for tool in ("sed", "tail", "head", "rm", "sleep", "cat", client):
        found = shutil.which(tool)
        if found is None:
            pytest.skip(f"{tool} not installed")
        (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


@pytest.fixture(scope="module")
def dash():
    found = shutil.which("dash")
    if found is None:
        pytest.skip("dash is not installed")
    return found


def _warmup(dash: str, path: str, port: int, **env_extra):
    env = {"PATH": path, "FC_SERVER_PORT": str(port), "WARMUP_ATTEMPTS": "2",
           "WARMUP_TIMEOUT": "5", **env_extra}
    return subprocess.run([dash, str(TEMPLATES / "gpu-container" / "warmup.sh")], env=env,
                          capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("client", ["curl", "wget"])
def test_warmup_succeeds_on_2xx(tmp_path, dash, client):
    with _Stub(200) as stub:
        res = _warmup(dash, _toolbox(tmp_path, client), stub.port)
    assert res.returncode == 0, res.stderr
    assert stub.bodies and b"warmup" in stub.bodies[0]


@pytest.mark.parametrize("client", ["curl", "wget"])
def test_warmup_fails_clearly_on_non_2xx(tmp_path, dash, client):
    with _Stub(503) as stub:
        res = _warmup(dash, _toolbox(tmp_path, client), stub.port)
    assert res.returncode == 1
    assert "HTTP 503" in res.stderr


@pytest.mark.parametrize("client", ["curl", "wget"])
def test_warmup_fails_clearly_when_nothing_listens(tmp_path, dash, client):
    res = _warmup(dash, _toolbox(tmp_path, client), free_port())
    assert res.returncode == 1
    assert "cannot connect" in res.stderr and "2 attempt(s)" in res.stderr


def test_warmup_without_http_client_says_so(tmp_path, dash):
    bin_dir = tmp_path / "bin-none"
    bin_dir.mkdir()
    res = _warmup(dash, str(bin_dir), free_port())
    assert res.returncode == 127
    assert "neither curl nor wget" in res.stderr


def test_warmup_is_posix_sh(dash):
    res = subprocess.run([dash, "-n", str(TEMPLATES / "gpu-container" / "warmup.sh")],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


# --- GitHub Actions ---------------------------------------------------------------------------

def test_github_actions_workflow(tmp_path):
    dest = _init(tmp_path, "github-actions")
    wf_path = dest / ".github" / "workflows" / "fcctl.yml"
    text = wf_path.read_text()
    wf = yaml.safe_load(text)
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads the key `on` as True
    assert set(on) == {"pull_request", "push", "workflow_dispatch"}
    assert on["push"]["branches"] == ["main"]
    assert wf["permissions"]["id-token"] == "write"
    for var in ("ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
                "ALIBABA_CLOUD_OIDC_TOKEN_FILE"):
        assert var in text
    # no long-lived keys anywhere
    assert "ACCESS_KEY" not in text and "secrets." not in text
    jobs = wf["jobs"]

    def runs(job):
        return "\n".join(s.get("run", "") for s in jobs[job]["steps"])

    assert "pull_request" in jobs["check"]["if"]
    assert "fcctl validate" in runs("check") and "fcctl plan" in runs("check")
    assert "--detailed-exitcode" in runs("check")
    # the markdown plan is posted on the pull request (the job may write PR comments)
    assert "-o markdown" in runs("check") and "gh pr comment" in runs("check")
    assert "--body-file" in runs("check")
    assert jobs["check"]["permissions"]["pull-requests"] == "write"
    assert jobs["check"]["permissions"]["id-token"] == "write"
    assert "refs/heads/main" in jobs["deploy"]["if"] and "fcctl deploy" in runs("deploy")
    assert "workflow_dispatch" in jobs["rollout"]["if"] and "fcctl rollout" in runs("rollout")
    # every shell step is valid bash (what GitHub's ubuntu runners use)
    for job in jobs.values():
        for s in job["steps"]:
            if "run" in s:
                chk = subprocess.run(["bash", "-n"], input=s["run"], text=True,
                                     capture_output=True)
                assert chk.returncode == 0, (s, chk.stderr)


# --- templates inside a wheel -------------------------------------------------------------------

def test_templates_ship_in_the_wheel_and_are_found_there(tmp_path):
    pytest.importorskip("hatchling")
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    for name in ("fcctl", "templates"):
        shutil.copytree(REPO / name, src / name,
                        ignore=shutil.ignore_patterns("__pycache__", ".fcctl"))
    res = subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d",
                          str(tmp_path / "dist")], cwd=src, capture_output=True, text=True,
                         timeout=120)
    if res.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {res.stderr[-300:]}")
    wheel = next((tmp_path / "dist").glob("*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        zf.extractall(tmp_path / "site")
    for rel in ("python-web/fc.yaml", "gpu-container/warmup.sh",
                "github-actions/.github/workflows/fcctl.yml"):
        assert f"fcctl/_templates/{rel}" in names
    code = ("from fcctl.cli.init import templates_root, list_templates; "
            "print(templates_root()); print(len(list_templates()))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path,
                         env=dict(os.environ, PYTHONPATH=str(tmp_path / "site")),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    root, count = out.stdout.split()
    assert root == str(tmp_path / "site" / "fcctl" / "_templates")
    assert int(count) == len(NAMES)
