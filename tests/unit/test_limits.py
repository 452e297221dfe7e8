"""fcctl.limits: FC's documented limits (docs/fc-facts.md, "Limits"), shared by validate and the
emulator. The corpus (tests/corpus/specs) covers the messages at file:line; this covers the rules."""

from __future__ import annotations

import pytest

from fcctl import fcfacts, limits
from fcctl.deploy.rollout import new_rollout_id


def gpu_fn(gtype, cards, cpu, mem, **kw):
    card = fcfacts.GPU_CARD_MEMORY_MB[gtype]
    return {"runtime": "custom-container", "gpuConfig": {"gpuType": gtype, "gpuMemorySize": card * cards},
            "cpu": cpu, "memorySize": mem, **kw}


def severities(fn, **kw):
    return {(f.path, f.severity) for f in limits.check_function(fn, **kw)}


ROWS = [(g, v, lo, hi) for g, rows in fcfacts.GPU_VCPU_MEMORY_PER_CARD.items() for v, lo, hi in rows]


@pytest.mark.parametrize("gtype, vcpu, lo, hi", ROWS)
@pytest.mark.parametrize("cards", [1, 2])
def test_every_row_of_the_gpu_table_is_accepted_at_both_ends(gtype, vcpu, lo, hi, cards):
    if cards > fcfacts.GPU_MAX_CARDS.get(gtype, cards):
        pytest.skip("more cards than the type offers")
    for mem in (lo * cards, hi * cards):
        assert limits.check_function(gpu_fn(gtype, cards, vcpu * cards, mem)) == []


@pytest.mark.parametrize("gtype", sorted(fcfacts.GPU_VCPU_MEMORY_PER_CARD))
def test_above_the_gpu_table_is_an_error_below_it_a_warning(gtype):
    rows = fcfacts.GPU_VCPU_MEMORY_PER_CARD[gtype]
    top_v = max(v for v, _, _ in rows)
    top_mem = max(hi for _, _, hi in rows)
    assert (("cpu",), "error") in severities(gpu_fn(gtype, 1, top_v + 4, top_mem))
    assert (("memorySize",), "error") in severities(gpu_fn(gtype, 1, top_v, top_mem + 4096))
    # Terraform basic6950: cpu 0.5 / memory 512 on a whole card was accepted by FC
    assert severities(gpu_fn(gtype, 1, 0.5, 512)) == {(("cpu",), "warning")}


def test_a_gpu_function_may_exceed_every_cpu_limit():
    fn = gpu_fn("fc.gpu.hopper.2", 1, 24, 253952, diskSize=204800)
    assert limits.check_function(fn) == []
    cpu_fn = {**fn, "gpuConfig": None}
    assert {p for p, s in severities(cpu_fn) if s == "error"} == {("cpu",), ("memorySize",), ("diskSize",)}


@pytest.mark.parametrize("disk, ok", [(512, True), (10240, True), (204800, True), (1024, False),
                                      (15360, False), (215040, False)])
def test_gpu_disk(disk, ok):
    fn = gpu_fn("fc.gpu.ada.1", 1, 8, 65536, diskSize=disk)
    assert (limits.check_function(fn) == []) is ok


def test_partial_cards_only_on_tesla_and_ampere():
    tesla = {"gpuConfig": {"gpuType": "fc.gpu.tesla.1", "gpuMemorySize": 8192}, "cpu": 2,
             "memorySize": 8192}  # FC docs 实时推理场景 (133)
    assert limits.check_function(tesla) == []
    ada = {"gpuConfig": {"gpuType": "fc.gpu.ada.1", "gpuMemorySize": 8192}, "cpu": 2, "memorySize": 8192}
    assert severities(ada) == {(("gpuConfig", "gpuMemorySize"), "error")}


@pytest.mark.parametrize("timeout, severity", [(300, None), (301, "error")])
def test_initializer_maximum(timeout, severity):
    fn = {"instanceLifecycleConfig": {"initializer": {"handler": "h", "timeout": timeout}}}
    got = {s for _, s in severities(fn)}
    assert got == ({severity} if severity else set())


@pytest.mark.parametrize("timeout, severity", [(90, None), (91, "quota")])
def test_prestop_default_quota(timeout, severity):
    fn = {"instanceLifecycleConfig": {"preStop": {"handler": "h", "timeout": timeout}}}
    got = {s for _, s in severities(fn)}
    assert got == ({severity} if severity else set())


@pytest.mark.parametrize("runtime, ok", [("python3.10", False), ("nodejs20", False), ("custom", True),
                                         ("custom.debian12", True), ("custom-container", True)])
def test_concurrency_by_runtime(runtime, ok):
    assert (limits.check_function({"runtime": runtime, "instanceConcurrency": 2}) == []) is ok
    assert limits.check_function({"runtime": runtime, "instanceConcurrency": 1}) == []


@pytest.mark.parametrize("name, ok", [("A", True), ("a_1", True), ("_A", False), ("1A", False),
                                      ("FC_X", False), ("FCX", True), ("fc_x", True), ("A-B", False)])
def test_env_names(name, ok):
    assert (limits.env_name_problem(name) is None) is ok


def test_env_size_counts_utf8_bytes_of_names_and_values():
    assert fcfacts.env_size_bytes({"AB": "é"}) == 4
    exactly = {"K": "x" * 4095}
    assert limits.check_function({"environmentVariables": exactly}) == []
    over = {"K": "x" * 4096}
    assert severities({"environmentVariables": over}) == {(("environmentVariables",), "error")}


def test_validate_keeps_room_for_the_rollout_marker_and_its_size_matches_rollout_ids():
    assert len(new_rollout_id()) == fcfacts.ROLLOUT_ID_LENGTH
    assert fcfacts.rollout_marker_bytes() == len(fcfacts.ROLLOUT_ENV) + len(new_rollout_id())
    room = fcfacts.ENV_TOTAL_MAX_BYTES - fcfacts.rollout_marker_bytes()
    fits = {"K": "x" * (room - 1)}
    assert limits.check_function({"environmentVariables": fits}, reserve_rollout_marker=True) == []
    tight = {"K": "x" * room}
    assert limits.check_function({"environmentVariables": tight}) == []  # FC (emulator) accepts
    assert severities({"environmentVariables": tight}, reserve_rollout_marker=True) == {
        (("environmentVariables",), "error")}
    # a spec that sets the marker itself is counted as written, not twice
    marked = {"K": "x" * (room - 1), fcfacts.ROLLOUT_ENV: "x" * fcfacts.ROLLOUT_ID_LENGTH}
    assert limits.check_function({"environmentVariables": marked}, reserve_rollout_marker=True) == []


def test_wrong_types_are_left_to_the_type_checks():
    fn = {"cpu": "1", "memorySize": True, "diskSize": 1.5, "instanceConcurrency": "2",
          "environmentVariables": ["A"], "instanceLifecycleConfig": {"initializer": "x"}}
    assert limits.check_function(fn) == []
