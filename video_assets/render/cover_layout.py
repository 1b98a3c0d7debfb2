"""Where a cover's title band goes: inside the platform's safe area, over the least salient part of the picture,
and away from the top of the subject above all.

The subject is found with spectral residual saliency (Hou and Zhang, CVPR 2007): a picture's log amplitude
spectrum minus its local average leaves what is unexpected in it, and transformed back that is where the eye goes,
a face or a product included. It needs no model file (the OpenCV wheel here ships neither the saliency module nor
the Haar cascades) and costs a millisecond on a 64-pixel thumbnail.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from video_assets.platforms import SafeArea

SALIENCY_SIDE = 64  # the scale the method was designed at: coarse enough that texture does not count as a subject
SALIENCY_BLUR_SIGMA = 2.5
BORDER = 3  # thumbnail pixels  # in thumbnail pixels: spreads the map over the subject's whole area
PREFERRED_TOP = 0.22  # the upper part of a cover is read first; it wins when the picture is evenly busy
PLACEMENT_PENALTY = 0.15
HEAD_WEIGHT = 3.0  # cost of moving the band the whole frame away from the preferred place, in saliency share


def saliency_rows(image: Image.Image) -> np.ndarray:
    """Share of the picture's saliency in each of its pixel rows (sums to 1)."""
    gray = np.asarray(image.convert("L").resize((SALIENCY_SIDE, SALIENCY_SIDE), Image.Resampling.BILINEAR))
    spectrum = np.fft.fft2(gray.astype(np.float32))
    log_amplitude = np.log(np.abs(spectrum) + 1e-6).astype(np.float32)
    residual = log_amplitude - cv2.blur(log_amplitude, (3, 3))
    saliency = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    saliency = cv2.GaussianBlur(saliency.astype(np.float32), (0, 0), SALIENCY_BLUR_SIGMA)
    # The transform treats the picture as periodic, so its edges look like sharp (salient) seams: ignore them.
    saliency[:BORDER, :] = saliency[-BORDER:, :] = saliency[:, :BORDER] = saliency[:, -BORDER:] = 0.0
    profile = saliency.sum(axis=1)
    rows = np.interp(np.linspace(0, SALIENCY_SIDE - 1, image.height), np.arange(SALIENCY_SIDE), profile)
    total = rows.sum()
    return rows / total if total > 0 else np.full(image.height, 1.0 / image.height)


def subject_weighted(rows: np.ndarray) -> np.ndarray:
    """Row saliency with the top of the subject counting more: a person or a thing is recognised by its top (a
    face, a product's front), and a band across it hides what the picture is of. The subject spans the rows
    between the 10th and 90th percentile of saliency; its top third weighs HEAD_WEIGHT times more."""
    cumulative = np.cumsum(rows)
    first, last = np.searchsorted(cumulative, [0.1, 0.9])
    head_end = first + max(1, (last - first) // 3)
    weighted = rows.copy()
    weighted[first:head_end] *= HEAD_WEIGHT
    return weighted / weighted.sum()


def title_band_top(image: Image.Image, band_height: int, safe: SafeArea) -> int:
    """The top row of a band `band_height` tall, inside the safe area, covering the least of the subject."""
    _, top, _, bottom = safe.pixels(image.size)
    last = bottom - band_height
    if last <= top:
        return top
    cumulative = np.concatenate(([0.0], np.cumsum(subject_weighted(saliency_rows(image)))))
    preferred = max(top, round(image.height * PREFERRED_TOP))
    starts = np.arange(top, last + 1)
    covered = cumulative[starts + band_height] - cumulative[starts]
    cost = covered + PLACEMENT_PENALTY * np.abs(starts - preferred) / image.height
    return int(starts[int(np.argmin(cost))])
