"""Resources that take their settings when Dagster initialises them for a run or a tick, never at import.

Dagster has no optional `EnvVar`: an unset one fails resource init. So `EnvVar` is kept for the settings production
requires, and every optional setting (a default, or a key only some backends need) is read here at init instead."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, Self

import dagster as dg
from pydantic import Field

from video_assets.settings import Settings, load_settings


class FromSettings(dg.ConfigurableResource):
    from_settings: bool = Field(
        False,
        description="When on, the fields that have a VIDEO_ASSETS_* setting take it from the environment of the "
        "process that initialises the resource (the run worker, or the code server for a tick); the values shown "
        "here are only the defaults.",
    )

    @abstractmethod
    def settings_fields(self, settings: Settings) -> dict[str, Any]:
        """This resource's field values as the settings give them."""

    def create_resource(self, context: dg.InitResourceContext) -> Self:
        return self.model_copy(update=self.settings_fields(load_settings())) if self.from_settings else self
