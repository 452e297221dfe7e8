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


def test_no_lock_file_outlives_the_state_file(tmp_path):
    """`.lock` (created by `local invoke`) goes with the state file on every path: the owner's
    removal, removal after another process dropped the state as stale, and a lock taken when
    the instance had already stopped."""
    path = state.state_path(tmp_path, "fn")
    lock = path.with_suffix(".lock")
    data = state.new_state(pid=os.getpid(), port=9000, instance_id="c-1", function_name="fn",
                           initialized=False)
    state.write_state(path, data)
    with state.locked(path):
        pass
    assert lock.exists()  # kept while the instance runs
    state.remove_state(path)
    assert not path.exists() and not lock.exists()

    # another process dropped the state file (stale) before the owner removed it
    state.write_state(path, data)
    with state.locked(path):
        pass
    path.unlink()
    state.remove_state(path)
    assert not lock.exists()

    # the stale-file removal in read_state takes the lock file along
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    state.write_state(path, dict(data, pid=dead.pid))
    with state.locked(path):
        pass
    assert state.read_state(path) is None
    assert not path.exists() and not lock.exists()

    # a lock taken after the instance stopped leaves no file behind
    with state.locked(path):
        pass
    assert not lock.exists()


def test_update_never_recreates_a_removed_state_file(tmp_path):
    """`local invoke` records a successful Initializer; if `local start` stopped meanwhile (and
    removed the file), the stale state and its lock must not come back."""
    path = state.state_path(tmp_path, "fn")
    data = state.new_state(pid=os.getpid(), port=9000, instance_id="c-1", function_name="fn",
                           initialized=False)
    state.write_state(path, data)
    assert state.update_state(path, dict(data, initialized=True)) is True
    assert state.read_state(path)["initialized"] is True
    with state.locked(path):
        state.remove_state(path)  # the owner stops while an invoke holds the lock
        assert state.update_state(path, dict(data, initialized=True)) is False
    assert not path.exists() and not path.with_suffix(".lock").exists()
