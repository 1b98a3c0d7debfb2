"""The embedded Dagster instance's dagster.yaml ($VIDEO_ASSETS_HOME/dagster), written by the CLI and `make dev`."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from video_assets.logging_json import dagster_handler_config

# What the CLI and `make dev` wrote before step logs became JSON: such a file is ours to bring up to date.
_PREVIOUS_DEFAULT = "telemetry:\n  enabled: false\n"


def instance_yaml() -> str:
    config = {"telemetry": {"enabled": False}, "python_logs": {"dagster_handler_config": dagster_handler_config()}}
    return yaml.safe_dump(config, sort_keys=False)


def ensure_instance_yaml(home: Path) -> Path:
    """Write `home`/dagster.yaml unless an operator's own file is there."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text() == _PREVIOUS_DEFAULT:
        config.write_text(instance_yaml())
    return config


if __name__ == "__main__":
    ensure_instance_yaml(Path(sys.argv[1]))
