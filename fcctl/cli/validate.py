"""fcctl validate commands (placeholder: filled in by its owner)."""

from fcctl.cli.main import app  # noqa: F401
