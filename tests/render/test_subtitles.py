from pathlib import Path

from video_assets.render.subtitles import build_cues, escape_ass_text, write_ass, write_srt
from video_assets.request_schema import SubtitleStyle
from video_assets.tts.base import WordTiming
from video_assets.tts.timing import estimate_timings


def test_ass_escaping_neutralises_override_blocks_and_backslash_codes() -> None:
    escaped = escape_ass_text("a{\\b1}c\\Nd\nnext")
    assert "{\\b1}" not in escaped
    assert "\\{" in escaped and "\\}" in escaped
    assert "\\N" not in escaped.replace("\\\u2060N", "")
    assert "\n" not in escaped


def test_karaoke_ass_has_one_k_tag_per_word_and_escaped_user_text(tmp_path: Path) -> None:
    words = estimate_timings("你好{\\pos(1,1)}，世界。", 1.0, 3.0)
    cues = build_cues(words, scene_end=4.0, max_em=20)
    ass = write_ass(cues, SubtitleStyle(), (720, 1280), tmp_path / "s.ass").read_text(encoding="utf-8")
    dialogue = [line for line in ass.splitlines() if line.startswith("Dialogue:")]
    assert len(dialogue) == 1
    assert dialogue[0].count("{\\k") == len(words) and "\\kf" not in dialogue[0]
    assert "{\\pos(1,1)}" not in dialogue[0]
    assert "PlayResX: 720" in ass and "WrapStyle: 2" in ass


def test_long_chinese_narration_becomes_cues_of_at_most_two_lines() -> None:
    text = "这是一段很长的旁白文字，用来测试字幕的自动换行功能，每一行都不能超过画面的安全宽度，否则会被裁掉。"
    cues = build_cues(estimate_timings(text, 0.0, 10.0), scene_end=10.5, max_em=10)
    assert len(cues) > 1
    assert all(1 <= len(cue.lines) <= 2 for cue in cues)
    assert "".join("".join(cue.text_lines) for cue in cues) == text
    assert all(earlier.end <= later.start for earlier, later in zip(cues, cues[1:], strict=False))


def test_srt_sidecar_has_numbered_blocks_with_millisecond_times(tmp_path: Path) -> None:
    cues = build_cues([WordTiming("Hello", 0.5, 1.0), WordTiming("world.", 1.0, 1.6, space_before=True)], 3.0, 30)
    srt = write_srt(cues, tmp_path / "s.srt").read_text(encoding="utf-8")
    assert srt.startswith("1\n00:00:00,500 --> 00:00:02,000\nHello world.")


def test_subtitle_font_size_scales_with_canvas_width(tmp_path: Path) -> None:
    cues = build_cues(estimate_timings("测试。", 0.0, 1.0), 2.0, 10)
    small = write_ass(cues, SubtitleStyle(size=60), (540, 960), tmp_path / "a.ass").read_text(encoding="utf-8")
    assert "Style: Default,Noto Sans CJK SC,30," in small


def test_drop_shadow_is_off_by_default_and_sized_to_the_outline_when_asked_for(tmp_path: Path) -> None:
    cues = build_cues(estimate_timings("测试。", 0.0, 1.0), 2.0, 10)

    def outline_and_shadow(style: SubtitleStyle) -> tuple[int, int]:
        ass = write_ass(cues, style, (1080, 1920), tmp_path / "s.ass").read_text(encoding="utf-8")
        fields = next(line for line in ass.splitlines() if line.startswith("Style:")).split(",")
        return int(fields[16]), int(fields[17])

    assert outline_and_shadow(SubtitleStyle()) == (4, 0)
    assert outline_and_shadow(SubtitleStyle(shadow=True)) == (4, 2)
