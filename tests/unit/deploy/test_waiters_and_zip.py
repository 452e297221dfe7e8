from __future__ import annotations

import zipfile

import pytest

from fcctl import errors
from fcctl.deploy.codezip import crc64_ecma, load_code, zip_directory
from fcctl.deploy.waiters import Clock, UpdateFailed, wait_for_update


class FakeClock(Clock):
    def __init__(self):
        self.t = 0.0
        super().__init__(now=lambda: self.t, sleep=self._sleep)
        self.sleeps = []

    def _sleep(self, s):
        self.sleeps.append(s)
        self.t += s


def seq(*states):
    it = iter(states)
    last = {}

    def get():
        nonlocal last
        last = next(it, last)
        return last
    return get


def fn(status, state="Active", **kw):
    return {"functionName": "f", "lastUpdateStatus": status, "state": state, **kw}


def test_waits_until_successful():
    clock = FakeClock()
    out = wait_for_update(seq(fn("InProgress"), fn("InProgress"), fn("Successful")),
                          name="f", container=False, deadline=100, clock=clock)
    assert out["lastUpdateStatus"] == "Successful"
    assert len(clock.sleeps) == 2


def test_built_in_runtime_never_waits_for_active():
    clock = FakeClock()
    out = wait_for_update(seq(fn("Successful", state="Pending")), name="f", container=False,
                          deadline=10, clock=clock)
    assert out["state"] == "Pending" and clock.sleeps == []


def test_container_waits_for_pending_to_leave():
    clock = FakeClock()
    wait_for_update(seq(fn("Successful", state="Pending"), fn("Successful", state="Active")),
                    name="f", container=True, deadline=10, clock=clock)
    assert len(clock.sleeps) == 1


def test_failed_raises_with_reason():
    with pytest.raises(UpdateFailed) as exc:
        wait_for_update(seq(fn("Failed", lastUpdateStatusReason="image pull failed",
                               lastUpdateStatusReasonCode="ImagePullError")),
                        name="f", container=False, deadline=10, clock=FakeClock())
    assert "ImagePullError" in str(exc.value.message) and exc.value.exit_code == 1


def test_deadline_raises_wait_timeout_naming_function():
    clock = FakeClock()
    with pytest.raises(errors.WaitTimeout) as exc:
        wait_for_update(lambda: fn("InProgress"), name="slow", container=False, deadline=5,
                        clock=clock)
    assert exc.value.pending == ["slow"] and exc.value.exit_code == 4
    assert clock.t == pytest.approx(5)


def test_crc64_matches_the_catalogue_check_value():
    # CRC-64/XZ (ECMA-182 reflected) check value for "123456789"
    assert crc64_ecma(b"123456789") == str(0x995DC9BBDF1939FA)


def test_zip_is_deterministic_and_skips_caches(tmp_path):
    src = tmp_path / "app"
    (src / "__pycache__").mkdir(parents=True)
    (src / "__pycache__" / "x.pyc").write_bytes(b"junk")
    (src / "b.py").write_text("b")
    (src / "a.sh").write_text("#!/bin/sh\n")
    (src / "a.sh").chmod(0o755)
    one = zip_directory(src)
    (src / "b.py").touch()  # mtime changes must not change the package
    two = zip_directory(src)
    assert one.data == two.data and one.checksum == two.checksum
    with zipfile.ZipFile(tmp_path / "out.zip", "w") as _:
        pass
    names = zipfile.ZipFile(__import__("io").BytesIO(one.data)).namelist()
    assert names == ["a.sh", "b.py"]
    info = zipfile.ZipFile(__import__("io").BytesIO(one.data)).getinfo("a.sh")
    assert (info.external_attr >> 16) & 0o777 == 0o755
    (src / "b.py").write_text("changed")
    assert zip_directory(src).checksum != one.checksum


def test_zip_file_is_sent_as_is(tmp_path):
    z = tmp_path / "code.zip"
    z.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    pkg = load_code(z)
    assert pkg.data == z.read_bytes() and pkg.checksum == crc64_ecma(z.read_bytes())


def test_container_waits_while_image_acceleration_is_preparing():
    # accelerationInfo.status: Preparing | Ready (FC SDK AccelerationInfo doc); policy: wait
    from fcctl.deploy.waiters import update_settled

    fn = {"functionName": "box", "lastUpdateStatus": "Successful", "state": "Active",
          "customContainerConfig": {"accelerationInfo": {"status": "Preparing"}}}
    assert not update_settled(fn, container=True)
    assert update_settled(fn, container=False)  # only containers have an image to accelerate
    fn["customContainerConfig"]["accelerationInfo"]["status"] = "Ready"
    assert update_settled(fn, container=True)
    del fn["customContainerConfig"]["accelerationInfo"]  # not reported: nothing to wait for
    assert update_settled(fn, container=True)
