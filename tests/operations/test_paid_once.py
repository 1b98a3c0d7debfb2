"""Paid once (issue 23, item 5): re-running a finished request keeps the scripts whose inputs did not change, and
never renders or submits again a variant that is ready for an unchanged script."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import select

from resources.llm import LlmResource
from tests.llm.fake_openai_server import FakeOpenAIServer, ScriptedResponse, json_reply, message_text
from tests.llm.test_openai_backend import ANALYSIS, SEO, script_payload
from tests.media_samples import photo
from tests.merge.fake_easegen import done, failed
from tests.operations import test_external_merge as merge_rig
from tests.operations.test_external_merge import MergeRig
from tests.pipeline.helpers import materialize, pipeline_resources, submit
from video_assets.assets.media_analyses import media_analyses
from video_assets.assets.media_items import media_items
from video_assets.assets.rendered_videos import rendered_videos
from video_assets.assets.video_scripts import video_scripts
from video_assets.db.engine import session_scope
from video_assets.db.models import RenderedVideo, VideoScript

# The rig's fixtures, shared with the external-merge tests.
materials, easegen, rig_factory = merge_rig.materials, merge_rig.easegen, merge_rig.rig_factory


def scripts(database_url: str, request_id: str) -> dict[int, tuple[object, ...]]:
    with session_scope(database_url) as session:
        rows = session.scalars(select(VideoScript).filter_by(request_id=request_id))
        return {row.variant_index: (row.scenes, row.title, row.updated_at) for row in rows}


def test_a_second_run_of_a_partial_success_request_submits_nothing_that_is_ready(rig_factory) -> None:
    rig: MergeRig = rig_factory(video_count=2)
    rig.easegen.script(done(polls=1), failed(reasons="font missing"))
    rig.serve_vendor_video(0)
    rig.render()
    assert rig.reconcile().success
    assert rig.request().status == "partial_success"
    before, ready_video = scripts(rig.database_url, rig.request_id), rig.videos()[0]

    materialize([video_scripts, rendered_videos], rig.request_id, rig.instance, rig.resources)

    assert scripts(rig.database_url, rig.request_id) == before, "unchanged inputs keep their scripts"
    assert len(rig.easegen.submissions) == 2, "one submission per variant across both runs"
    video = rig.videos()[0]
    assert (video.status, video.updated_at, video.video_key) == ("ready", ready_video.updated_at, ready_video.video_key)


class ChangeableModel:
    """Answers like a model that never writes the same script twice, and counts the scripts it was asked for."""

    def __init__(self) -> None:
        self.scripts_written = 0

    def __call__(self, request: dict[str, Any]) -> ScriptedResponse:
        system = message_text(request, "system")
        if system.startswith("You are a video editor"):
            return json_reply(ANALYSIS)
        if system.startswith("You are a short-video script writer"):
            self.scripts_written += 1
            material = int(re.search(r'"id": (\d+)', message_text(request, "user")).group(1))  # type: ignore[union-attr]
            payload = script_payload(material, material)
            payload["scenes"][0]["narration"] += f"第{self.scripts_written}稿。"
            return json_reply(payload)
        return json_reply(SEO)


@pytest.fixture
def changeable_model() -> Iterator[tuple[FakeOpenAIServer, ChangeableModel]]:
    model = ChangeableModel()
    server = FakeOpenAIServer(model).start()
    yield server, model
    server.stop()


def test_rerunning_a_finished_request_neither_asks_the_llm_again_nor_renders_again(
    sqlite_database_url: str, changeable_model: tuple[FakeOpenAIServer, ChangeableModel], tmp_path: Path
) -> None:
    server, model = changeable_model
    image = photo("astronaut", tmp_path / "materials" / "astronaut.jpg")
    request_id = submit(
        sqlite_database_url, materials=[{"uri": str(image)}], video_count=1, aspect="1:1", target_duration=10
    )
    resources = pipeline_resources(sqlite_database_url, None, "", tmp_path, [image.parent])
    resources["llm"] = LlmResource(backend="openai", base_url=server.base_url, api_key="k", text_model="m", workers=1)
    stages = [media_items, media_analyses, video_scripts, rendered_videos]
    with dg.DagsterInstance.ephemeral() as instance:
        assert materialize(stages, request_id, instance, resources).success
        before = scripts(sqlite_database_url, request_id)
        with session_scope(sqlite_database_url) as session:
            first = session.scalars(select(RenderedVideo).filter_by(request_id=request_id)).one()
            rendered_at, video_key = first.updated_at, first.video_key

        assert materialize([video_scripts, rendered_videos], request_id, instance, resources).success

    assert model.scripts_written == 1, "the re-run kept the script instead of paying for a new one"
    assert scripts(sqlite_database_url, request_id) == before
    with session_scope(sqlite_database_url) as session:
        video = session.scalars(select(RenderedVideo).filter_by(request_id=request_id)).one()
    assert (video.status, video.updated_at, video.video_key) == ("ready", rendered_at, video_key)
