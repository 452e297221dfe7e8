"""Fixes for a hostile tester's findings, each through the real path (CLI → SDK → emulator over
HTTP, or raw signed requests to the emulator's socket)."""

from __future__ import annotations

ROLE = "acs:ram::1234567890123456:role/fc-role"

EMOJI_SPEC = f"""\
region: cn-hangzhou
functions:
  - functionName: emoji-fn
    runtime: custom.debian12
    handler: index.handler
    code: ./app
    role: {ROLE}
    description: "a :fire: sale :ram: :smile:"
    customRuntimeConfig: {{command: [python3, app.py], port: 9000}}
"""


def test_rich_never_turns_colon_words_into_emoji(fc, project):
    """rich's emoji codes (``:ram:`` → 🐏, ``:fire:`` → 🔥) must not rewrite role ARNs or
    descriptions in plan/deploy/get text."""
    path = str(project(EMOJI_SPEC))
    plan = fc("plan", "-f", path)
    assert plan.code == 0, plan.err
    assert ROLE in plan.out
    assert "a :fire: sale :ram: :smile:" in plan.out
    assert fc("deploy", "-f", path).code == 0
    got = fc("get", "emoji-fn")
    assert got.code == 0, got.err
    for text in (plan.out, plan.err, got.out, got.err):
        assert "\N{RAM}" not in text and "\N{FIRE}" not in text
    assert "emoji-fn" in got.out


# --- raw signed requests to a running emulator ---------------------------------------------------
import json  # noqa: E402

import pytest  # noqa: E402

from tests.functional.emuhelpers import exchange, raw_query, request_bytes, signed_headers  # noqa: E402

AK, SECRET = "AKID-fixes", "fixes-secret-789"
FUNCTIONS = "/2023-03-30/functions"


@pytest.fixture
def srv(tmp_path):
    from fcctl.emulator.server import EmulatorServer

    server = EmulatorServer(tmp_path / "state.db", {AK: SECRET}, log=None).start()
    yield server
    server.stop()


def signed(method: str, path: str, body: bytes = b"") -> bytes:
    headers = signed_headers(method, path, {}, body, AK, SECRET)
    return request_bytes(method, path, headers, body, raw_query({}))


def gpu_fn(name: str, gpu: dict) -> bytes:
    return json.dumps({"functionName": name, "runtime": "custom-container", "handler": "h",
                       "customContainerConfig": {"image": "registry.cn-hangzhou.aliyuncs.com/a/b:1",
                                                 "port": 9000},
                       "gpuConfig": gpu, "cpu": 8, "memorySize": 65536}).encode()


@pytest.mark.parametrize("gpu, field, got", [
    ({"gpuType": "fc.gpu.ada.1", "gpuMemorySize": "49152"}, "gpuMemorySize", "str '49152'"),
    ({"gpuType": "fc.gpu.ada.1", "gpuMemorySize": True}, "gpuMemorySize", "bool True"),
    ({"gpuType": "fc.gpu.ada.1", "gpuMemorySize": -49152}, "gpuMemorySize", "-49152"),
    ({"gpuType": "fc.gpu.ada.1", "gpuMemorySize": 1.5}, "gpuMemorySize", "float 1.5"),
    ({"gpuType": 5, "gpuMemorySize": 49152}, "gpuType", "int 5"),
])
def test_gpu_config_of_the_wrong_type_is_400(srv, gpu, field, got):
    ans = exchange(srv.port, signed("POST", FUNCTIONS, gpu_fn("g", gpu)))
    assert ans.status == 400
    doc = ans.json()
    assert doc["Code"] == "InvalidArgument"
    assert f"gpuConfig.{field}" in doc["Message"] and f"(got {got})" in doc["Message"]
    # nothing was created
    assert exchange(srv.port, signed("GET", FUNCTIONS + "/g")).status == 404


def test_a_good_gpu_config_still_passes(srv):
    ans = exchange(srv.port, signed("POST", FUNCTIONS, gpu_fn(
        "g", {"gpuType": "fc.gpu.ada.1", "gpuMemorySize": 49152})))
    assert ans.status == 200, ans.body


@pytest.mark.parametrize("name", ["A\n", "B\t", "OK\nNOT"])
def test_env_name_with_a_trailing_newline_is_400(srv, name):
    body = json.dumps({"functionName": "e", "runtime": "custom.debian12", "handler": "h",
                       "environmentVariables": {name: "1"}}).encode()
    ans = exchange(srv.port, signed("POST", FUNCTIONS, body))
    assert ans.status == 400
    assert "is not valid" in ans.json()["Message"]


# --- timer triggers ------------------------------------------------------------------------------
TIMER_SPEC = """\
region: cn-hangzhou
functions:
  - functionName: t-fn
    runtime: custom.debian12
    handler: index.handler
    code: ./app
    customRuntimeConfig: {{command: [python3, app.py], port: 9000}}
    triggers:
      - triggerName: t
        triggerType: timer
        triggerConfig: {{cronExpression: "{cron}", enable: true, payload: "x"}}
"""


@pytest.mark.parametrize("duration", ["2562048h", "2562047h47m16.854775808s",
                                      "99999999999999999999h", "153722867281m"])
def test_every_longer_than_a_go_duration_is_an_error(fc, project, duration):
    run = fc("validate", "-f", str(project(TIMER_SPEC.format(cron=f"@every {duration}"))))
    assert run.code == 2
    assert f"@every {duration} is longer than" in run.err and "2562047h47m16s" in run.err
    assert "fc.yaml:11:41: error" in run.err


@pytest.mark.parametrize("duration", ["2562047h", "2562047h47m16.854775807s", "1m"])
def test_every_up_to_a_go_duration_is_fine(fc, project, duration):
    run = fc("validate", "-f", str(project(TIMER_SPEC.format(cron=f"@every {duration}"))))
    assert run.code == 0, run.err


@pytest.mark.parametrize("cron, fires", [
    ("0 0 0 31 2 *", False), ("0 0 0 30 FEB ?", False), ("0 0 0 31 4,6,9 *", False),
    ("0 0 0 29 2 *", True), ("0 0 0 31 */2 *", True), ("0 0 0 31 2 MON", True),
    ("0 0 0 30 2,4 *", True),
])
def test_a_day_no_chosen_month_has_is_a_warning(fc, project, cron, fires):
    run = fc("validate", "-f", str(project(TIMER_SPEC.format(cron=cron))))
    assert run.code == 0, run.err
    assert ("never fires" in run.err) is (not fires), run.err


# --- state path ----------------------------------------------------------------------------------
def _fcctl(args: list[str], env: dict) -> "subprocess.CompletedProcess[str]":  # noqa: F821 (imported inside)
    import os
    import subprocess
    import sys

    child = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "FCCTL_"))}
    child.update({"ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true", **env})
    return subprocess.run([sys.executable, "-m", "fcctl", *args], capture_output=True, text=True,
                          env=child, timeout=60, stdin=subprocess.DEVNULL)


def _not_regular(tmp_path, kind: str):
    import os

    if kind == "device":
        return "/dev/null", "a device"
    if kind == "fifo":
        os.mkfifo(tmp_path / "state.fifo")
        return str(tmp_path / "state.fifo"), "a FIFO"
    (tmp_path / "statedir").mkdir()
    return str(tmp_path / "statedir"), "a directory"


@pytest.mark.parametrize("kind", ["device", "fifo", "directory"])
def test_local_state_must_be_a_regular_file(tmp_path, kind):
    import os

    path, what = _not_regular(tmp_path, kind)
    before = os.path.exists(path + "-journal")
    run = _fcctl(["--endpoint", "local", "get", "x"], {"FCCTL_LOCAL_STATE": path})
    assert run.returncode == 2, run.stderr
    assert f"{path} is {what}, not a regular file" in run.stderr
    assert "Traceback" not in run.stderr
    for suffix in ("-journal", "-wal", "-shm"):
        if not (suffix == "-journal" and before):
            assert not os.path.exists(path + suffix)


@pytest.mark.parametrize("kind", ["device", "fifo", "directory"])
def test_emulator_serve_state_must_be_a_regular_file(tmp_path, kind):
    import os

    path, what = _not_regular(tmp_path, kind)
    before = os.path.exists(path + "-journal")
    run = _fcctl(["emulator", "serve", "--state", path, "--port", "0", "--access-key-id", "a",
                  "--access-key-secret", "b"], {})
    assert run.returncode == 2, run.stderr
    assert f"{path} is {what}, not a regular file" in run.stderr
    if not before:
        assert not os.path.exists(path + "-journal")


def test_local_state_missing_or_a_file_still_works(tmp_path):
    path = tmp_path / "sub" / "state.sqlite3"
    run = _fcctl(["--endpoint", "local", "get", "x"], {"FCCTL_LOCAL_STATE": str(path)})
    assert run.returncode == 1 and "FunctionNotFound" in run.stderr, run.stderr
    assert path.is_file()
    run = _fcctl(["--endpoint", "local", "get", "x"], {"FCCTL_LOCAL_STATE": str(path)})
    assert run.returncode == 1 and "FunctionNotFound" in run.stderr, run.stderr


# --- JSON value count ----------------------------------------------------------------------------
def test_a_body_of_millions_of_tiny_values_is_refused_before_parsing(srv):
    """38 MB of ``[[],[],…]`` (9.5 million lists) expanded to 1.9 GB in the emulator: the values
    are counted on the bytes first."""
    from fcctl.emulator import wire

    n = 9_500_000
    body = b'{"functionName": "fn1", "x": [' + b"[]," * (n - 1) + b"[]]}"
    ans = exchange(srv.port, signed("POST", FUNCTIONS, body))
    assert (ans.status, ans.json()["Code"]) == (400, "InvalidArgument")
    msg = ans.json()["Message"]
    assert f"more than {wire.MAX_JSON_VALUES} JSON values" in msg and wire.MAX_JSON_VALUES == 1_000_000
    # the emulator still answers
    ok = json.dumps({"functionName": "fn1", "runtime": "custom.debian12",
                     "handler": "index.handler"}).encode()
    assert exchange(srv.port, signed("POST", FUNCTIONS, ok)).status == 200


def test_a_body_just_under_the_value_bound_is_parsed(srv):
    from fcctl.emulator import wire

    values = ",".join(["0"] * (wire.MAX_JSON_VALUES - 10))
    body = ('{"functionName": "fn1", "runtime": "custom.debian12", "handler": "index.handler", '
            '"description": "d", "x": [' + values + "]}").encode()
    ans = exchange(srv.port, signed("POST", FUNCTIONS, body))
    assert "JSON values" not in ans.body.decode()
    over = ",".join(["0"] * (wire.MAX_JSON_VALUES + 10))
    ans = exchange(srv.port, signed("POST", FUNCTIONS, body.replace(values.encode(), over.encode())))
    assert ans.status == 400 and "JSON values" in ans.json()["Message"]


# --- secrets: case forms, vendor shapes, name words ------------------------------------------------
SHAPED = {
    "GH_CLASSIC": "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
    "GH_OAUTH": "gho_" + "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8",
    "GH_APP": "ghs_" + "Mm1Nn2Oo3Pp4Qq5Rr6Ss7Tt8Uu9Vv0Ww1Xx2",
    "GH_FINE": "github_pat_11AAAAAAA0bbbbbbbbbbbbbb_CCCCCCCCCCCCCCCCCCCCCCC1",
    "STRIPE": "sk_live_51HqLyjWDarjtT1zdp7dc",
    "STRIPE_RK": "rk_live_51HqLyjWDarjtT1zdpQQ",
    "OPENAI": "sk-4fGh7Jk9Lm2Np5Qr8St1Uv3Wx6Yz0Ab4Cd7Ef9Gh",
    "OPENAI_PROJ": "sk-proj-Ab3dEf6hIj9lMn2pQr5tUv8x_Yz1-bCd4",
    "SLACK_BOT": "xoxb-2400-88442222-Qw3rTy6uIo9pAs2d",
}
VALUES = {
    "UPSTREAM_1": SHAPED["GH_CLASSIC"], "UPSTREAM_2": "auth " + SHAPED["GH_OAUTH"],
    "UPSTREAM_3": SHAPED["GH_APP"], "UPSTREAM_4": SHAPED["GH_FINE"],
    "BILLING_1": SHAPED["STRIPE"], "BILLING_2": SHAPED["STRIPE_RK"],
    "LLM_1": SHAPED["OPENAI"], "LLM_2": SHAPED["OPENAI_PROJ"], "CHAT_1": SHAPED["SLACK_BOT"],
    "NOTIFY_URL": "https://hooks.slack.com/services/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",
    "DB_ADDR": "orders:Qv7-Bare-Pw9z@db.internal:5432",
    "APP_CONFIG": '{"user": "app", "password": "Js0n-Pw-In-Str1ng"}',
}
NAMED = {"GITHUB_PAT": "plain-looking-value-1", "SLACK_WEBHOOK": "plain-looking-value-2",
         "OPENAI_APIKEY": "plain-looking-value-3", "SERVICE_API_KEY": "plain-looking-value-4"}
PLAIN_SECRET = "MixedCaseSecret-Abc123"


def _env_yaml(env: dict) -> str:
    return "\n".join(f"      {k}: {json.dumps(v)}" for k, v in env.items())


def test_plan_masks_case_forms_vendor_tokens_and_new_name_words(fc, project):
    spec = f"""\
region: cn-hangzhou
functions:
  - functionName: shapes-fn
    runtime: custom.debian12
    handler: index.handler
    code: ./app
    description: "lower {PLAIN_SECRET.lower()} upper {PLAIN_SECRET.upper()} fold {PLAIN_SECRET.casefold()}"
    customRuntimeConfig: {{command: [python3, app.py], port: 9000}}
    environmentVariables:
      DB_PASSWORD: "{PLAIN_SECRET}"
{_env_yaml(VALUES)}
{_env_yaml(NAMED)}
      PATH: /usr/local/bin:/usr/bin
      IMAGE_REF: "nginx:1.25@sha256:0123abcd"
"""
    path = str(project(spec))
    text = fc("plan", "-f", path)
    as_json = fc("-o", "json", "plan", "-f", path)
    assert text.code == 0 and as_json.code == 0, text.err + as_json.err
    doc = as_json.json()
    assert "shapes-fn" in text.out and doc
    forms = [PLAIN_SECRET, PLAIN_SECRET.lower(), PLAIN_SECRET.upper(), PLAIN_SECRET.casefold(),
             *SHAPED.values(), "T0AAA1111/B0BBB2222/Xy9Zw8Vu7Ts6Rq5Po4Nm3Lk2", "Qv7-Bare-Pw9z",
             "Js0n-Pw-In-Str1ng", *NAMED.values()]
    for out in (text.out, text.err, as_json.out, as_json.err):
        for form in forms:
            assert form not in out, form
    # what is not secret still shows: the host and user of a bare DSN, PATH, an image digest
    assert "db.internal:5432" in text.out and "/usr/local/bin:/usr/bin" in text.out
    assert "nginx:1.25@sha256:0123abcd" in text.out
    assert "hooks.slack.com/services/" in text.out


# --- hard links in a code directory ----------------------------------------------------------------
HL_SPEC = """\
region: cn-hangzhou
functions:
  - functionName: hl-fn
    runtime: custom.debian12
    handler: index.handler
    code: ./app
    customRuntimeConfig: {command: [python3, app.py], port: 9000}
"""


def test_hard_links_out_of_the_code_directory_are_a_warning(fc, project, tmp_path):
    import os

    path = str(project(HL_SPEC))
    app = project.dir / "app"
    outside = tmp_path / "outside"
    outside.mkdir()
    for i in range(5):
        (outside / f"o{i}").write_text(f"outside {i}\n")
        os.link(outside / f"o{i}", app / f"pw{i}")
    text = fc("plan", "-f", path)
    assert text.code == 0, text.err
    want = "5 files have other hard links: pw0, pw1, pw2 (+2 more); fcctl cannot tell where"
    assert "warning: " in text.err and want in text.err and "fc.yaml:6:11" in text.err
    assert "add them to .fcignore" in text.err
    doc = fc("-o", "json", "plan", "-f", path).json()
    [w] = [w for w in doc["warnings"] if "hard links" in w["message"]]
    assert (w["path"], w["line"], w["severity"]) == ("functions[0].code", 6, "warning")
    deploy = fc("deploy", "-f", path)  # the stat cache answers now: the warning stays
    assert deploy.code == 0 and want in deploy.err


def test_hard_links_all_inside_the_package_or_ignored_are_quiet(fc, project):
    import os

    path = str(project(HL_SPEC))
    app = project.dir / "app"
    os.link(app / "app.py", app / "same.py")  # both names ship: nothing outside
    run = fc("plan", "-f", path)
    assert run.code == 0 and "hard links" not in run.err, run.err
    os.link(project.dir / "fc.yaml", app / "spec-copy.yaml")  # one name outside the package
    run = fc("plan", "-f", path)
    assert "1 file has other hard links: spec-copy.yaml;" in run.err
    (app / ".fcignore").write_text("spec-copy.yaml\n")
    run = fc("plan", "-f", path)
    assert run.code == 0 and "hard links" not in run.err, run.err


# --- second round: trigger types, list limits, what never ships, system code paths ------------

def test_trigger_type_must_be_one_fc_takes(srv):
    assert exchange(srv.port, signed("POST", FUNCTIONS, json.dumps(
        {"functionName": "t", "runtime": "custom.debian12", "handler": "h"}).encode())).status == 200
    for kind in ("http\n", "HTTP", "webhook", 5):
        body = json.dumps({"triggerName": "tr", "triggerType": kind,
                           "triggerConfig": json.dumps({"authType": "anonymous"})}).encode()
        ans = exchange(srv.port, signed("POST", FUNCTIONS + "/t/triggers", body))
        assert ans.status == 400 and "triggerType must be one of" in ans.json()["Message"], kind
    body = json.dumps({"triggerName": "tr", "triggerType": "http",
                       "triggerConfig": json.dumps({"authType": "anonymous"})}).encode()
    assert exchange(srv.port, signed("POST", FUNCTIONS + "/t/triggers", body)).status == 200


def test_the_specs_trigger_types_are_the_emulators():
    import typing

    from fcctl import fcfacts
    from fcctl.spec.models import TriggerType

    assert typing.get_args(TriggerType) == fcfacts.TRIGGER_TYPES


@pytest.mark.parametrize("limit", ["\uff15", " 5", "5 ", "+5", "0x5"])
def test_list_limit_is_plain_ascii_digits(srv, limit):
    path = FUNCTIONS
    headers = signed_headers("GET", path, {"limit": limit}, b"", AK, SECRET)
    ans = exchange(srv.port, request_bytes("GET", path, headers, b"", raw_query({"limit": limit})))
    assert ans.status == 400, (limit, ans.status)


@pytest.mark.parametrize("name", [".ENV", ".Env", ".env.local", "prod.env", ".git"])
def test_dotenv_forms_and_a_git_file_never_ship(fc, project, sdk, tmp_path, name):
    import zipfile

    app = project.dir / "app"
    (app / name).write_text("DB_PASSWORD=never-shipped-value\n")
    path = str(project(EMOJI_SPEC))
    assert fc("deploy", "-f", path).code == 0
    assert fc("export", "emoji-fn", "--code-dir", str(tmp_path / "x")).code == 0
    with zipfile.ZipFile(tmp_path / "x" / "emoji-fn.zip") as z:
        assert name not in z.namelist()
        assert all(b"never-shipped-value" not in z.read(n) for n in z.namelist())


@pytest.mark.parametrize("where", ["/var/lib", "/var/log", "/usr/share", "/usr/local", "~/.local"])
def test_code_in_system_or_credential_trees_is_an_error(fc, project, where):
    import os

    target = os.path.expanduser(where)
    if not os.path.isdir(target):
        pytest.skip(f"{target} does not exist here")
    res = fc("validate", "-f", str(project(EMOJI_SPEC.replace("code: ./app", f"code: {target}"))))
    assert res.code == 2, res.out + res.err
    assert "fcctl would upload everything in it" in res.err


@pytest.mark.parametrize("cron, ok", [
    ("0 0 4 * * *", True), ("CRON_TZ=Asia/Shanghai 0 0 4 1 * *", True), ("@every 5m", True),
    ("@every 0m", False), ("0 0 4 * *", False), ("0 61 * * * *", False), ("0 0 0 L * *", False),
])
def test_the_emulator_checks_timer_cron_as_validate_does(srv, cron, ok):
    assert exchange(srv.port, signed("POST", FUNCTIONS, json.dumps(
        {"functionName": "tm", "runtime": "custom.debian12", "handler": "h"}).encode())).status == 200
    body = json.dumps({"triggerName": "tick", "triggerType": "timer",
                       "triggerConfig": json.dumps({"cronExpression": cron, "enable": True})}).encode()
    ans = exchange(srv.port, signed("POST", FUNCTIONS + "/tm/triggers", body))
    assert (ans.status == 200) is ok, (cron, ans.status, ans.body)
    if not ok:
        assert "cronExpression" in ans.json()["Message"]
