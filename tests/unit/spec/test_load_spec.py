"""The load_spec contract other packages build on (docs/architecture.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fcctl.cli.main import main
from fcctl.errors import SpecError
from fcctl.spec import FunctionSpec, LocalCode, OssCode, TriggerSpec, load_spec

REPO = Path(__file__).resolve().parents[3]
GOOD = REPO / "tests/corpus/specs/good"


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def test_example_loads_with_the_documented_shapes(monkeypatch):
    monkeypatch.chdir(REPO)
    loaded = load_spec(["fc.yaml.example"], environ={})
    assert loaded.spec.region == "cn-hangzhou"
    assert loaded.files == ["fc.yaml.example"]
    (fn,) = loaded.spec.functions
    assert isinstance(fn, FunctionSpec)
    assert fn.region == "cn-hangzhou"
    assert fn.code == LocalCode(path=(REPO / "examples/app").resolve())
    assert fn.code.path.is_absolute()
    assert fn.source_file == "fc.yaml.example" and fn.base_dir == REPO
    body = fn.api_fields()
    assert "code" not in body and "triggers" not in body and "region" not in body
    assert body["tags"] == [{"Key": "team", "Value": "orders"}]
    assert body["instanceLifecycleConfig"] == {
        "initializer": {"handler": "true", "timeout": 30},
        "preStop": {"handler": "true", "timeout": 10},
    }
    assert body["environmentVariables"]["DB_PASSWORD"] == ""
    (trig,) = fn.triggers
    assert isinstance(trig, TriggerSpec)
    assert trig.api_fields() == {"triggerName": "http", "triggerType": "http",
                                 "triggerConfig": {"authType": "anonymous", "methods": ["GET", "POST"]}}


def test_api_fields_keep_hooks_exactly_as_written():
    loaded = load_spec([GOOD / "realistic/clear-hooks.yaml"], environ={})
    body = loaded.spec.functions[0].api_fields()
    assert body["instanceLifecycleConfig"] == {
        "initializer": {"handler": "", "command": [], "timeout": 3},
        "preStop": {"handler": "", "command": [], "timeout": 3},
    }
    loaded = load_spec([GOOD / "gpu-command-initializer.yaml"], environ={})
    ilc = loaded.spec.functions[0].api_fields()["instanceLifecycleConfig"]
    assert ilc["initializer"] == {"command": ["/bin/sh", "/code/warmup.sh"], "timeout": 300}


def test_api_fields_only_set_keys_nested():
    loaded = load_spec([GOOD / "realistic/several-functions.yaml"], environ={})
    orders, thumbs, reports = loaded.spec.functions
    body = thumbs.api_fields()
    assert set(body) == {"functionName", "runtime", "handler", "memorySize", "timeout", "layers",
                         "instanceLifecycleConfig", "tags"}
    assert body["tags"] == [{"Key": "team", "Value": "media"}]
    assert thumbs.code == OssCode(ossBucketName="deploy-artifacts", ossObjectName="thumbnails/1.4.2.zip")
    hc = orders.api_fields()["customRuntimeConfig"]["healthCheckConfig"]
    assert hc == {"httpGetUrl": "/healthz", "initialDelaySeconds": 1, "periodSeconds": 5,
                  "timeoutSeconds": 2, "failureThreshold": 3, "successThreshold": 1}
    assert orders.api_fields()["vpcConfig"]["vSwitchIds"] == ["vsw-bp1", "vsw-bp2"]
    assert reports.region == "cn-shanghai" and orders.region == "cn-hangzhou"
    assert [t.triggerType for t in reports.triggers] == ["timer"]
    json.dumps(orders.api_fields())  # JSON-ready


def test_overlays_merge_by_function_name_and_trigger_name():
    base = GOOD / "overlay/app.base.yaml"
    prod = GOOD / "overlay/prod.yaml"
    loaded = load_spec([base, prod], environ={})
    assert loaded.spec.region == "cn-shanghai"
    web, nightly = loaded.spec.functions
    assert (web.cpu, web.memorySize) == (2.0, 4096)
    assert web.environmentVariables == {"LOG_LEVEL": "warn", "RELEASE": "dev"}
    assert web.instanceLifecycleConfig.preStop.timeout == 60
    assert web.instanceLifecycleConfig.preStop.handler == "true"
    assert web.triggers[0].triggerConfig == {"authType": "anonymous", "methods": ["GET", "POST"]}
    assert web.triggers[0].triggerType == "http"
    assert web.source_file == str(base)
    assert nightly.source_file == str(prod)
    assert nightly.code.path == (GOOD / "app").resolve()
    loaded = load_spec([base, prod], environ={"FCCTL_CORPUS_SURELY_UNSET_RELEASE": "v7"})
    assert loaded.spec.functions[0].environmentVariables["RELEASE"] == "v7"


def test_all_problems_are_collected(tmp_path):
    f = write(tmp_path, "fc.yaml", """\
region: cn-hangzhou
functions:
  - functionName: a
    runtime: python3.10
    handler: index.handler
    memorySize: 100
    timeout: 0
    instanceLifecycleConfig:
      preStopp: {}
  - functionName: 9b
    runtime: pyhton3.10
    handler: index.handler
""")
    with pytest.raises(SpecError) as info:
        load_spec([f], environ={})
    lines = sorted((p.line, p.path) for p in info.value.problems if p.severity == "error")
    assert lines == [
        (3, "functions[0]"),                                     # no code
        (6, "functions[0].memorySize"),
        (7, "functions[0].timeout"),
        (9, "functions[0].instanceLifecycleConfig.preStopp"),
        (10, "functions[1].functionName"),
        (11, "functions[1].runtime"),
    ]
    runtime = [p for p in info.value.problems if p.path == "functions[1].runtime"][0]
    assert "did you mean python3.10?" in runtime.message


def test_warnings_do_not_fail_and_are_returned():
    loaded = load_spec([GOOD / "warnings/placeholder-initializer-custom.yaml"], environ={})
    (w,) = loaded.warnings
    assert w.severity == "warning" and "POST /initialize" in w.message


def test_secret_values_never_appear_in_output(tmp_path, capsys):
    secret = "s3cr3t-DO-NOT-PRINT"
    f = write(tmp_path, "fc.yaml", f"""\
region: cn-hangzhou
functions:
  - functionName: a
    runtime: custom-container
    handler: index.handler
    customContainerConfig:
      image: registry.cn-hangzhou.aliyuncs.com/ns/a:1
      registryConfig:
        authConfig:
          password: {secret}
          userName: 12345
    environmentVariables:
      DB_PASSWORD: {secret}
      API_TOKEN: 12345
      OTHER_SECRET: [{secret}]
""")
    for mode in ("text", "json"):
        assert main(["--output", mode, "validate", "-f", str(f)]) == 2
        out, err = capsys.readouterr()
        assert secret not in out + err
        assert "API_TOKEN" in out + err  # the problem is still reported


def test_validate_json_document_shape(tmp_path, capsys):
    f = write(tmp_path, "fc.yaml", "region: cn-hangzhou\nfunctions:\n  - functionName: a\n")
    assert main(["validate", "-o", "json", "-f", str(f)]) == 2
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["schemaVersion"] == 1 and doc["valid"] is False
    assert set(doc["problems"][0]) == {"file", "line", "column", "path", "message", "severity"}
    assert err == ""
    # the global option works too, and a valid spec gives valid: true
    assert main(["-o", "json", "validate", "-f", str(GOOD / "custom-runtime-hooks.yaml")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == {"schemaVersion": 1, "valid": True, "problems": []}


def test_validate_default_file_is_fc_yaml(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 2
    assert "fc.yaml:1:1: error: file not found" in capsys.readouterr().err
    (tmp_path / "app").mkdir()
    (tmp_path / "app/index.py").write_text("def handler(event, context):\n    return 'ok'\n")
    write(tmp_path, "fc.yaml", "region: cn-hangzhou\nfunctions:\n  - functionName: a\n"
          "    runtime: python3.10\n    handler: index.handler\n    code: ./app\n")
    assert main(["validate"]) == 0
    assert "fc.yaml: valid, 1 function, 0 warnings" in capsys.readouterr().out


def test_code_relative_to_the_file_that_sets_it(tmp_path):
    (tmp_path / "deploy/prod/src").mkdir(parents=True)
    (tmp_path / "src").mkdir()
    for src in ("src", "deploy/prod/src"):
        (tmp_path / src / "index.py").write_text("def handler(event, context):\n    return 'ok'\n")
    base = write(tmp_path, "fc.yaml", "region: cn-hangzhou\nfunctions:\n  - functionName: a\n"
                 "    runtime: python3.10\n    handler: index.handler\n    code: ./src\n")
    over = write(tmp_path, "deploy/prod/fc.prod.yaml", "functions:\n  - functionName: a\n    code: ./src\n")
    assert load_spec([base], environ={}).spec.functions[0].code.path == (tmp_path / "src").resolve()
    fn = load_spec([base, over], environ={}).spec.functions[0]
    assert fn.code.path == (tmp_path / "deploy/prod/src").resolve()


def test_commented_gpu_example_in_fc_yaml_example_is_valid(tmp_path):
    """The GPU function shown in comments in fc.yaml.example validates once uncommented."""
    lines = (REPO / "fc.yaml.example").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  # - functionName:"))
    body = [line[4:] if line.startswith("  # ") else line[3:] for line in lines[start:]]
    spec = tmp_path / "gpu.yaml"
    spec.write_text("region: cn-hangzhou\nfunctions:\n" + "\n".join("  " + b for b in body) + "\n")
    loaded = load_spec([spec], environ={})
    (fn,) = loaded.spec.functions
    assert fn.gpuConfig.gpuMemorySize == 16384 and not loaded.warnings
    assert fn.instanceLifecycleConfig.initializer.command == ["/bin/sh", "/code/warmup.sh"]
    assert fn.customContainerConfig.image.endswith(":latest")
