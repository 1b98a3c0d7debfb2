"""Every step log line as one JSON object: request_id, stage, variant, run_id, the message, never a secret.

Dagster's instance applies these through `python_logs.dagster_handler_config` in dagster.yaml, to every run however
it was launched (sensor, CLI, UI, backfill) and on Celery workers; a `@logger` in Definitions would only apply to
runs whose config names it. Dagster hands the handler its own records: `dagster_meta` on each carries the run id,
the run's tags and the step key, from which the request (the partition key), the stage and the variant follow.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import Any

from pydantic import SecretStr
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from video_assets.redaction import redact, register_secret
from video_assets.settings import SettingsError, load_settings

PARTITION_TAG = "dagster/partition"
# Secrets handed to processes outside our settings: the boto3 chain and dagster.yaml's Postgres parts.
SECRET_ENVIRONMENT = ("AWS_SECRET_ACCESS_KEY", "DAGSTER_PG_PASSWORD")
FIELDS = ("request_id", "stage", "variant", "run_id", "step_key", "event", "error")
# `rendered_videos.render_one[v1]`: the stage is the asset, the variant the mapping key's number.
_STEP = re.compile(r"^(?P<stage>[^.\[]+)(?:\.[^\[]*)?(?:\[v?(?P<variant>[^\]]+)\])?$")


def dagster_handler_config() -> dict[str, Any]:
    """`python_logs.dagster_handler_config` of every instance we run: the repo's and docker/'s dagster.yaml carry
    this same block (a test holds them to it), the embedded instance gets it from video_assets/embedded_instance.py.
    The lines go to the step's stdout: the step's captured stdout in the UI, the container's log in production."""
    return {
        "handlers": {
            "json_lines": {
                "class": f"{__name__}.StepStdout",
                "level": "INFO",
                "filters": ["step_fields"],
                "formatter": "json_lines",
            }
        },
        "filters": {"step_fields": {"()": f"{__name__}.StepFields"}},
        "formatters": {"json_lines": {"()": f"{__name__}.JsonLines"}},
    }


def configured_secrets() -> list[str]:
    """Every secret this deployment is configured with, and a URL's password on its own as well."""
    values = [os.environ.get(name, "") for name in SECRET_ENVIRONMENT]
    try:
        settings = load_settings()
    except SettingsError:
        return values  # a broken configuration stops the process elsewhere; logging must still work
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            values.append(value.get_secret_value())
            values.append(_url_password(value.get_secret_value()))
    return values


def _url_password(value: str) -> str:
    try:
        return make_url(value).password or "" if "://" in value else ""
    except ArgumentError:
        return ""


def stage_and_variant(step_key: str | None) -> tuple[str | None, str | None]:
    found = _STEP.match(step_key or "")
    return (found["stage"], found["variant"]) if found else (None, None)


class StepStdout(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stdout is when a line is logged, not when the handler was built: the CLI's `run` and
    `demo` send the runs' log to their log file and keep the terminal for the progress display."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, _value: Any) -> None:
        """StreamHandler's own __init__ sets a stream; the current sys.stdout always wins."""


class StepFields(logging.Filter):
    """Puts the request, stage, variant and run on the record and redacts its message; passes every record."""

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        for secret in configured_secrets():
            register_secret(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        meta: dict[str, Any] = getattr(record, "dagster_meta", None) or {}
        tags = meta.get("job_tags") or {}
        event = meta.get("dagster_event")
        record.run_id = meta.get("run_id")
        record.step_key = meta.get("step_key")
        record.request_id = tags.get(PARTITION_TAG)
        record.stage, record.variant = stage_and_variant(record.step_key)
        record.event = event.event_type_value if event is not None else None
        error = getattr(event.event_specific_data, "error", None) if event is not None else None
        record.error = redact(error.to_string()) if error is not None else None
        # Dagster's line repeats job, run and step before the message; in JSON the fields above say those. The
        # record itself keeps Dagster's line, redacted, for the console logger that prints it after this handler.
        record.step_message = redact(meta.get("orig_message", record.getMessage()))
        record.msg = redact(record.getMessage())
        record.args = ()
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonLines(JsonFormatter):
    """One JSON object per line with exactly our fields, CJK kept readable (python-json-logger escapes it by
    default). Other attributes a library put on the record stay out: nothing unredacted reaches the line."""

    KEPT = frozenset({"time", "level", "message", *FIELDS, "exc_info", "stack_info"})

    def __init__(self) -> None:
        super().__init__(
            " ".join(f"%({name})s" for name in ("asctime", "levelname", "message", *FIELDS)),
            rename_fields={"asctime": "time", "levelname": "level"},
            json_ensure_ascii=False,
        )

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]) -> None:
        super().add_fields(log_data, record, message_dict)
        log_data["message"] = getattr(record, "step_message", log_data["message"])
        for extra in set(log_data) - self.KEPT:
            del log_data[extra]
