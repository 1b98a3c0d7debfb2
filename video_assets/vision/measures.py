"""Per-frame measurements on downscaled BGR frames."""

from __future__ import annotations

import cv2
import numpy as np

CUT_DISTANCE = 0.45  # Bhattacharyya distance between H-S histograms; hard cuts score ~0.6-1, pans stay < 0.3
KMEANS_PIXELS = 64 * 36
KMEANS_ITERATIONS = 12


def sharpness(frame: np.ndarray) -> float:
    """Variance of the Laplacian: high for crisp edges, low for blur."""
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def brightness(frame: np.ndarray) -> float:
    """Mean HSV value channel, 0..1."""
    return float(cv2.cvtColor(frame, cv2.COLOR_BGR2HSV)[:, :, 2].mean() / 255.0)


def colour_spread(frame: np.ndarray) -> float:
    """The largest per-channel standard deviation in 0..255 levels: about 0 for a flat colour, tens for a picture."""
    return float(frame.reshape(-1, frame.shape[-1]).std(axis=0).max())


def exposure_score(frame_brightness: float) -> float:
    """1 at mid-grey exposure, falling to 0 for all-black or all-white frames."""
    return max(0.0, 1.0 - abs(frame_brightness - 0.5) * 2.0)


def hs_histogram(frame: np.ndarray) -> np.ndarray:
    hsv = cv2.cvtColor(frame, cv2.COLOR_BGR2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, [30, 32], [0, 180, 0, 256])
    return cv2.normalize(hist, hist).flatten()


def histogram_distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(cv2.compareHist(a, b, cv2.HISTCMP_BHATTACHARYYA))


def frame_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute grey-level difference, 0..1."""
    if a.shape != b.shape:
        b = cv2.resize(b, (a.shape[1], a.shape[0]))
    gray_a = cv2.cvtColor(a, cv2.COLOR_BGR2GRAY)
    gray_b = cv2.cvtColor(b, cv2.COLOR_BGR2GRAY)
    return float(cv2.absdiff(gray_a, gray_b).mean() / 255.0)


def dominant_colors(frame: np.ndarray, count: int = 3) -> list[str]:
    """Hex colours of the k-means clusters, largest cluster first; seeded by luminance so results are repeatable."""
    small = cv2.resize(frame, (64, 36), interpolation=cv2.INTER_AREA)
    pixels = small.reshape(-1, 3).astype(np.float64)
    order = np.argsort(pixels.sum(axis=1))
    centers = np.stack([pixels[order[int(len(order) * (2 * k + 1) / (2 * count))]] for k in range(count)])
    for _ in range(KMEANS_ITERATIONS):
        labels = np.argmin(((pixels[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2), axis=1)
        for k in range(count):
            members = pixels[labels == k]
            if len(members):
                centers[k] = members.mean(axis=0)
    sizes = np.bincount(labels, minlength=count)
    colors: list[str] = []
    for k in np.argsort(-sizes, kind="stable"):
        if sizes[k] == 0:
            continue
        blue, green, red = (int(round(v)) for v in centers[k])
        hex_color = f"#{red:02x}{green:02x}{blue:02x}"
        if hex_color not in colors:
            colors.append(hex_color)
    return colors
