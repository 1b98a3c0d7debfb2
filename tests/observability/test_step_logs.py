"""Step log lines as JSON: the filter and formatter on their own, and the instance configs that apply them."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import yaml

from video_assets.embedded_instance import instance_yaml
from video_assets.logging_json import JsonLines, StepFields, dagster_handler_config, stage_and_variant
from video_assets.redaction import REDACTED

REPO = Path(__file__).resolve().parents[2]


def test_step_keys_name_stage_and_variant() -> None:
    assert stage_and_variant("media_items") == ("media_items", None)
    assert stage_and_variant("rendered_videos.render_one[v2]") == ("rendered_videos", "2")
    assert stage_and_variant("rendered_videos.collect_renders") == ("rendered_videos", None)
    assert stage_and_variant(None) == (None, None)


def test_a_record_outside_a_run_keeps_its_extras_out_and_its_secrets_redacted() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(StepFields())
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("tests.observability.json")
    logger.addHandler(handler)
    try:
        logger.error("key sk-abcdef1234567890 used", extra={"header": "x-api-key: abcdef123456"})
    finally:
        logger.removeHandler(handler)
    record = json.loads(stream.getvalue())
    assert record["message"] == f"key {REDACTED} used"
    assert "header" not in record and record["stage"] is None


def test_every_instance_config_puts_step_logs_through_the_json_handler() -> None:
    expected = dagster_handler_config()
    for config in (REPO / "dagster.yaml", REPO / "docker" / "dagster.yaml"):
        assert yaml.safe_load(config.read_text())["python_logs"]["dagster_handler_config"] == expected, config
    assert yaml.safe_load(instance_yaml())["python_logs"]["dagster_handler_config"] == expected
