"""Still pictures made once with Pillow: image scenes on their canvas, the watermark logo and the cover."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

from video_assets.platforms import SafeArea
from video_assets.render.cover_layout import title_band_top
from video_assets.render.errors import RenderError
from video_assets.render.fit import background_size, plan_fit
from video_assets.render.fonts import find_font
from video_assets.render.text_layout import max_em_per_line, wrap_text

BLUR_RADIUS = 6
BACKGROUND_DIM = 0.8
TITLE_SIZE_RATIO = 0.075
TITLE_MAX_LINES = 4


def load_rgb(path: Path, max_side: int | None = None) -> Image.Image:
    """Decode with EXIF orientation applied and alpha flattened (ffmpeg ignores JPEG EXIF orientation)."""
    try:
        with Image.open(path) as image:
            if max_side is not None:
                image.draft("RGB", (max_side, max_side))  # JPEG decodes at a reduced scale: much faster for big photos
            image = ImageOps.exif_transpose(image)
            if image.mode in ("RGBA", "LA", "P"):
                rgba = image.convert("RGBA")
                flat = Image.new("RGB", rgba.size, (0, 0, 0))
                flat.paste(rgba, mask=rgba.getchannel("A"))
                return flat
            return image.convert("RGB")
    except (OSError, Image.DecompressionBombError) as exc:
        raise RenderError(f"cannot read image {path.name}: {exc}") from exc


def fit_picture(image: Image.Image, canvas: tuple[int, int]) -> Image.Image:
    """The same fit the video path uses: cover-crop, or contain over a blurred, dimmed copy of itself."""
    fit = plan_fit(image.width, image.height, canvas)
    if fit.mode == "cover":
        scaled = image.resize(fit.scaled, Image.Resampling.LANCZOS)
        x, y = fit.offset
        return scaled.crop((x, y, x + canvas[0], y + canvas[1]))
    tiny = background_size(canvas)
    background = ImageOps.fit(image, tiny, Image.Resampling.BILINEAR).filter(ImageFilter.BoxBlur(BLUR_RADIUS))
    background = background.point(lambda value: int(value * BACKGROUND_DIM)).resize(canvas, Image.Resampling.BILINEAR)
    background.paste(image.resize(fit.scaled, Image.Resampling.LANCZOS), fit.offset)
    return background


def composite_scene_image(source: Path, canvas: tuple[int, int], out_path: Path) -> Path:
    """Write the fitted picture uncompressed (BMP): ffmpeg reads it once, moments later, from the run's temp dir."""
    image = load_rgb(source, max_side=max(canvas) * 2)
    fit_picture(image, canvas).save(out_path, format="BMP")
    return out_path


def prepare_logo(
    source: Path, canvas_width: int, scale: float, opacity: float, out_path: Path
) -> tuple[Path, int, int]:
    """Resize the logo to `scale` of the video width and bake the opacity into its alpha once."""
    try:
        with Image.open(source) as opened:
            logo = ImageOps.exif_transpose(opened).convert("RGBA")
    except (OSError, Image.DecompressionBombError) as exc:
        raise RenderError(f"cannot read watermark image {source.name}: {exc}") from exc
    width = max(2, round(canvas_width * scale))
    height = max(2, round(logo.height * width / logo.width))
    logo = logo.resize((width, height), Image.Resampling.LANCZOS)
    logo.putalpha(logo.getchannel("A").point(lambda alpha: int(alpha * opacity)))
    logo.save(out_path)
    return out_path, width, height


def draw_cover(frame: Image.Image, title: str, out_path: Path, safe: SafeArea | None = None) -> Path:
    """Cover = the scene's frame with the title on a dark band: inside the safe area of the platform the cover is
    for (the text is centred between its side edges), at the height that hides the least of the subject."""
    cover = frame.convert("RGB")
    if title.strip():
        safe = safe or SafeArea()
        width, height = cover.size
        left, _, right, _ = safe.pixels(cover.size)
        # Sized by the short side, so a landscape cover (bilibili) is not covered by its title.
        font_size = max(round(min(width, height) * TITLE_SIZE_RATIO), 12)
        face = find_font()
        font = ImageFont.truetype(str(face.path), font_size, index=face.index)
        lines = wrap_text(" ".join(title.split()), max_em_per_line((right - left) * 0.9, font_size))[:TITLE_MAX_LINES]
        line_height = round(font_size * 1.3)
        band_height = line_height * (len(lines) + 1)
        band_top = title_band_top(cover, band_height, safe)
        band = Image.new("RGBA", cover.size, (0, 0, 0, 0))
        ImageDraw.Draw(band).rectangle((0, band_top, width, band_top + band_height), fill=(0, 0, 0, 150))
        cover = Image.alpha_composite(cover.convert("RGBA"), band).convert("RGB")
        draw = ImageDraw.Draw(cover)
        for number, line in enumerate(lines):
            draw.text(
                ((left + right) / 2, band_top + line_height // 2 + number * line_height),
                line,
                font=font,
                fill=(255, 255, 255),
                anchor="ma",
                stroke_width=max(font_size // 16, 1),
                stroke_fill=(0, 0, 0),
            )
    cover.save(out_path, quality=90)
    return out_path
