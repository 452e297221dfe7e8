"""The `fcctl local start` state file: written atomically, stale files dropped, owner-only removal."""

from __future__ import annotations

import os
import subprocess
import sys

from fcctl.runner import state


def test_round_trip_and_owner_only_removal(tmp_path):
    path = state.state_path(tmp_path, "fn")
    data = state.new_state(pid=os.getpid(), port=9000, instance_id="c-1", function_name="fn",
                           initialized=False)
    state.write_state(path, data)
    assert state.read_state(path) == data
    state.remove_state(path, owner_pid=os.getpid() + 1)  # not ours: kept
    assert path.exists()
    state.remove_state(path)
    assert not path.exists()


def test_stale_file_of_a_dead_owner_is_dropped(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path = state.state_path(tmp_path, "fn")
    data = state.new_state(pid=dead.pid, port=9000, instance_id="c-1", function_name="fn",
                           initialized=True)
    state.write_state(path, data)
    assert state.read_state(path) is None
    assert not path.exists()


def test_garbage_is_no_state(tmp_path):
    path = state.state_path(tmp_path, "fn")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    assert state.read_state(path) is None
    with state.locked(path):  # the lock works on a fresh directory too
        pass
