"""libespeak-ng through ctypes: the espeak-ng command line speaks SSML but never reports where its <mark>s fall in
the audio; the library's synthesis callback does, to the sample.

It runs as a child process, `python espeak_lib.py JOB.json`, because a library call cannot be
interrupted and every synthesis must have a deadline that holds. The job file gives the voice, rate, pitch, the
SSML text and the WAV path to write; stdout gets {"sample_rate": n, "marks": [[name, sample], ...], "words":
[[text_position, sample], ...]}: espeak drops a mark that opens an English sentence, but still reports the word,
at its 1-based character position in the SSML text.
"""

from __future__ import annotations

import ctypes
import json
import sys
import wave
from pathlib import Path
from typing import Any, NoReturn

LIBRARY = "libespeak-ng.so.1"
AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_DONT_EXIT = 0x8000
CHARS_UTF8 = 1
SSML = 0x10
POSITION_CHARACTER = 1
RATE, PITCH = 1, 3
EVENT_LIST_TERMINATED, EVENT_WORD, EVENT_MARK = 0, 1, 3
EXIT_NO_LIBRARY, EXIT_NO_VOICE, EXIT_SYNTH_FAILED = 3, 4, 5


class _Event(ctypes.Structure):
    """espeak_EVENT from speak_lib.h; `id` is a union whose `name` member is set for mark events."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("name", ctypes.c_char_p),
    ]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


def _load(name: str) -> ctypes.CDLL:
    try:
        lib = ctypes.CDLL(name)
    except OSError as error:
        _fail(EXIT_NO_LIBRARY, f"cannot load {name}: {error}")
    # Declared, not guessed: ctypes would pass the size_t length as a 32-bit int.
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_SetSynthCallback.argtypes = [_Callback]
    lib.espeak_SetSynthCallback.restype = None
    lib.espeak_Synth.argtypes = [
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    return lib


def synthesize(job: dict[str, Any]) -> dict[str, Any]:
    lib = _load(job.get("library") or LIBRARY)
    sample_rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, None, INITIALIZE_DONT_EXIT)
    if sample_rate <= 0:
        _fail(EXIT_NO_LIBRARY, "espeak_Initialize failed (espeak-ng-data missing?)")
    if lib.espeak_SetVoiceByName(job["voice"].encode()) != 0:
        _fail(EXIT_NO_VOICE, f"Unknown voice '{job['voice']}'")
    lib.espeak_SetParameter(RATE, int(job["rate"]), 0)
    lib.espeak_SetParameter(PITCH, int(job["pitch"]), 0)
    chunks: list[bytes] = []
    marks: list[tuple[str, int]] = []
    words: list[tuple[int, int]] = []

    def collect(samples: Any, count: int, events: Any) -> int:
        if count > 0:
            chunks.append(ctypes.string_at(samples, count * 2))
        index = 0
        while events[index].type != EVENT_LIST_TERMINATED:
            event = events[index]
            # `sample` counts from the start of this synthesis, which is the whole text.
            if event.type == EVENT_MARK and event.name:
                marks.append((event.name.decode(), event.sample))
            elif event.type == EVENT_WORD:
                words.append((event.text_position, event.sample))
            index += 1
        return 0

    callback = _Callback(collect)
    lib.espeak_SetSynthCallback(callback)
    text = job["ssml"].encode("utf-8")
    flags = CHARS_UTF8 | SSML
    if lib.espeak_Synth(text, len(text) + 1, 0, POSITION_CHARACTER, 0, flags, None, None) != 0:
        _fail(EXIT_SYNTH_FAILED, "espeak_Synth refused the text")
    lib.espeak_Synchronize()
    with wave.open(job["wav"], "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(b"".join(chunks))
    return {"sample_rate": sample_rate, "marks": marks, "words": words}


def _fail(code: int, message: str) -> NoReturn:
    print(message, file=sys.stderr)
    raise SystemExit(code)


def main(argv: list[str]) -> int:
    job = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    print(json.dumps(synthesize(job)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
