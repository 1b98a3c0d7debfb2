"""Refused at submit, with a message naming the field, exit status 2 and nothing written: what used to crash submit
(a NUL in the title on Postgres, deep nesting), what was silently accepted (a repeated key) and what was only found
at render time, failing every variant (an unknown voice or style, a watermark or music the fetch policy refuses or
that is not there, more materials than the target duration can show, text no installed font draws)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from tests.foundation.test_cli_submit import row_count
from tests.operations.cli_process import run_cli
from video_assets.cli import main

VALID = {"title": "标题", "markdown": "# 标题\n\n正文。", "materials": [{"uri": "https://cdn.example.com/a.jpg"}]}
TEN_PHOTOS = [{"uri": f"https://cdn.example.com/{index}.jpg"} for index in range(10)]
TEN_EMBEDDED = "".join(f"第{index}张。![](https://cdn.example.com/{index}.jpg)\n\n" for index in range(10))


def fields(**values: object) -> str:
    return json.dumps({**VALID, **values}, ensure_ascii=False)


REFUSED: dict[str, tuple[str, str]] = {
    "nul_in_title": (fields(title="封面\u0000标题"), "title: Value error, contains the control character U+0000"),
    "bell_in_markdown": (fields(markdown="正文\u0007"), "markdown: Value error, contains the control character U+0007"),
    "escape_in_a_nested_field": (fields(subtitle_style={"font": "\u001b[31m"}), "subtitle_style.font"),
    "nul_in_a_material_description": (
        fields(materials=[{"uri": "https://cdn.example.com/a.jpg", "description": "a\u0000"}]),
        "materials.0.description",
    ),
    "c1_control_in_a_style": (fields(script_styles=["de\u0085fault"]), "script_styles"),
    "deep_nesting": ('{"title": "t", "markdown": "m", "tags": ' + "[" * 50_000 + "]" * 50_000 + "}", "nested"),
    "repeated_key": ('{"title": "a", "markdown": "m", "title": "b"}', "title: given more than once"),
    "huge_number": ('{"title": "t", "markdown": "m", "video_count": ' + "9" * 5000 + "}", "not valid JSON"),
    "nan": ('{"title": "t", "markdown": "m", "target_duration": NaN}', "not valid JSON"),
    "unknown_voice": (fields(voice="no-such-voice"), "voice: espeak-ng has no voice 'no-such-voice'"),
    "unknown_style": (fields(script_styles=["default", "vlog"]), "script_styles: unknown style 'vlog'"),
    "private_watermark": (fields(watermark={"image_uri": "http://10.0.0.1/logo.png"}), "watermark.image_uri: refused"),
    "metadata_service_bgm": (fields(bgm={"uri": "http://169.254.169.254/latest/meta-data/"}), "bgm.uri: refused"),
    "bgm_outside_local_roots": (fields(bgm={"uri": "/etc/passwd"}), "bgm.uri: local path /etc/passwd is outside"),
    "s3_watermark_from_no_source": (fields(watermark={"image_uri": "s3://other/logo.png"}), "watermark.image_uri"),
    # 8 of 10 materials must be shown for at least 1.5 s each: more than a 5 s video (at most 5.75 s) holds.
    "too_short_for_its_materials": (
        fields(target_duration=5, video_count=1, materials=TEN_PHOTOS),
        "target_duration: a 5s video cannot show 8 materials",
    ),
    "too_short_for_the_media_its_markdown_embeds": (
        fields(target_duration=5, video_count=1, materials=[], markdown=TEN_EMBEDDED),
        "target_duration: a 5s video cannot show 8 materials",
    ),
    "no_material_at_all": (fields(materials=[]), "materials: none given and the Markdown embeds no image or video"),
    # Relative paths mean "next to the request file", the test's folder, which is the local root; nothing is there.
    "missing_local_watermark_image": (
        fields(watermark={"image_uri": "logo.png"}),
        "watermark.image_uri: local file not found: ",
    ),
    "missing_local_music": (fields(bgm={"uri": "music/theme.mp3"}), "bgm.uri: local file not found: "),
    "local_watermark_that_is_a_folder": (fields(watermark={"image_uri": "."}), "watermark.image_uri: not a file: "),
    "watermark_no_font_draws": (
        fields(watermark={"text": "品牌 🫠"}),
        "watermark.text: no installed font draws U+1FAE0",
    ),
    "watermark_needing_two_fonts": (
        fields(watermark={"text": "品牌 שלום"}),
        "watermark.text: it is drawn with one font and no installed font draws all of it",
    ),
    "article_the_subtitles_cannot_draw": (
        fields(markdown="# 标题\n\n泰语的你好是 สวัสดี。"),
        "markdown: no installed font draws U+0E2A (ส)",
    ),
    "title_the_subtitles_cannot_draw": (fields(title="融化 🫠"), "title: no installed font draws U+1FAE0 (🫠)"),
}


@pytest.fixture
def cli_settings(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """The embedded settings on a test database, with the test's folder as the one local root."""
    for name, value in {"DATABASE_URL": database_url, "HOME": tmp_path / "home", "LOCAL_ROOTS": tmp_path}.items():
        monkeypatch.setenv(f"VIDEO_ASSETS_{name}", str(value))
    return database_url


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_at_submit_with_the_field_named_and_nothing_written(
    case: str, cli_settings: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, message = REFUSED[case]
    path = tmp_path / "request.json"
    path.write_text(text, encoding="utf-8")

    assert main(["submit", str(path)]) == 2

    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err, captured.err
    assert row_count(cli_settings) == 0


def test_a_nul_in_the_title_is_refused_by_the_real_cli_on_postgres_without_a_traceback(
    postgres_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "request.json"
    path.write_text(fields(title="a\u0000b"), encoding="utf-8")
    env = {"VIDEO_ASSETS_HOME": str(tmp_path / "home"), "VIDEO_ASSETS_DATABASE_URL": postgres_url, "PATH": "/usr/bin"}

    result = run_cli(env, "submit", str(path))

    assert (result.returncode, result.stdout) == (2, "")
    assert "title: Value error, contains the control character U+0000 at position 1" in result.stderr
    assert "Traceback" not in result.stderr
    assert row_count(postgres_url) == 0


def test_a_request_the_deployment_can_serve_is_still_accepted(
    cli_settings: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGBA", (64, 32), (200, 30, 30, 160)).save(logo)
    path = tmp_path / "request.json"
    path.write_text(
        fields(voice="cmn-latn-pinyin", script_styles=["product_geek"], watermark={"image_uri": str(logo)}),
        encoding="utf-8",
    )
    assert main(["submit", str(path)]) == 0, capsys.readouterr().err
    assert row_count(cli_settings) == 1


def test_text_the_video_can_draw_is_accepted_with_its_invisible_marks(
    cli_settings: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Hebrew and emoji have a font in the chain; a zero-width joiner and a direction mark are dropped when drawn."""
    path = tmp_path / "request.json"
    markdown = "# 标题\n\n正文 😀，שלום עולם。"
    path.write_text(fields(markdown=markdown, watermark={"text": "\u200fשלום\u200d 😀"}), encoding="utf-8")

    assert main(["submit", str(path)]) == 0, capsys.readouterr().err
    assert row_count(cli_settings) == 1


def test_a_request_too_short_for_its_materials_with_a_missing_watermark_is_refused_by_the_real_cli(
    postgres_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "request.json"
    path.write_text(
        fields(target_duration=5, video_count=1, materials=TEN_PHOTOS, watermark={"image_uri": "logo.png"}),
        encoding="utf-8",
    )
    env = {
        "VIDEO_ASSETS_HOME": str(tmp_path / "home"),
        "VIDEO_ASSETS_DATABASE_URL": postgres_url,
        "VIDEO_ASSETS_LOCAL_ROOTS": str(tmp_path),
        "PATH": "/usr/bin",
    }

    result = run_cli(env, "submit", str(path))

    assert (result.returncode, result.stdout) == (2, ""), result.stderr
    assert f"watermark.image_uri: local file not found: {tmp_path / 'logo.png'}" in result.stderr
    assert "target_duration: a 5s video cannot show 8 materials" in result.stderr
    assert "LLM" not in result.stderr and "Traceback" not in result.stderr
    assert row_count(postgres_url) == 0


def test_the_demo_request_is_still_accepted_by_the_real_cli(postgres_url: str, tmp_path: Path) -> None:
    env = {"VIDEO_ASSETS_HOME": str(tmp_path / "home"), "VIDEO_ASSETS_DATABASE_URL": postgres_url, "PATH": "/usr/bin"}

    result = run_cli(env, "submit", str(Path(__file__).parents[2] / "examples" / "request.json"))

    assert result.returncode == 0, result.stderr
    assert row_count(postgres_url) == 1
