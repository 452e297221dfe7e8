"""The output scrubber: secret environment values never print; ordinary ones do."""

from __future__ import annotations

import io

from fcctl.ui.redact import RedactingWriter, secret_values


def test_secret_values_are_chosen_by_name_and_length():
    env = {"DB_PASSWORD": "hunter2-long", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "sk-123456",
           "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-identifier", "PWD": "/home/me/project",
           "API_TOKEN": "abc", "LOG_LEVEL": "debug-verbose"}
    assert set(secret_values(env)) == {"hunter2-long", "sk-123456"}


def test_writer_masks_every_occurrence_longest_first():
    buf = io.StringIO()
    w = RedactingWriter(buf, sorted(["secret-value", "secret-value-longer"], key=len, reverse=True))
    w.write("a secret-value-longer and a secret-value\n")
    assert buf.getvalue() == "a *** and a ***\n"
    assert w.getvalue() == buf.getvalue()  # everything else is delegated
