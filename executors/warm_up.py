"""Imported by the run's forkserver after the code location (executors/multiprocess.py), before it forks any step:
what the steps load on first use, which the code location itself does not import so that the run worker (which only
orchestrates) starts quickly. Loaded here once, each forked step finds it in memory: jieba and its dictionary (Chinese
word segmentation for the offline planner, the narration's word timings and the subtitles: about 1.5 s on a quiet
machine, 10 s on a busy one), its IDF table, pypinyin's phrase tables (syllable estimates, 0.5 s), and the OpenAI SDK
(0.5 s) when an OpenAI-compatible LLM or TTS is configured."""

import pypinyin  # noqa: F401 - its phrase tables load on import

from video_assets.settings import load_settings
from video_assets.tts.words import idf_table

idf_table()  # jieba, its dictionary and its IDF table
settings = load_settings()
if "openai" in (settings.llm_backend, settings.tts_backend):
    import video_assets.llm.openai_backend  # noqa: F401
    import video_assets.tts.openai_tts  # noqa: F401
