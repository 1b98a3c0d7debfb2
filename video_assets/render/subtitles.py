"""ASS karaoke subtitles (with our own CJK line breaks) and a plain SRT sidecar, from TTS word timings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from video_assets.platforms import SafeArea
from video_assets.render.text_layout import break_lines, line_text, max_em_per_line
from video_assets.request_schema import SubtitleStyle
from video_assets.tts.base import WordTiming
from video_assets.tts.words import SENTENCE_END

MAX_LINES_PER_CUE = 2
HOLD_AFTER_LAST_WORD = 0.4
SIDE_MARGIN = 0.06
# Short-video apps cover the bottom (captions, buttons) and top (status bar) of a portrait frame.
VERTICAL_MARGIN = {"portrait": (0.11, 0.17), "landscape": (0.06, 0.07), "square": (0.07, 0.08)}
ALIGNMENT = {"bottom": 2, "middle": 5, "top": 8}
LINE_WIDTH_SAFETY = 0.95
BT709, BT601 = (0.2126, 0.0722), (0.299, 0.114)  # (Kr, Kb) luma coefficients


@dataclass(frozen=True)
class SubtitleCue:
    start: float
    end: float
    lines: list[list[WordTiming]]

    @property
    def text_lines(self) -> list[str]:
        return [_plain_line(line) for line in self.lines]


@dataclass(frozen=True)
class SubtitleLayout:
    font_size: int
    margin_l: int
    margin_r: int
    margin_v: int
    max_em: float


def layout_for(style: SubtitleStyle, canvas: tuple[int, int], safe: SafeArea | None = None) -> SubtitleLayout:
    """Font size and margins; with `safe` (the target platforms' safe area) the margins keep every line clear of
    the platforms' own buttons and captions: a right-hand button column narrows the lines from the right."""
    safe = safe or SafeArea()
    width, height = canvas
    font_size = max(round(style.size * width / 1080), 8)
    shape = "portrait" if height > width * 1.1 else "landscape" if width > height * 1.1 else "square"
    top, bottom = VERTICAL_MARGIN[shape]
    top, bottom = max(top, safe.top), max(bottom, safe.bottom)
    margin_v = round(height * (top if style.position == "top" else bottom if style.position == "bottom" else 0))
    margin_l, margin_r = (round(width * max(SIDE_MARGIN, side)) for side in (safe.left, safe.right))
    usable = (width - margin_l - margin_r) * LINE_WIDTH_SAFETY
    return SubtitleLayout(font_size, margin_l, margin_r, margin_v, max_em_per_line(usable, font_size))


def build_cues(words: list[WordTiming], scene_end: float, max_em: float) -> list[SubtitleCue]:
    """Cues of at most two lines, a new cue at each sentence end; timings must already be on the video timeline."""
    groups: list[list[WordTiming]] = []
    for sentence in _sentences(words):
        tokens = [(word.token, word.space_before) for word in sentence]
        lines = [[sentence[index] for index in line] for line in break_lines(tokens, max_em)]
        groups += [lines[i : i + MAX_LINES_PER_CUE] for i in range(0, len(lines), MAX_LINES_PER_CUE)]
    cues: list[SubtitleCue] = []
    for index, lines in enumerate(groups):
        next_start = groups[index + 1][0][0].start if index + 1 < len(groups) else scene_end
        end = min(lines[-1][-1].end + HOLD_AFTER_LAST_WORD, next_start, scene_end)
        cues.append(SubtitleCue(start=lines[0][0].start, end=max(end, lines[-1][-1].end), lines=lines))
    return cues


def _sentences(words: list[WordTiming]) -> list[list[WordTiming]]:
    sentences: list[list[WordTiming]] = [[]]
    for word in words:
        sentences[-1].append(word)
        if word.token.rstrip("”’》）)」』】]\"'")[-1:] in SENTENCE_END:
            sentences.append([])
    return [sentence for sentence in sentences if sentence]


def escape_ass_text(text: str) -> str:
    """Make user text literal in an ASS Dialogue line (libass 0.17 reads `\\{` and `\\}` as literal braces).

    A backslash is followed by a word joiner so that `\\N`, `\\h` or `\\{` typed by a user stay as typed.
    """
    flat = " ".join(text.splitlines())
    return flat.replace("\\", "\\\u2060").replace("{", "\\{").replace("}", "\\}")


def ass_color(hex_color: str, alpha: int = 0, for_burn_in: bool = False) -> str:
    red, green, blue = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    if for_burn_in:
        red, green, blue = bt601_equivalent(red, green, blue)
    return f"&H{alpha:02X}{blue:02X}{green:02X}{red:02X}"


def bt601_equivalent(red: int, green: int, blue: int) -> tuple[int, int, int]:
    """The colour that ffmpeg 5.1's `ass` filter, which always converts with BT.601, turns into the YCbCr that
    BT.709 gives the wanted colour: so a burnt-in subtitle decodes to the colour the style asked for."""
    (kr, kb), (kr6, kb6) = BT709, BT601
    luma = kr * red + (1 - kr - kb) * green + kb * blue
    cb, cr = (blue - luma) / (2 * (1 - kb)), (red - luma) / (2 * (1 - kr))
    red6, blue6 = luma + 2 * (1 - kr6) * cr, luma + 2 * (1 - kb6) * cb
    green6 = (luma - kr6 * red6 - kb6 * blue6) / (1 - kr6 - kb6)
    return tuple(min(max(round(value), 0), 255) for value in (red6, green6, blue6))  # type: ignore[return-value]


def ass_time(seconds: float) -> str:
    centis = max(round(seconds * 100), 0)
    return f"{centis // 360000}:{centis // 6000 % 60:02d}:{centis // 100 % 60:02d}.{centis % 100:02d}"


def srt_time(seconds: float) -> str:
    millis = max(round(seconds * 1000), 0)
    return f"{millis // 3600000:02d}:{millis // 60000 % 60:02d}:{millis // 1000 % 60:02d},{millis % 1000:03d}"


def write_ass(
    cues: list[SubtitleCue],
    style: SubtitleStyle,
    canvas: tuple[int, int],
    path: Path,
    for_burn_in: bool = False,
    safe: SafeArea | None = None,
) -> Path:
    """The sidecar keeps the style's colours for players (`YCbCr Matrix: TV.709` tells them not to alter them);
    `for_burn_in` writes the colours our ffmpeg's `ass` filter needs to draw the same colours into the video."""
    layout = layout_for(style, canvas, safe)
    font = "".join(ch for ch in style.font if ch not in ",\r\n") or "Noto Sans CJK SC"
    outline = max(round(layout.font_size * 0.07), 2)
    shadow = max(outline // 2, 1) if style.shadow else 0
    # Karaoke turns a word from SecondaryColour to PrimaryColour, so the highlight is the primary colour of the style.
    primary, secondary = (style.highlight_color, style.primary_color) if style.karaoke else (style.primary_color,) * 2

    def colour(hex_color: str, alpha: int = 0) -> str:
        return ass_color(hex_color, alpha, for_burn_in)

    header = [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {canvas[0]}",
        f"PlayResY: {canvas[1]}",
        "WrapStyle: 2",
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: TV.709",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, "
        "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, "
        "MarginR, MarginV, Encoding",
        f"Style: Default,{font},{layout.font_size},{colour(primary)},{colour(secondary)},"
        f"{colour(style.outline_color)},{colour(style.outline_color, 0x80)},-1,0,0,0,100,100,0,0,1,{outline},"
        f"{shadow},{ALIGNMENT[style.position]},{layout.margin_l},{layout.margin_r},{layout.margin_v},1",
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    events = [
        f"Dialogue: 0,{ass_time(cue.start)},{ass_time(cue.end)},Default,,0,0,0,,{_ass_cue_text(cue, style.karaoke)}"
        for cue in cues
    ]
    path.write_text("\n".join(header + events) + "\n", encoding="utf-8")
    return path


def _ass_cue_text(cue: SubtitleCue, karaoke: bool) -> str:
    if not karaoke:
        return "\\N".join(escape_ass_text(line) for line in cue.text_lines)
    words = [word for line in cue.lines for word in line]
    # Centisecond positions are rounded on the cue's clock, not per word, so rounding never accumulates into drift.
    marks = [round((word.start - cue.start) * 100) for word in words] + [round((words[-1].end - cue.start) * 100)]
    parts = [f"{{\\k{marks[0]}}}"] if marks[0] > 0 else []
    position = 0
    for line_index, line in enumerate(cue.lines):
        if line_index:
            parts.append("\\N")
        for column, word in enumerate(line):
            text = (" " if word.space_before and column else "") + word.token
            # \k, not \kf: a word lights up whole when it is spoken, instead of a sweep crossing its characters.
            parts.append(f"{{\\k{max(marks[position + 1] - marks[position], 0)}}}{escape_ass_text(text)}")
            position += 1
    return "".join(parts)


def _plain_line(line: list[WordTiming]) -> str:
    return line_text([(word.token, word.space_before) for word in line], list(range(len(line))))


def write_srt(cues: list[SubtitleCue], path: Path) -> Path:
    blocks = [
        f"{number}\n{srt_time(cue.start)} --> {srt_time(cue.end)}\n"
        + "\n".join(" ".join(text.splitlines()) for text in cue.text_lines)
        for number, cue in enumerate(cues, start=1)
    ]
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return path
