"""The one error the renderer raises: bad input or a failed ffmpeg run, with a readable reason."""


class RenderError(RuntimeError):
    """Rendering failed; the message says why (for ffmpeg failures it ends with ffmpeg's stderr tail)."""
