"""Images: refuse decompression bombs before decoding, apply EXIF orientation, flatten alpha, cap the size."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps

from video_assets.media.errors import MaterialRejected
from video_assets.media.probe import open_image

RGB = tuple[int, int, int]
JPEG_QUALITY = 90


def check_pixel_limit(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise MaterialRejected(
            f"image is {width}x{height} ({width * height / 1e6:.1f} megapixels), over the "
            f"{max_pixels / 1e6:g} megapixel limit (refused as a possible decompression bomb)"
        )


def normalise_image(source: Path, dest: Path, max_pixels: int, long_side: int, background: RGB) -> Path:
    """Write `source` as an upright RGB JPEG at `dest` whose longer side is at most `long_side`."""
    with open_image(source) as image:
        try:
            # Only the header has been read so far; the size check must come before any pixel is decoded.
            check_pixel_limit(image.width, image.height, max_pixels)
            if image.format == "JPEG":
                # Lets libjpeg decode at 1/2, 1/4 or 1/8 scale straight away when the photo is far larger than needed.
                image.draft("RGB", (long_side, long_side))
            image.load()
            upright = ImageOps.exif_transpose(image)
            flat = _flatten(upright, background)
        except (OSError, SyntaxError, ValueError) as error:
            raise MaterialRejected(f"image cannot be decoded (truncated or corrupt?): {error}") from error
    flat.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    flat.save(dest, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return dest


def make_thumbnail(source: Path, dest: Path, width: int) -> Path:
    with Image.open(source) as image:
        rgb = image.convert("RGB")
    height = max(1, round(rgb.height * width / rgb.width))
    rgb.resize((width, height), Image.Resampling.LANCZOS).save(dest, "JPEG", quality=85)
    return dest


def _flatten(image: Image.Image, background: RGB) -> Image.Image:
    """Composite any transparency onto a solid background: JPEG has no alpha and video frames neither."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale would clip to white in a plain convert("RGB").
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (image.mode == "P" and "transparency" in image.info)
    if not has_alpha:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    canvas = Image.new("RGB", rgba.size, background)
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas
