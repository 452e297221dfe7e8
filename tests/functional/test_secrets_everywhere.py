"""Issue 14 items 2 and 3, as properties over the real commands: a secret value put in a spec
never appears in any command's text, JSON, errors, saved files or the emulator's log — plain,
JSON-escaped, repr-escaped, URL-encoded or base64 — and user data never drives the terminal.

Every run goes through the real CLI, the official SDK over HTTP and the emulator (``fc``), or a
real ``python -m fcctl`` process for ``local``.
"""

from __future__ import annotations

import base64
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote, quote_plus

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fcctl.ui import redact
from tests.functional.localhelpers import APPS, free_port, run_fcctl

SETTINGS = settings(max_examples=25, deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

# quotes, backslashes, $, non-ASCII (accents, CJK, emoji), digits
ALPHABET = st.sampled_from(list("abcdXYZ0123456789'\"\\$%&+/=:@;,é中😀-_.~!#"))
TEXT_SECRETS = st.text(ALPHABET, min_size=4, max_size=60).filter(
    lambda s: s.strip() == s and sum(c.isalnum() for c in s) >= 3)
OCTAL = st.from_regex(r"0[1-7][0-7]{5,8}", fullmatch=True)  # YAML 1.1 reads it as octal
SECRETS = st.one_of(TEXT_SECRETS, OCTAL)
URL_PASSWORDS = st.text(st.sampled_from(list("abcXYZ0123456789-_.~!$&'()*+,;=%")),
                        min_size=6, max_size=30).filter(lambda s: sum(c.isalnum() for c in s) >= 4)
TOKENS = st.text(st.sampled_from(list("abcXYZ0123456789-._~+/")), min_size=8, max_size=40).filter(
    lambda s: sum(c.isalnum() for c in s) >= 6)


def encodings(secret: str) -> dict[str, str]:
    out = {
        "plain": secret,
        "json": json.dumps(secret)[1:-1],
        "json-utf8": json.dumps(secret, ensure_ascii=False)[1:-1],
        "json-in-json": json.dumps(json.dumps(secret))[1:-1],
        "repr": repr(secret)[1:-1],
        "ascii": ascii(secret)[1:-1],
        "quote": quote(secret),
        "quote-all": quote(secret, safe=""),
        "quote_plus": quote_plus(secret),
        "yaml-dollars": secret.replace("$", "$$"),
    }
    if len(secret.encode()) >= 12:
        out["base64"] = base64.b64encode(secret.encode()).decode()[:-4]
    return out


def assert_absent(secret: str, blobs: dict[str, str]) -> None:
    for where, text in blobs.items():
        for name, enc in encodings(secret).items():
            assert enc not in text, f"{name} form of the secret in {where}"


def yaml_text(value: str) -> str:
    """A double-quoted YAML scalar holding ``value`` literally (``$`` doubled for fcctl)."""
    return json.dumps(value.replace("$", "$$"), ensure_ascii=False)


SPEC = """\
region: cn-hangzhou
x-fcctl-sensitive: [PLAIN_HOLDER]
functions:
  - functionName: secret-fn
    runtime: custom.debian12
    handler: index.handler
    code: ./app
    customRuntimeConfig: {{command: [python3, app.py], port: 9000}}
    description: {description}
    environmentVariables:
      DB_PASSWORD: {secret}
      PLAIN_HOLDER: {secret2}
      DATABASE_URL: "postgres://app:{pw}@db-host/orders"
      UPSTREAM_HEADER: "Bearer {token}"
      LOG_LEVEL: info
"""


def write_project(text: str) -> Path:
    d = Path(tempfile.mkdtemp(prefix="fcctl-secrets-"))
    (d / "app").mkdir()
    (d / "app" / "app.py").write_text("print('hello')\n")
    (d / "fc.yaml").write_text(text)
    return d


@SETTINGS
@given(secret=SECRETS, secret2=TEXT_SECRETS, pw=URL_PASSWORDS, token=TOKENS,
       quoted=st.booleans())
def test_no_command_prints_a_spec_secret(fc, emulator, secret, secret2, pw, token, quoted):
    assume(len({secret, secret2, pw, token}) == 4)
    redact.reset()  # each example is a fresh fcctl run: no secret of an earlier one masks this
    octal = secret.isdigit() and not quoted  # written bare: YAML 1.1 reads it as a number
    emulator.log = log = io.StringIO()
    d = write_project(SPEC.format(
        description=yaml_text(f"uses {secret} and {secret2}; visible-marker"),
        secret=secret if octal else yaml_text(secret), secret2=yaml_text(secret2),
        pw=pw.replace("$", "$$"), token=token))
    f = str(d / "fc.yaml")
    runs = {
        "validate": fc("validate", "-f", f),
        "validate-json": fc("-o", "json", "validate", "-f", f),
        "plan": fc("plan", "-f", f),
        "plan-json": fc("-o", "json", "plan", "-f", f),
        "deploy": fc("deploy", "-f", f),
        "deploy-json": fc("-o", "json", "deploy", "-f", f),
        "get": fc("get", "secret-fn"),
        "get-json": fc("-o", "json", "get", "secret-fn"),
        "export": fc("export", "secret-fn", "--code-dir", str(d / "code")),
    }
    assert runs["deploy"].code == 0, runs["deploy"].err
    assert runs["get-json"].code == 0 and runs["export"].code == 0
    # the outputs do show the surrounding data (so the assertions below can fail)
    assert "visible-marker" in runs["get-json"].out
    assert "postgres://app:***@db-host/orders" in runs["get-json"].out
    (d / "exported.yaml").write_text(runs["export"].out)
    exported = yaml.safe_load(runs["export"].out)
    assert exported["functions"][0]["functionName"] == "secret-fn"

    # a spec error quoting the value (an invalid field holding the secret)
    bad = write_project(SPEC.format(
        description=yaml_text("x"), secret=yaml_text(secret), secret2=yaml_text(secret2),
        pw="p", token="t").replace("runtime: custom.debian12",
                                   f"runtime: custom.debian12\n    memorySize: {yaml_text(secret)}"
                                   f"\n    handler: {yaml_text(secret2)}"))
    runs["bad-validate"] = fc("validate", "-f", str(bad / "fc.yaml"))
    runs["bad-validate-json"] = fc("-o", "json", "validate", "-f", str(bad / "fc.yaml"))
    runs["bad-plan"] = fc("plan", "-f", str(bad / "fc.yaml"))
    assert runs["bad-validate"].code == 2 and "memorySize" in runs["bad-validate"].err

    blobs = {f"{k} stdout": r.out for k, r in runs.items()}
    blobs.update({f"{k} stderr": r.err for k, r in runs.items()})
    blobs["exported file"] = (d / "exported.yaml").read_text()
    blobs["emulator log"] = log.getvalue()
    assert len(blobs["emulator log"].splitlines()) >= 10  # the log was written
    for value in (secret, secret2, pw, token):
        assert_absent(value, blobs)
    read = yaml.safe_load(secret) if octal else None
    if read is not None and len(str(read)) >= redact.MIN_LENGTH:  # the value YAML read, too
        assert_absent(str(read), blobs)
    for r in runs.values():
        assert "*** → ***" not in r.out and '"***" → "***"' not in r.out


def test_a_changed_secret_says_so(fc, project):
    path = str(project(SPEC.format(description='"d"', secret='"first-secret-1"',
                                   secret2='"holder-1"', pw="pw-one-1", token="tok-one-1111")))
    assert fc("deploy", "-f", path).code == 0
    path = str(project(SPEC.format(description='"d"', secret='"second-secret-2"',
                                   secret2='"holder-2"', pw="pw-two-2", token="tok-two-2222")))
    run = fc("plan", "-f", path)
    assert "environmentVariables.DB_PASSWORD: (sensitive value changed)" in run.out
    assert "environmentVariables.PLAIN_HOLDER: (sensitive value changed)" in run.out
    assert "postgres://app:***@db-host/orders" in run.out or \
        "environmentVariables.DATABASE_URL: (sensitive value changed)" in run.out
    assert "***" not in run.out.replace("app:***@", "")
    doc = fc("-o", "json", "plan", "-f", path).json()
    changes = {c["path"]: c for c in doc["functions"][0]["changes"]}
    assert changes["environmentVariables.DB_PASSWORD"]["sensitive"] is True
    assert "sensitive" not in changes.get("description", {"path": "description"})


def test_x_fcctl_sensitive_is_checked(fc, project):
    path = str(project("region: cn-hangzhou\nx-fcctl-sensitive: NAME\nfunctions:\n"
                       "  - functionName: a\n    runtime: custom.debian12\n"
                       "    handler: index.handler\n    code: ./app\n"
                       "    x-fcctl-sensitive: [SHORT]\n"
                       "    environmentVariables: {SHORT: ab}\n"))
    run = fc("validate", "-f", path)
    assert run.code == 2
    assert "fc.yaml:2:" in run.err and "x-fcctl-sensitive must be a list" in run.err
    path = str(project(open(path).read().replace("x-fcctl-sensitive: NAME\n", "")))
    assert fc("validate", "-f", path).code == 0
    run = fc("plan", "-f", path)
    assert "environmentVariables.SHORT: (sensitive value)" in run.out  # masked by name: any length


HOSTILE = ["\x1b]0;pwned-title\x07", "\x1b[2J\x1b[H", "ok\rerror: forged", "\x9b31m",
           "abc\u202edcba", "bell\x07", "line\nerror: forged line"]


def assert_terminal_safe(text: str, *, lines_are_data: bool = False) -> None:
    """No control character reaches the terminal; unless ``text`` is a response body printed
    as data (its own lines kept), no line starts like fcctl's ``error:``."""
    for ch in ("\x1b", "\x07", "\r", "\x9b", "\u202e"):
        assert ch not in text, repr(ch)
    if not lines_are_data:
        for line in text.split("\n"):
            assert not line.startswith("error: forged"), line


def test_emulator_log_and_fc_names_are_terminal_safe(fc, emulator):
    import socket
    import urllib.request

    emulator.log = log = io.StringIO()
    host, port = emulator.url.split("://")[1].rsplit(":", 1)
    sent = 0
    for bad in HOSTILE:
        if any(ch in bad for ch in "\r\n "):
            continue  # these end the request line: no client can send them in a path
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"GET /2023-03-30/functions/" + bad.encode("utf-8")
                         + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            while sock.recv(65536):
                pass
        sent += 1
    urllib.request.urlopen(emulator.url + "/_fcctl/health").read()
    text = log.getvalue()
    assert len(text.splitlines()) == sent and "/2023-03-30/functions/" in text
    assert_terminal_safe(text)
    # an FC answer quoting a hostile name, shown by fcctl: made visible, never executed
    for bad in HOSTILE:
        run = fc("get", "fn-" + bad)
        assert run.code == 2
        assert_terminal_safe(run.out + run.err)


LOCAL_APP = """\
import json, os, sys
sys.path.insert(0, {lib!r})
import fcapp
s = os.environ["DB_PASSWORD"]
print("plain", s, "json", json.dumps(s), "repr", repr(s), flush=True)
print({hostile!r}, flush=True)
def inv(req):
    return 200, json.dumps({{"s": s}}) + " " + repr(s) + {hostile!r}
routes = dict(fcapp.HEALTHY); routes[("POST", "/invoke")] = inv
fcapp.serve(routes)
"""


@settings(max_examples=5, deadline=None)
@given(secret=TEXT_SECRETS)
def test_local_output_hides_secrets_and_controls(secret):
    d = Path(tempfile.mkdtemp(prefix="fcctl-local-secrets-"))
    (d / "app").mkdir()
    (d / "app" / "app.py").write_text(LOCAL_APP.format(lib=str(APPS / "_lib"),
                                                       hostile="".join(HOSTILE)))
    port = free_port()
    (d / "fc.yaml").write_text(f"""
region: cn-hangzhou
functions:
  - functionName: leaky
    runtime: custom.debian12
    handler: index.handler
    code: ./app
    customRuntimeConfig: {{command: [python3, app.py], port: {port}}}
    environmentVariables: {{DB_PASSWORD: {yaml_text(secret)}, PYTHONIOENCODING: utf-8}}
""")
    check = run_fcctl(["local", "check", "-f", str(d / "fc.yaml")], cwd=d)
    check_json = run_fcctl(["-o", "json", "local", "check", "-f", str(d / "fc.yaml")], cwd=d)
    invoke = run_fcctl(["local", "invoke", "-f", str(d / "fc.yaml"), "-d", "hi"], cwd=d)
    assert invoke.returncode == 0, invoke.stderr
    assert "plain ***" in json.loads(check_json.stdout)["serverOutput"] or \
        check_json.returncode == 0
    blobs = {}
    for name, res in (("check", check), ("check-json", check_json), ("invoke", invoke)):
        blobs[name + " stdout"], blobs[name + " stderr"] = res.stdout, res.stderr
        assert_terminal_safe(res.stderr)
        # `local invoke` prints the function's response body on stdout as data, line by line
        assert_terminal_safe(res.stdout, lines_are_data=name == "invoke")
    assert_absent(secret, blobs)
    assert '{"s": "***"}' in invoke.stdout  # the body is shown, the secret masked in it
    assert "\\x1b]0;pwned-title\\x07" in invoke.stdout  # controls made visible, not dropped


def test_the_secret_in_use_from_a_profile_is_masked(emulator, tmp_path):
    """A key from ~/.aliyun/config.json (not the environment) is masked all the same."""
    import subprocess

    from tests.functional.conftest import AK_ID, AK_SECRET

    home = tmp_path / "home"
    (home / ".aliyun").mkdir(parents=True)
    (home / ".aliyun" / "config.json").write_text(json.dumps({"current": "ci", "profiles": [
        {"name": "ci", "mode": "AK", "access_key_id": AK_ID, "access_key_secret": AK_SECRET,
         "region_id": "cn-hangzhou"}]}))
    d = write_project(SPEC.format(description=yaml_text(f"oops {AK_SECRET} pasted"),
                                  secret='"db-secret-1"', secret2='"holder-1"', pw="pw-1-abc",
                                  token="tok-1-abcdef"))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ALIBABA_CLOUD_", "FCCTL_"))}
    env.update(HOME=str(home), ALIBABA_CLOUD_ECS_METADATA_DISABLED="true")
    for args in (["plan"], ["-o", "json", "plan"], ["deploy"]):
        res = subprocess.run([sys.executable, "-m", "fcctl", "--endpoint", emulator.url,
                              "--profile", "ci", *args, "-f", str(d / "fc.yaml")],
                             capture_output=True, text=True, env=env, timeout=120,
                             stdin=subprocess.DEVNULL)
        assert res.returncode in (0, 3), res.stderr
        assert "oops *** pasted" in res.stdout + res.stderr or args == ["deploy"]
        assert_absent(AK_SECRET, {"stdout": res.stdout, "stderr": res.stderr})


def test_local_start_follows_app_output_safely(tmp_path):
    """`fcctl local start` shows the app's output as it comes: secrets masked, controls made
    visible, every line under the `[name]` prefix (no forged fcctl line)."""
    import signal

    from tests.functional.test_local_start_invoke import _finish, _start, _state, _wait_for

    secret = "start-secret-\"q\\é-" + os.urandom(4).hex()
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "app.py").write_text(LOCAL_APP.format(lib=str(APPS / "_lib"),
                                                              hostile="".join(HOSTILE)))
    spec = tmp_path / "fc.yaml"
    spec.write_text(f"""
region: cn-hangzhou
functions:
  - functionName: leaky
    runtime: custom.debian12
    handler: index.handler
    code: ./app
    customRuntimeConfig: {{command: [python3, app.py], port: {free_port()}}}
    environmentVariables: {{DB_PASSWORD: {yaml_text(secret)}, PYTHONIOENCODING: utf-8}}
""")
    proc = _start(spec)
    try:
        _wait_for(lambda: _state(spec, "leaky"), what="the state file")
        res = run_fcctl(["local", "invoke", "-f", str(spec), "-d", "x"], cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        _finish(proc)
    assert "[leaky] plain *** json" in err  # the app's line, its secret masked in each form
    assert "[leaky] \\x1b]0;pwned-title\\x07" in err
    assert_terminal_safe(out + err)
    assert_absent(secret, {"stdout": out, "stderr": err, "invoke": res.stdout + res.stderr})


def test_an_fc_error_quoting_a_secret_is_masked(fc, monkeypatch):
    """FC's error message echoes what it was sent (here a function name that is also the value
    of a secret variable): text and JSON errors mask it."""
    secret = "LeakyName" + os.urandom(4).hex()
    monkeypatch.setenv("SERVICE_TOKEN", secret)
    text = fc("get", secret)
    doc = fc("-o", "json", "get", secret)
    assert text.code == 1 and "FunctionNotFound" in text.err and "'***'" in text.err
    assert doc.code == 1 and doc.json()["error"]["code"] == "FunctionNotFound"
    assert_absent(secret, {"text": text.out + text.err, "json": doc.out + doc.err})


def test_get_and_export_mask_variables_the_spec_marks_sensitive(fc, project, tmp_path,
                                                                monkeypatch):
    """get/export show live functions without planning; they read the spec's x-fcctl-sensitive
    names (-f, or ./fc.yaml) so a marked variable with an ordinary name is masked there too."""
    spec = ("region: cn-hangzhou\nx-fcctl-sensitive: [MYVAL]\nfunctions:\n"
            "  - functionName: marked\n    runtime: custom.debian12\n    handler: index.handler\n"
            "    code: ./app\n    environmentVariables: {MYVAL: zz-topsecret-zz, K: plain}\n")
    path = project(spec)
    assert fc("deploy", "-f", str(path)).code == 0
    for args in (("get", "marked", "-f", str(path)), ("get", "marked", "-f", str(path), "-o", "json"),
                 ("export", "marked", "--no-code", "-f", str(path))):
        redact.reset()  # a new fcctl process: the deploy's registered values are gone
        res = fc(*args)
        assert res.code == 0, res.err
        assert "zz-topsecret-zz" not in res.out + res.err, args
        assert "plain" in res.out
    monkeypatch.chdir(path.parent)  # ./fc.yaml is read when -f is not given
    redact.reset()
    res = fc("get", "marked")
    assert res.code == 0 and "zz-topsecret-zz" not in res.out + res.err
