"""A plan you reviewed is the plan you apply (issue 12 item 4), CI audit trail and markdown plans
(item 7). Through the CLI, against the emulator over HTTP via the official SDK."""

from __future__ import annotations

import json
import os
import stat

from alibabacloud_fc20230330 import models

from tests.functional.test_secrets_everywhere import assert_absent

SPEC = """\
region: cn-hangzhou
functions:
  - functionName: {name}
    runtime: custom.debian12
    handler: index.handler
    code: ./app
    memorySize: {memory}
    customRuntimeConfig: {{command: [python3, app.py], port: 9000}}
    environmentVariables:
      LEVEL: info
      DB_PASSWORD: "{secret}"
      DATABASE_URL: "postgres://app:{pw}@db-host/orders"
"""
SECRET = "s3cr3t-Value-never-saved-42"
PW = "pw-Never-Saved-9876"


def write(project, name="orders-api", memory=512, secret=SECRET, pw=PW):
    return str(project(SPEC.format(name=name, memory=memory, secret=secret, pw=pw)))


def test_saved_plan_applies_when_nothing_moved(fc, project, sdk, api_log):
    f = write(project)
    assert fc("deploy", "-f", f).code == 0
    f = write(project, memory=384)
    out = str(project.dir / "plan.json")
    run = fc("plan", "-f", f, "--out", out)
    assert run.code == 0, run.err
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    doc = json.load(open(out))
    assert doc["schemaVersion"] == 1 and doc["files"][0]["digest"].startswith("sha256:")
    (fn,) = doc["functions"]
    assert fn["live"]["exists"] and fn["live"]["digest"].startswith("sha256:")
    assert fn["live"]["lastModifiedTime"] and fn["live"]["codeChecksum"]
    assert fn["plan"]["action"] == "update" and fn["plan"]["body"]["memorySize"] == 384
    api_log.clear()
    run = fc("deploy", "--plan", out)
    assert run.code == 0, run.err
    assert any(w["method"] == "PUT" for w in api_log.writes())
    live = sdk.get_function("orders-api", models.GetFunctionRequest()).body
    assert live.memory_size == 384


def test_saved_plan_refused_when_function_changed_behind_fcctl(fc, project, sdk, api_log):
    f = write(project)
    assert fc("deploy", "-f", f).code == 0
    f = write(project, memory=384)
    out = str(project.dir / "plan.json")
    assert fc("plan", "-f", f, "--out", out).code == 0
    sdk.update_function("orders-api", models.UpdateFunctionRequest(
        body=models.UpdateFunctionInput(description="changed by hand")))
    api_log.clear()
    run = fc("deploy", "--plan", out)
    assert run.code == 1
    assert "function orders-api: live state changed on FC" in run.err
    assert api_log.writes() == []
    live = sdk.get_function("orders-api", models.GetFunctionRequest()).body
    assert live.memory_size == 512 and live.description == "changed by hand"


def test_saved_plan_refused_when_spec_edited(fc, project, api_log):
    f = write(project)
    out = str(project.dir / "plan.json")
    assert fc("plan", "-f", f, "--out", out).code == 0
    write(project, memory=256)
    api_log.clear()
    run = fc("deploy", "--plan", out)
    assert run.code == 1
    assert f"spec file {f} changed" in run.err
    assert api_log.writes() == []


def test_saved_plan_holds_no_secret(fc, project):
    f = write(project)
    assert fc("deploy", "-f", f).code == 0
    f = write(project, secret="an0ther-Secret-Value-77", pw="pw-Other-Value-5555", memory=384)
    out = str(project.dir / "plan.json")
    assert fc("plan", "-f", f, "--out", out).code == 0
    text = open(out).read()
    assert "postgres://app:***@db-host/orders" in text  # the surrounding data is there
    for value in (SECRET, PW, "an0ther-Secret-Value-77", "pw-Other-Value-5555"):
        assert_absent(value, {"saved plan": text})


def test_non_interactive_deploy_prints_the_plan_it_applies(fc, project):
    f = write(project)
    assert fc("deploy", "-f", f).code == 0
    f = write(project, memory=384, secret="rotated-Secret-Value-31")
    run = fc("deploy", "-f", f)
    assert run.code == 0
    assert "memorySize: 512 → 384" in run.err
    assert "environmentVariables.DB_PASSWORD: (sensitive value changed)" in run.err
    assert_absent("rotated-Secret-Value-31", {"stderr": run.err, "stdout": run.out})
    assert_absent(SECRET, {"stderr": run.err, "stdout": run.out})


def test_markdown_plan_and_step_summary(fc, project, monkeypatch):
    f = write(project)
    assert fc("deploy", "-f", f).code == 0
    f = write(project, memory=384, secret="rotated-Secret-Value-31")
    summary = project.dir / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run = fc("plan", "-f", f, "-o", "markdown")
    assert run.code == 0, run.err
    md = run.out
    assert md.startswith("## fcctl plan")
    assert "| `orders-api` | cn-hangzhou | update | 2 |" in md
    assert ("```diff\n! environmentVariables.DB_PASSWORD: (sensitive value changed)\n"
            "- memorySize: 512\n+ memorySize: 384\n```\n") in md
    assert summary.read_text() == "earlier step\n" + md
    # with -o json the step summary still gets the markdown
    run = fc("-o", "json", "plan", "-f", f)
    assert run.json()["command"] == "plan"
    assert summary.read_text() == "earlier step\n" + md + md
    for text in (md, summary.read_text()):
        assert_absent("rotated-Secret-Value-31", {"markdown": text})
        assert_absent(SECRET, {"markdown": text})


def test_plan_hides_unchanged_functions_unless_verbose(fc, project):
    text = SPEC.format(name="a-fn", memory=512, secret=SECRET, pw=PW) + \
        SPEC.format(name="b-fn", memory=512, secret=SECRET, pw=PW).split("functions:\n")[1]
    f = str(project(text))
    assert fc("deploy", "-f", f).code == 0
    f = str(project(text.replace("memorySize: 512", "memorySize: 384", 1)))
    run = fc("plan", "-f", f)
    assert "function a-fn" in run.out and "function b-fn" not in run.out
    assert "1 to update, 1 unchanged" in run.out
    assert "function b-fn (cn-hangzhou): no changes" in fc("plan", "-f", f, "--verbose").out
    doc = fc("-o", "json", "plan", "-f", f).json()
    assert [x["functionName"] for x in doc["functions"]] == ["a-fn", "b-fn"]


from hypothesis import assume, given, settings, HealthCheck  # noqa: E402

from tests.functional import test_secrets_everywhere as se  # noqa: E402


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(secret=se.TEXT_SECRETS, secret2=se.TEXT_SECRETS, pw=se.URL_PASSWORDS, token=se.TOKENS)
def test_saved_plan_never_holds_a_spec_secret(fc, secret, secret2, pw, token):
    """The hostile secrets of test_secrets_everywhere (quotes, $, non-ASCII, URL passwords,
    bearer tokens, descriptions quoting them) in a plan saved for a create and for an update."""
    from fcctl.ui import redact

    assume(len({secret, secret2, pw, token}) == 4)
    redact.reset()
    text = se.SPEC.format(description=se.yaml_text(f"uses {secret} and {secret2}; visible-marker"),
                          secret=se.yaml_text(secret), secret2=se.yaml_text(secret2),
                          pw=pw.replace("$", "$$"), token=token)
    d = se.write_project(text)
    f, out = str(d / "fc.yaml"), str(d / "plan.json")
    blobs = {}
    assert fc("plan", "-f", f, "--out", out).code == 0
    blobs["create plan"] = open(out, encoding="utf-8").read()
    assert fc("deploy", "-f", f).code == 0
    (d / "fc.yaml").write_text(text.replace("LOG_LEVEL: info", "LOG_LEVEL: debug"))
    redact.reset()
    assert fc("plan", "-f", f, "--out", out).code == 0
    blobs["update plan"] = open(out, encoding="utf-8").read()
    assert "visible-marker" in blobs["create plan"] and "debug" in blobs["update plan"]
    for value in (secret, secret2, pw, token):
        se.assert_absent(value, blobs)
