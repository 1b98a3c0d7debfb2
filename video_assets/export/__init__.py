"""Editable exports of a rendered video: a Jianying draft and an editor's package, from the render's own timeline."""

from video_assets.export.package import EXPORT_KINDS, export_variant

__all__ = ["EXPORT_KINDS", "export_variant"]
