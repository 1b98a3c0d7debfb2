from __future__ import annotations

from video_assets.media import GatheredMaterials, MaterialSource, gather_materials, parse_article
from video_assets.request_schema import MAX_MATERIALS, Material

ARTICLE = """# Launch day

Our new **robot arm** ships today. It assembles a phone in ninety seconds and never takes a coffee break.

![The arm at work](https://cdn.example.com/arm.jpg "Arm title")

Below, the factory floor in motion:

<video controls><source src="https://cdn.example.com/floor.mp4" type="video/mp4"></video>

A close-up of the gripper <img data-src="https://mmbiz.qpic.cn/gripper.png" src="data:image/gif;base64,R" alt="Gripper">
picking up a screw.

```markdown
![not a material](https://cdn.example.com/in-code.jpg)
```

The demo reel is in teaser.mp4, shot by our own team.

<video src="https://cdn.example.com/short.webm"></video>
"""


def gather(materials: list[Material], markdown: str) -> GatheredMaterials:
    return gather_materials(materials, parse_article(markdown))


def by_uri(sources: list[MaterialSource]) -> dict[str, MaterialSource]:
    return {source.uri: source for source in sources}


def test_markdown_images_and_videos_are_found_in_document_order() -> None:
    accepted, rejected = gather([], ARTICLE)
    assert [source.uri for source in accepted] == [
        "https://cdn.example.com/arm.jpg",
        "https://cdn.example.com/floor.mp4",
        "https://mmbiz.qpic.cn/gripper.png",
        "https://cdn.example.com/short.webm",
    ]
    assert {source.origin for source in accepted} == {"markdown"}
    assert rejected == []


def test_image_on_its_own_line_takes_the_neighbouring_paragraphs_as_context() -> None:
    arm = by_uri(gather([], ARTICLE).accepted)["https://cdn.example.com/arm.jpg"]
    assert arm.description == "The arm at work"
    assert "robot arm ships today" in arm.context
    assert "factory floor in motion" in arm.context
    assert "**" not in arm.context and "![" not in arm.context and "<" not in arm.context


def test_inline_image_context_is_its_own_paragraph_and_lazy_loaded_src_wins() -> None:
    gripper = by_uri(gather([], ARTICLE).accepted)["https://mmbiz.qpic.cn/gripper.png"]
    assert gripper.description == "Gripper"
    assert "A close-up of the gripper" in gripper.context
    assert "picking up a screw" in gripper.context


def test_images_inside_code_blocks_are_not_materials() -> None:
    uris = [source.uri for source in gather([], ARTICLE).accepted]
    assert "https://cdn.example.com/in-code.jpg" not in uris


def test_request_material_gets_the_paragraph_that_mentions_its_file_name() -> None:
    teaser = Material(uri="s3://bucket/uploads/teaser.mp4")
    accepted, _ = gather([teaser], ARTICLE)
    assert accepted[0] == MaterialSource(
        uri="s3://bucket/uploads/teaser.mp4",
        description=None,
        context=accepted[0].context,
        origin="request",
    )
    assert "The demo reel is in teaser.mp4" in accepted[0].context


def test_request_material_not_mentioned_falls_back_to_description_then_empty() -> None:
    described = Material(uri="https://cdn.example.com/other.jpg", description="A skyline at dusk")
    bare = Material(uri="https://cdn.example.com/unmentioned-9.jpg")
    accepted, _ = gather([described, bare], "Nothing about them here.")
    assert [source.context for source in accepted] == ["A skyline at dusk", ""]


def test_duplicates_keep_the_first_occurrence_and_order() -> None:
    material = Material(uri="https://cdn.example.com/floor.mp4")
    accepted, _ = gather([material], ARTICLE)
    uris = [source.uri for source in accepted]
    assert uris.count("https://cdn.example.com/floor.mp4") == 1
    assert uris[0] == "https://cdn.example.com/floor.mp4"
    assert accepted[0].origin == "request"
    assert "factory floor in motion" in accepted[0].context


def test_materials_beyond_the_cap_are_rejected_with_a_reason_not_dropped() -> None:
    materials = [Material(uri=f"https://cdn.example.com/{index}.jpg") for index in range(MAX_MATERIALS - 1)]
    accepted, rejected = gather(materials, ARTICLE)
    assert len(accepted) == MAX_MATERIALS
    assert len(accepted) + len(rejected) == MAX_MATERIALS - 1 + 4
    assert [item.uri for item in rejected] == [
        "https://cdn.example.com/floor.mp4",
        "https://mmbiz.qpic.cn/gripper.png",
        "https://cdn.example.com/short.webm",
    ]
    assert all(f"more than {MAX_MATERIALS} materials" in item.reason for item in rejected)


def test_markdown_material_with_an_unusable_scheme_is_rejected_with_a_reason() -> None:
    accepted, rejected = gather([], "Look: ![x](ftp://files.example.com/a.jpg) and ![y](/abs/b.png)")
    assert [source.uri for source in accepted] == ["/abs/b.png"]
    assert rejected[0].uri == "ftp://files.example.com/a.jpg"
    assert "unsupported scheme" in rejected[0].reason


def test_context_is_capped_and_centred_on_the_material() -> None:
    long_before = "before " * 200
    long_after = " after" * 200
    accepted, _ = gather([], f"{long_before}![pic](https://cdn.example.com/p.jpg){long_after}")
    context = accepted[0].context
    assert len(context) <= 500
    assert "before" in context and "after" in context


def test_reference_style_images_are_found() -> None:
    markdown = 'Intro text.\n\n![Logo][logo]\n\n[logo]: https://cdn.example.com/logo.png "Company logo"\n'
    accepted, _ = gather([], markdown)
    assert [(source.uri, source.description) for source in accepted] == [("https://cdn.example.com/logo.png", "Logo")]
