"""Imported by the run's forkserver after the code location (executors/multiprocess.py), before it forks any step:
what every step process would otherwise load again on first use. jieba's dictionary (Chinese word segmentation for
the offline planner, the narration's word timings and the subtitles) takes about 1 s to load on a quiet machine and
10 s on a busy one; loaded here, each forked step finds it in memory."""

import logging

import jieba

jieba.setLogLevel(logging.WARNING)  # it prints its dictionary loading to stderr otherwise
jieba.initialize()
