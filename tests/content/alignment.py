"""Where each word really starts in a recording, measured without the code under test.

Every word is synthesized on its own with the espeak-ng command line, so its start in the reference (the words
one after another, a short silence between them) is known exactly. Dynamic time warping of log-mel spectra then
maps the reference onto the recording, and a word's spoken onset is the first recording frame matched to the
word's first reference frame.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

RATE = 16_000
HOP = 160  # 10 ms
WINDOW = 400  # 25 ms
FFT = 512
MEL_BANDS = 40
GAP_SECONDS = 0.05
FLOOR = 1e-5


def decode(path: Path, start: float = 0.0, seconds: float | None = None) -> np.ndarray:
    """Mono 16 kHz float samples of any audio or video file, as ffmpeg decodes them, scaled to a peak of 1."""
    window = ["-ss", f"{start:.3f}"] + (["-t", f"{seconds:.3f}"] if seconds else [])
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", *window, "-i", str(path), "-ac", "1", "-ar", str(RATE), "-f", "s16le", "-"],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float64)
    return samples / max(np.abs(samples).max(), 1.0)


def speak_alone(word: str, voice: str, speed: int, workdir: Path) -> np.ndarray:
    """One word from the espeak-ng command line, leading and trailing silence cut off."""
    text = workdir / "word.txt"
    text.write_text(word, encoding="utf-8")
    wav = workdir / "word.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(wav), "-f", str(text)], check=True, timeout=60
    )
    samples = decode(wav)
    sounding = np.flatnonzero(np.abs(samples) > 1e-3)
    return samples[sounding[0] : sounding[-1] + 1] if sounding.size else samples[:0]


def reference(words: list[str], voice: str, speed: int, workdir: Path) -> tuple[np.ndarray, list[int]]:
    """The words spoken one by one with a short gap; returns the samples and each word's first frame."""
    gap = np.zeros(round(GAP_SECONDS * RATE))
    pieces, onsets, length = [gap], [], len(gap)
    for word in words:
        alone = speak_alone(word, voice, speed, workdir)
        onsets.append(length // HOP)
        pieces += [alone, gap]
        length += len(alone) + len(gap)
    return np.concatenate(pieces), onsets


def log_mel(samples: np.ndarray) -> np.ndarray:
    frames = max(1 + (len(samples) - WINDOW) // HOP, 1)
    padded = np.pad(samples, (0, max(0, (frames - 1) * HOP + WINDOW - len(samples))))
    index = np.arange(WINDOW)[None, :] + HOP * np.arange(frames)[:, None]
    spectrum = np.abs(np.fft.rfft(padded[index] * np.hanning(WINDOW), FFT)) ** 2
    return np.log(spectrum @ _mel_filters().T + FLOOR)


def _mel_filters() -> np.ndarray:
    def mel(hz: np.ndarray) -> np.ndarray:
        return 2595 * np.log10(1 + hz / 700)

    edges = 700 * (10 ** (np.linspace(mel(np.array(0.0)), mel(np.array(RATE / 2)), MEL_BANDS + 2) / 2595) - 1)
    bins = np.fft.rfftfreq(FFT, 1 / RATE)
    filters = np.zeros((MEL_BANDS, len(bins)))
    for band in range(MEL_BANDS):
        low, centre, high = edges[band : band + 3]
        filters[band] = np.clip(np.minimum((bins - low) / (centre - low), (high - bins) / (high - centre)), 0, None)
    return filters


def dtw_path(cost: np.ndarray) -> list[tuple[int, int]]:
    """Minimum-cost monotonic path from (0, 0) to the last cell, with steps right, down and diagonal."""
    rows, cols = cost.shape
    total = np.empty_like(cost)
    total[0] = np.cumsum(cost[0])
    for i in range(1, rows):
        above = total[i - 1]
        best = np.minimum(above, np.concatenate(([np.inf], above[:-1])))
        # total[i, j] = cost[i, j] + min(best[j], total[i, j-1]), solved for the whole row with a running minimum.
        prefix = np.cumsum(cost[i])
        total[i] = prefix + np.minimum.accumulate(best - np.concatenate(([0.0], prefix[:-1])))
    path = [(rows - 1, cols - 1)]
    i, j = rows - 1, cols - 1
    while i or j:
        steps = [(i - 1, j - 1), (i - 1, j), (i, j - 1)]
        i, j = min((step for step in steps if step[0] >= 0 and step[1] >= 0), key=lambda step: total[step])
        path.append((i, j))
    return path[::-1]


def spoken_onsets(recording: np.ndarray, words: list[str], voice: str, speed: int, workdir: Path) -> list[float]:
    """Seconds from the start of `recording` at which each of `words` is heard."""
    ref, ref_onsets = reference(words, voice, speed, workdir)
    a, b = log_mel(recording), log_mel(ref)
    squared = (a**2).sum(axis=1)[:, None] + (b**2).sum(axis=1)[None, :] - 2 * a @ b.T
    cost = np.sqrt(np.maximum(squared, 0.0))
    first_match: dict[int, int] = {}
    for rec_frame, ref_frame in dtw_path(cost):
        first_match.setdefault(ref_frame, rec_frame)
    return [first_match[frame] * HOP / RATE for frame in ref_onsets]
