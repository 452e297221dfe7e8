"""`fcctl init` names the function after the project directory: whatever the directory's name,
the result is a name FC accepts (FUNCTION_NAME_PATTERN), and a valid name is kept as it is.

FC's rule (docs/fc-facts.md, "Spec validation"): 1-64 letters, digits, ``_`` or ``-``, not
starting with a digit or ``-`` — SDK alibabacloud-fc20230330 models/_create_function_input.py,
functionName."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from fcctl.cli.init import function_name_for
from fcctl.fcfacts import FUNCTION_NAME_PATTERN

DIR_NAMES = st.text(min_size=1, max_size=120).filter(
    lambda s: "/" not in s and "\x00" not in s and s not in (".", ".."))


@given(DIR_NAMES)
def test_any_directory_name_gives_a_valid_function_name(name):
    result = function_name_for(Path("/tmp/projects") / name, "python-web")
    assert re.fullmatch(FUNCTION_NAME_PATTERN, result), (name, result)


@given(st.from_regex(FUNCTION_NAME_PATTERN, fullmatch=True).filter(
    lambda s: not s.startswith("-") and not s.endswith("-") and "--" not in s and "\n" not in s))
def test_a_valid_name_is_kept(name):
    assert function_name_for(Path("/tmp/projects") / name, "python-web") == name
