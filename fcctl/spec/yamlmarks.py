"""YAML loading that keeps where every key and value was written — the names other modules use.

The work is split by concern:

* :mod:`fcctl.spec.reading`   — a file's bytes -> text (size cap, pipes/FIFOs, UTF-8)
* :mod:`fcctl.spec.composer`  — text -> located tree from PyYAML's events (``load_yaml_file``)
* :mod:`fcctl.spec.tree`      — the tree's nodes and the hostile-input budgets
* :mod:`fcctl.spec.scalars`   — YAML 1.1 scalar resolution and forms YAML 1.2 reads differently
* :mod:`fcctl.spec.envrefs`   — ``${env:…}`` substitution under a size budget
* :mod:`fcctl.spec.locations` — ``Loc``, paths, editor line/column, :func:`problem`
* :mod:`fcctl.spec.plain`     — tree -> plain data plus ``path -> Loc`` (``to_plain``)

This module re-exports their public names so ``from fcctl.spec.yamlmarks import …`` keeps
working; new code imports from the module that does the work.
"""

from __future__ import annotations

from fcctl.spec.composer import load_yaml_file, load_yaml_text
from fcctl.spec.envrefs import ENV_REF_PATTERN, EnvGrowthError, bad_env_reference, substitute_env
from fcctl.spec.locations import LineIndex, Loc, PathT, format_path, problem
from fcctl.spec.plain import Plain, to_plain
from fcctl.spec.reading import PIPE_WAIT_S, read_text
from fcctl.spec.scalars import odd_form
from fcctl.spec.tree import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    YAlias,
    YMap,
    YNode,
    YScalar,
    YSeq,
    deref,
)

__all__ = [
    "ENV_REF_PATTERN", "EnvGrowthError", "LineIndex", "Loc", "MAX_DEPTH", "MAX_FILE_BYTES",
    "MAX_NODES", "PIPE_WAIT_S", "PathT", "Plain", "YAlias", "YMap", "YNode", "YScalar", "YSeq",
    "bad_env_reference", "deref", "format_path", "load_yaml_file", "load_yaml_text", "odd_form",
    "problem", "read_text", "substitute_env", "to_plain",
]
