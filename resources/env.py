"""Secrets stay `EnvVar`s so Dagster resolves them at run time and never displays their values."""

from __future__ import annotations

import os

import dagster as dg


def secret(env_name: str) -> dg.EnvVar | None:
    return dg.EnvVar(env_name) if os.environ.get(env_name) else None
