"""The FC seam: the SDK-backed FcClient and the in-memory fake both offer every FcApi method,
with the same parameters, so a unit test on the fake exercises the calls deploy really makes."""

from __future__ import annotations

import inspect

from fcctl.cloud.api import FcApi
from fcctl.cloud.client import FcClient
from tests.fakefc import FakeFc


def methods(cls):
    return {n: f for n, f in vars(cls).items() if callable(f) and not n.startswith("_")}


def params(fn):
    return [(p.name, p.kind) for p in inspect.signature(fn).parameters.values()]


def test_client_and_fake_implement_every_fcapi_method_with_its_parameters():
    wanted = methods(FcApi)
    assert {"get_function", "update_function", "list_instances", "write_calls"} <= set(wanted)
    for impl in (FcClient, FakeFc):
        for name, proto in wanted.items():
            assert hasattr(impl, name), f"{impl.__name__} lacks {name}"
            assert params(getattr(impl, name)) == params(proto), (impl.__name__, name)
