"""fc.yaml: loading with node marks, pydantic models, cross-field rules, ``${env:…}``,
overlays and the JSON Schema. See ``docs/architecture.md`` (spec contract).

``load_spec(files, environ=None) -> LoadedSpec`` raises :class:`fcctl.errors.SpecError`
with every problem at file:line:column. Never imports the SDK.
"""

from __future__ import annotations

from fcctl.spec.loader import LoadedSpec, load_spec
from fcctl.spec.models import FunctionSpec, LocalCode, OssCode, Spec, TriggerSpec

__all__ = ["load_spec", "LoadedSpec", "Spec", "FunctionSpec", "LocalCode", "OssCode", "TriggerSpec"]
