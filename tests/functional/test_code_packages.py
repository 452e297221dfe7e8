"""Code packages through the real CLI, the SDK and the emulator: nothing outside the code
directory is ever uploaded (no secret from /proc/self/environ, in any encoding), special files and
huge trees fail fast with exit 2 and no API call, a directory shared by functions is zipped once."""

from __future__ import annotations

import base64
import os
import sqlite3
import stat
import zipfile

import pytest

from tests.functional.conftest import AK_SECRET

SPEC = """\
region: cn-hangzhou
functions:
  - functionName: leaky
    runtime: custom.debian10
    handler: index.handler
    customRuntimeConfig: {{command: [python3, app.py], port: 9000}}
    code: {code}
"""


def _encodings(secret: str) -> list[bytes]:
    """The secret as bytes and base64 at every alignment (as it would sit inside a zip's base64)."""
    raw = secret.encode()
    out = [raw]
    for shift in range(3):
        b64 = base64.b64encode(b"\0" * shift + raw)[4:-4]  # drop the edges touched by padding
        out.append(b64)
    return out


def _state_bytes(path) -> bytes:
    """Every byte the emulator stored (the SQLite file and its WAL)."""
    data = b""
    for suffix in ("", "-wal", "-journal"):
        p = f"{path}{suffix}"
        if os.path.exists(p):
            with open(p, "rb") as f:
                data += f.read()
    con = sqlite3.connect(str(path))
    try:
        for table, in con.execute("select name from sqlite_master where type='table'"):
            for row in con.execute(f"select * from {table}"):
                data += repr(row).encode()
    finally:
        con.close()
    return data


def _assert_no_secret(blob: bytes, secret: str) -> None:
    for enc in _encodings(secret):
        assert enc not in blob


@pytest.mark.timeout(120)
def test_link_to_proc_self_environ_never_uploads_the_access_key_secret(fc_proc, project, tmp_path):
    """--endpoint local: the deploying process's /proc/self/environ holds its AccessKey secret."""
    state = tmp_path / "local-state.sqlite3"
    env = {"FCCTL_LOCAL_STATE": str(state), "ALIBABA_CLOUD_ACCESS_KEY_SECRET": AK_SECRET}
    app = project.dir / "app"
    (app / "env").symlink_to("/proc/self/environ")
    spec = project(SPEC.format(code="./app"))
    run = fc_proc("deploy", "-f", str(spec), endpoint="local", env=env)
    assert run.code == 2, run.out + run.err
    assert "Traceback" not in run.err
    assert str(app / "env") in run.err and "outside the code directory" in run.err
    assert "/proc/self/environ" in run.err
    if state.exists():
        _assert_no_secret(_state_bytes(state), AK_SECRET)

    # Without the link the function deploys; what FC holds has no secret in any encoding.
    (app / "env").unlink()
    (app / "alias.py").symlink_to("app.py")  # an in-tree link is fine: stored as a link
    run = fc_proc("deploy", "-f", str(spec), endpoint="local", env=env)
    assert run.code == 0, run.out + run.err
    _assert_no_secret(_state_bytes(state), AK_SECRET)
    run = fc_proc("export", "leaky", "--code-dir", str(tmp_path / "exported"), endpoint="local",
                  env=env, cwd=str(project.dir))
    assert run.code == 0, run.err
    data = (tmp_path / "exported" / "leaky.zip").read_bytes()
    _assert_no_secret(data, AK_SECRET)
    with zipfile.ZipFile(tmp_path / "exported" / "leaky.zip") as z:
        info = z.getinfo("alias.py")
        assert stat.S_ISLNK(info.external_attr >> 16) and z.read(info) == b"app.py"
        assert z.read("app.py") == (app / "app.py").read_bytes()


@pytest.mark.parametrize("make, words", [
    (lambda app, out: (app / "passwd").symlink_to("/etc/passwd"), ["/etc/passwd"]),
    (lambda app, out: (app / "d").symlink_to(out), ["outside the code directory"]),
    (lambda app, out: ((app / "a").symlink_to("b"), (app / "b").symlink_to(out / "s")),
     ["outside the code directory"]),
    (lambda app, out: ((app / "x").symlink_to("y"), (app / "y").symlink_to("x")), ["loop"]),
    (lambda app, out: (app / "gone").symlink_to("missing"), ["dangling"]),
    (lambda app, out: os.mkfifo(app / "fifo"), ["FIFO", "fifo"]),
    (lambda app, out: (app / "null").symlink_to("/dev/null"), ["/dev/null"]),
])
@pytest.mark.timeout(60)
def test_bad_trees_fail_plan_with_exit_2_and_no_api_call(fc, project, api_log, tmp_path, make, words):
    out = tmp_path / "outside"
    out.mkdir()
    (out / "s").write_text("outside-secret-text")
    make(project.dir / "app", out)
    api_log.clear()
    run = fc("plan", "-f", str(project(SPEC.format(code="./app"))))
    assert run.code == 2, run.out + run.err
    # refused by the spec checks now, at the line of `code:` (validate refuses it too)
    assert "fc.yaml:7:11: error: functions[0].code" in run.err and "Traceback" not in run.err
    for w in words:
        assert w in run.err
    assert api_log.all() == []


@pytest.mark.timeout(60)
def test_sparse_200_gb_file_is_refused_before_any_read_or_call(fc, project, api_log):
    with open(project.dir / "app" / "disk.img", "wb") as f:
        f.truncate(200 * 1024 ** 3)
    api_log.clear()
    run = fc("plan", "-f", str(project(SPEC.format(code="./app"))))
    assert run.code == 2 and "Traceback" not in run.err
    assert "disk.img" in run.err and "200.0 GB" in run.err and "ossBucketName" in run.err
    assert api_log.all() == []


@pytest.mark.parametrize("code, words", [
    ("/etc", ["system directory", "/etc"]),
    ("/proc/self", ["system directory"]),
    ("/", ["system directory"]),
    ("${env:HOME}", ["home directory"]),
    ("${env:HOME}/.ssh", ["directory of credentials"]),
    ("${env:HOME}/.aliyun/config.zip", ["directory of credentials"]),
    ("./pipe.zip", ["FIFO"]),
    ("./dev.zip", ["/dev/null", "system directory"]),
])
@pytest.mark.timeout(60)
def test_code_paths_naming_system_places_or_special_files_are_spec_errors(fc, project, monkeypatch,
                                                                          code, words):
    home = project.dir / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".aliyun").mkdir()
    (home / ".aliyun" / "config.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    monkeypatch.setenv("HOME", str(home))
    os.mkfifo(project.dir / "pipe.zip")
    (project.dir / "dev.zip").symlink_to("/dev/null")
    spec = project(SPEC.format(code=code))
    run = fc("validate", "-f", str(spec))
    assert run.code == 2, run.out + run.err
    assert f"{spec}:7:" in run.err + run.out  # the line of code:
    for w in words:
        assert w in run.err + run.out
    assert "Traceback" not in run.err


def test_code_outside_the_spec_tree_is_a_warning_naming_where_it_points(fc, project, tmp_path, monkeypatch):
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    (elsewhere / "app.py").write_text("x")
    monkeypatch.setenv("CODE_DIR", str(elsewhere))
    spec = project(SPEC.format(code="${env:CODE_DIR}"))
    run = fc("validate", "-f", str(spec))
    assert run.code == 0, run.out + run.err
    assert f"{spec}:7:" in run.err + run.out and str(elsewhere) in run.err + run.out
    assert "outside the directory tree of this spec" in run.err + run.out


SHARED = """\
region: cn-hangzhou
functions:
""" + "".join(f"""\
  - functionName: f{i}
    runtime: custom.debian10
    handler: index.handler
    customRuntimeConfig: {{command: [python3, app.py], port: 9000}}
    code: {"./app" if i % 2 else "app/"}
""" for i in range(6))


def test_a_directory_shared_by_functions_is_zipped_once(fc, project, monkeypatch, sdk):
    from fcctl.deploy import codezip

    zips = []
    real = codezip._zip_tree
    monkeypatch.setattr(codezip, "_zip_tree", lambda *a, **k: zips.append(1) or real(*a, **k))
    monkeypatch.setenv("FCCTL_CODE_CACHE", "0")
    run = fc("deploy", "-f", str(project(SHARED)))
    assert run.code == 0, run.out + run.err
    assert len(zips) == 1
    sums = {sdk.get_function(f"f{i}", __import__("alibabacloud_fc20230330.models", fromlist=["x"])
                             .GetFunctionRequest()).body.code_checksum for i in range(6)}
    assert len(sums) == 1 and None not in sums


BOOT = """\
region: cn-hangzhou
functions:
  - functionName: boot
    runtime: custom.debian10
    handler: index.handler
    code: ./app
{extra}"""


def test_bootstrap_without_exec_bit_or_with_crlf_is_a_warning(fc, project):
    app = project.dir / "app"
    (app / "bootstrap").write_bytes(b"#!/bin/bash\r\nexec python3 app.py\r\n")
    (app / "bootstrap").chmod(0o644)
    spec = project(BOOT.format(extra=""))
    run = fc("validate", "-f", str(spec))
    assert run.code == 0, run.out + run.err
    text = run.out + run.err
    assert "bootstrap in the code directory is not executable" in text and "chmod +x" in text
    assert "Windows line endings (CRLF)" in text
    assert f"{spec}:6:" in text  # at code:
    (app / "bootstrap").write_bytes(b"#!/bin/bash\nexec python3 app.py\n")
    (app / "bootstrap").chmod(0o755)
    text = fc("validate", "-f", str(spec)).err
    assert "bootstrap" not in text


@pytest.mark.timeout(60)
def test_start_file_named_by_command_is_checked_and_fifos_are_not_opened(fc, project):
    app = project.dir / "app"
    (app / "run.sh").write_text("#!/bin/sh\nexec python3 app.py\n")
    os.mkfifo(app / "bootstrap")  # not the start file here; never opened
    spec = project(BOOT.format(extra="    customRuntimeConfig: {command: [/code/run.sh], port: 9000}\n"))
    run = fc("validate", "-f", str(spec))
    assert "run.sh in the code directory is not executable" in run.err
    assert f"{spec}:7:" in run.err  # at customRuntimeConfig.command
    # the FIFO is refused as packaging would refuse it (validate scans the tree), never opened
    assert run.code == 2 and "bootstrap is a FIFO" in run.err, run.err
    (app / "bootstrap").unlink()
    os.mkfifo(app / "run.sh.fifo")
    spec = project(BOOT.format(extra="    customRuntimeConfig: {command: [./run.sh.fifo], port: 9000}\n"))
    run = fc("validate", "-f", str(spec))  # returns (no read blocked on the FIFO)
    assert run.code == 2 and "run.sh.fifo is a FIFO" in run.err, run.err


def test_spec_files_and_dotenv_in_the_code_directory_never_ship(fc, project, sdk, tmp_path):
    """code: . — the spec and its overlay live in the code directory."""
    app = project.dir / "app"
    (app / ".env").write_text("DB_PASSWORD=dotenv-secret-value\n")
    (app / "fc.yaml").write_text(BOOT.format(extra="").replace("./app", "."))
    (app / "prod.yaml").write_text("functions:\n  - functionName: boot\n    memorySize: 512\n")
    run = fc("deploy", "-f", str(app / "fc.yaml"), "-f", str(app / "prod.yaml"))
    assert run.code == 0, run.out + run.err
    run = fc("export", "boot", "--code-dir", str(tmp_path / "exported"))
    assert run.code == 0, run.err
    with zipfile.ZipFile(tmp_path / "exported" / "boot.zip") as z:
        assert z.namelist() == ["app.py"]
    assert b"dotenv-secret-value" not in (tmp_path / "exported" / "boot.zip").read_bytes()


@pytest.mark.timeout(60)
def test_export_replaces_a_link_or_fifo_at_the_zip_path_without_following_or_opening_it(
        fc, project, tmp_path, monkeypatch):
    spec = project(BOOT.format(extra=""))
    assert fc("deploy", "-f", str(spec)).code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("do not overwrite")
    out = tmp_path / "exported"
    out.mkdir()
    (out / "boot.zip").symlink_to(victim)
    run = fc("export", "boot", "--code-dir", str(out))
    assert run.code == 0, run.err
    assert victim.read_text() == "do not overwrite"
    assert not (out / "boot.zip").is_symlink() and zipfile.is_zipfile(out / "boot.zip")
    (out / "boot.zip").unlink()
    os.mkfifo(out / "boot.zip")
    run = fc("export", "boot", "--code-dir", str(out))
    assert run.code == 0, run.err
    assert zipfile.is_zipfile(out / "boot.zip")
    assert [p.name for p in out.iterdir()] == ["boot.zip"]  # no temporary file left
