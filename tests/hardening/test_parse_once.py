"""The article is parsed once per request: media_items stores the parse, and the later stages read what it stored.

To show they do not parse the Markdown again, the stored parse is replaced between media_items and the later stages
by the parse of another article: the scripts then narrate the other article, never the one in the request."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from sqlalchemy import select

from tests.media_samples import photo
from tests.pipeline.helpers import materialize, pipeline_resources, submit
from video_assets.assets.media_analyses import media_analyses
from video_assets.assets.media_items import media_items
from video_assets.assets.video_scripts import video_scripts
from video_assets.db.engine import session_scope
from video_assets.db.models import VideoScript
from video_assets.media import Article, parse_article
from video_assets.stages.article import article_key
from video_assets.storage import LocalObjectStore

REQUESTED = "# 咖啡\n\n清晨的咖啡很香。![杯子](cup.jpg)\n\n咖啡豆来自云南的山坡。\n\n烘焙决定了咖啡的风味。"
STORED = "# 火箭\n\n火箭在发射台上等待点火。\n\n倒计时结束后发动机喷出火焰。\n\n飞船八分钟后进入轨道。"


def test_later_stages_read_the_stored_parse_instead_of_parsing_the_markdown_again(
    postgres_url: str, tmp_path: Path
) -> None:
    materials = tmp_path / "materials"
    photo("coffee", materials / "cup.jpg", size=(320, 240))
    request_id = submit(
        postgres_url,
        title="咖啡",
        markdown=REQUESTED.replace("cup.jpg", str(materials / "cup.jpg")),
        video_count=1,
        target_duration=12,
    )
    resources = pipeline_resources(postgres_url, None, "", tmp_path, [materials])
    store = LocalObjectStore(tmp_path / "objects")

    with dg.DagsterInstance.ephemeral() as instance:
        assert materialize([media_items], request_id, instance, resources).success
        stored = Article.model_validate_json(store.get_bytes(article_key(request_id)))
        assert "清晨的咖啡很香。" in stored.text and [m.description for m in stored.media] == ["杯子"]
        store.put_bytes(article_key(request_id), parse_article(STORED).model_dump_json().encode())
        assert materialize([media_analyses, video_scripts], request_id, instance, resources).success

    with session_scope(postgres_url) as session:
        script = session.scalars(select(VideoScript).filter_by(request_id=request_id)).one()
    narration = " ".join(scene["narration"] for scene in script.scenes)
    assert "火箭在发射台上等待点火" in narration
    assert not any(sentence in narration for sentence in ("清晨的咖啡", "云南的山坡", "烘焙决定"))
