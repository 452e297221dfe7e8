"""One rule for "is this lifecycle hook set", shared by spec, deploy, emulator and runner
(fcctl.fcfacts.hook_is_set): they used to disagree on a whitespace-only handler."""

from __future__ import annotations

from pathlib import Path

import pytest

from fcctl import errors, fcfacts
from fcctl.deploy import fields
from fcctl.emulator import backend
from fcctl.runner.config import hook_from_spec

CASES = [
    (None, False),
    ({}, False),
    ({"handler": ""}, False),
    ({"handler": "   "}, False),
    ({"handler": "\t"}, False),
    ({"handler": "", "command": []}, False),
    ({"timeout": 5}, False),
    ({"handler": "true"}, True),
    ({"handler": " index.init "}, True),
    ({"command": ["/bin/sh", "/code/w.sh"]}, True),
    ({"handler": "  ", "command": ["/bin/true"]}, True),
]


@pytest.mark.parametrize("hook, expected", CASES)
def test_every_layer_uses_the_same_rule(hook, expected):
    assert fcfacts.hook_is_set(hook) is expected
    assert fields.hook_is_set(hook) is expected
    assert backend._hook_set(hook) is expected
    assert (hook_from_spec(hook) is not None) is expected


def test_whitespace_only_handler_is_a_spec_error(tmp_path: Path):
    spec = tmp_path / "fc.yaml"
    spec.write_text(
        "region: cn-hangzhou\n"
        "functions:\n"
        "  - functionName: f\n"
        "    runtime: custom.debian10\n"
        "    handler: index.handler\n"
        "    code: .\n"
        "    customRuntimeConfig: {command: [python3, app.py], port: 9000}\n"
        "    instanceLifecycleConfig:\n"
        "      initializer: {handler: '   ', timeout: 3}\n")
    from fcctl.spec import load_spec

    with pytest.raises(errors.SpecError) as info:
        load_spec([spec])
    hits = [p for p in info.value.problems if "handler is only whitespace" in p.message]
    assert len(hits) == 1 and hits[0].line == 9 and hits[0].severity == "error"
