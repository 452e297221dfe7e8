"""InstanceConfig from spec functions: hook enablement, commands, ports, path mapping.

The FC facts asserted here, each with its public source in docs/fc-facts.md ("Local runner",
"Limits", "Code packages"): a hook is enabled by a non-empty handler or command, and ``""`` means
unset (FC docs 函数实例生命周期回调); the default hook timeout of 3 s is a named policy
(``fcfacts.DEFAULT_HOOK_TIMEOUT_S``, Serverless Devs fc3 fills in 3); a custom runtime listens on
port 9000 by default (FC docs 错误处理（自定义运行时）) and without a start command runs
``/code/bootstrap`` (FC docs 创建Web函数); function timeout defaults to 3 s (SDK
CreateFunctionInput.timeout); memory 128 MB for the local runner is a policy
(``fcfacts.DEFAULT_MEMORY_MB``)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace as NS

import pytest

from fcctl import errors
from fcctl.runner.config import hook_from_spec, instance_config_from_function


@pytest.mark.parametrize("hook, kind", [
    (None, None),
    ({"handler": "", "command": []}, None),          # empty means unset
    ({"handler": "   "}, None),
    ({"handler": "not-used"}, "code"),                # a placeholder still enables it
    ({"handler": "true", "timeout": 7}, "code"),
    ({"command": ["/bin/sh", "/code/w.sh"]}, "command"),
])
def test_hook_enabled_iff_handler_or_command(hook, kind):
    got = hook_from_spec(hook)
    assert (got.kind if got else None) == kind


def test_hook_default_timeout_is_3_seconds():
    assert hook_from_spec({"handler": "true"}).timeout == 3


def _fn(**kw):
    base = dict(functionName="f", runtime="custom.debian10", handler="h", region="cn-beijing",
                code=NS(path=Path("/srv/app")), memorySize=256, timeout=9,
                customRuntimeConfig=NS(command=["python3"], args=["app.py"], port=8080),
                customContainerConfig=None, environmentVariables={"A": "1"},
                instanceLifecycleConfig=NS(initializer={"handler": "true", "timeout": 2},
                                           preStop=None))
    base.update(kw)
    return NS(**base)


def test_custom_runtime_config(tmp_path):
    cfg = instance_config_from_function(_fn(), spec_dir=tmp_path)
    assert cfg.command == ("python3", "app.py") and cfg.cwd == Path("/srv/app")
    assert cfg.port == 8080 and cfg.memory_size == 256 and cfg.timeout == 9
    assert cfg.initializer.kind == "code" and cfg.pre_stop is None
    assert cfg.env_dict == {"A": "1"} and cfg.region == "cn-beijing"


def test_defaults_bootstrap_and_port_9000(tmp_path):
    cfg = instance_config_from_function(
        _fn(customRuntimeConfig=None, memorySize=None, timeout=None), spec_dir=tmp_path)
    assert cfg.command == ("/code/bootstrap",) and cfg.port == 9000
    assert cfg.memory_size == 128 and cfg.timeout == 3


def test_code_mount_maps_to_code_dir(tmp_path):
    cfg = instance_config_from_function(_fn(code=NS(path=tmp_path)), spec_dir=tmp_path)
    assert cfg.map_path("/code/warmup.sh") == f"{tmp_path}/warmup.sh"
    assert cfg.map_path("/bin/sh") == "/bin/sh"
    assert cfg.map_path("/codex") == "/codex"


def test_container_needs_command_without_docker(tmp_path):
    fn = _fn(runtime="custom-container", code=None,
             customContainerConfig=NS(image="registry/x:1", port=9001))
    with pytest.raises(errors.UsageError) as exc:
        instance_config_from_function(fn, spec_dir=tmp_path, docker=False)
    assert "--command" in exc.value.hint
    cfg = instance_config_from_function(fn, spec_dir=tmp_path, command_override="python3 app.py",
                                        docker=False)
    assert cfg.command == ("python3", "app.py") and cfg.port == 9001 and cfg.cwd == tmp_path


def test_builtin_runtime_needs_command(tmp_path):
    with pytest.raises(errors.UsageError):
        instance_config_from_function(_fn(runtime="python3.10"), spec_dir=tmp_path)


def test_docker_run_argv_is_loopback_only_and_passes_values_by_name(tmp_path):
    from fcctl.runner.instance import LocalInstance

    fn = _fn(runtime="custom-container", code=None,
             customContainerConfig=NS(image="registry/x:1", port=9001, entrypoint=["python3"],
                                      command=["app.py"]),
             environmentVariables={"DB_PASSWORD": "hunter2-secret"})
    cfg = instance_config_from_function(fn, spec_dir=tmp_path, docker=True)
    argv = LocalInstance(cfg, environ={"PATH": "/usr/bin"})._argv()
    assert argv[:3] == ["docker", "run", "--rm"]
    assert "127.0.0.1:9001:9001" in argv
    i = argv.index("registry/x:1")
    assert argv[argv.index("--entrypoint") + 1] == "python3" and argv[i + 1:] == ["app.py"]
    assert "DB_PASSWORD" in argv and "FC_SERVER_PORT" in argv
    assert not any("hunter2" in a for a in argv)


@pytest.mark.parametrize("command, words", [
    ("'unclosed", ["--command", "cannot be parsed", "No closing quotation"]),
    ("", ["--command is empty"]),
    ("   ", ["--command is empty"]),
])
def test_bad_command_override_is_a_usage_error_naming_the_option(tmp_path, command, words):
    """`--command "'unclosed"` was an internal ValueError; `--command ""` silently used the
    spec's command."""
    with pytest.raises(errors.UsageError) as exc:
        instance_config_from_function(_fn(), spec_dir=tmp_path, command_override=command)
    for w in words:
        assert w in exc.value.message


def test_code_in_oss_needs_command(tmp_path):
    """Code in OSS is not downloaded: the spec's command must not run in the spec directory."""
    oss = NS(path=None, ossBucketName="bkt", ossObjectName="code.zip")
    with pytest.raises(errors.UsageError) as exc:
        instance_config_from_function(_fn(code=oss), spec_dir=tmp_path)
    assert "OSS" in exc.value.message and "oss://bkt/code.zip" in exc.value.message
    assert "--command" in exc.value.hint
    # with --command it runs, in the spec's directory
    cfg = instance_config_from_function(_fn(code={"ossBucketName": "bkt", "ossObjectName": "c"}),
                                        spec_dir=tmp_path, command_override="python3 app.py")
    assert cfg.command == ("python3", "app.py") and cfg.cwd == tmp_path.resolve()
