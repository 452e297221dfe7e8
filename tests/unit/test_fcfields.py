"""The one table of FC's function fields (fcctl/fcfields.py) against the installed SDK's models
(alibabacloud-fc20230330 4.8 CreateFunctionInput / UpdateFunctionInput / Function) and the spec
model: every field a spec can set is a CreateFunctionInput field the emulator accepts."""

from __future__ import annotations

import inspect
import re

from fcctl import fcfields
from fcctl.deploy import fields
from fcctl.emulator import backend
from fcctl.spec.models import FunctionSpec


def sdk_keys(cls) -> set[str]:
    # the wire names a model's to_map() writes: result['<key>'] = …
    return set(re.findall(r"result\['(\w+)'\]", inspect.getsource(cls.to_map)))


def test_create_and_update_inputs_are_the_sdks():
    from alibabacloud_fc20230330 import models as m

    assert fcfields.CREATE_INPUT == sdk_keys(m.CreateFunctionInput)
    assert fcfields.UPDATE_INPUT == sdk_keys(m.UpdateFunctionInput)
    assert fcfields.NOT_UPDATABLE == {"functionName", "tags", "resourceGroupId"}


def test_every_field_getfunction_returns_is_an_input_or_output_only():
    from alibabacloud_fc20230330 import models as m

    returned = sdk_keys(m.Function)
    top_output_only = {f for f in fcfields.OUTPUT_ONLY if "." not in f}
    assert returned <= (fcfields.CREATE_INPUT - fcfields.WRITE_ONLY) | top_output_only
    assert returned - fcfields.CREATE_INPUT <= top_output_only
    assert not top_output_only & fcfields.CREATE_INPUT


def test_emulator_and_field_rules_are_derived_from_the_table():
    assert backend.CREATE_KEYS == fcfields.CREATE_INPUT
    assert backend.UPDATE_KEYS == fcfields.UPDATE_INPUT
    assert fields.OUTPUT_ONLY == fcfields.OUTPUT_ONLY
    # tags are not in UpdateFunctionInput but converge through TagResources/UntagResources
    assert fields.NOT_UPDATABLE == fcfields.NOT_UPDATABLE - {"tags"}


def test_every_spec_field_reaches_the_emulator():
    fcctl_own = {"region", "triggers", "aliases", "provisionConfig"}  # fcctl's keys; `code` is FC's (a local dir is zipped)
    spec_fields = set(FunctionSpec.model_fields) - fcctl_own
    assert spec_fields <= fcfields.CREATE_INPUT, spec_fields - fcfields.CREATE_INPUT
