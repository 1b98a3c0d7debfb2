#!/usr/bin/env bash
# `make demo`: prepare real media, then submit examples/request.json and run it through the request sensor,
# the pipeline job and every stage asset, on the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
# The demo owns its own home and starts from a clean one each time, so every run shows the whole path.
export VIDEO_ASSETS_HOME=$PWD/.video_assets/demo
unset VIDEO_ASSETS_DATABASE_URL VIDEO_ASSETS_STORAGE DAGSTER_HOME
rm -rf "$VIDEO_ASSETS_HOME"
export VIDEO_ASSETS_LOCAL_ROOTS=${VIDEO_ASSETS_LOCAL_ROOTS:-$PWD/examples/media}

"$VENV/bin/python" examples/prepare_media.py
"$VENV/bin/video-assets" demo examples/request.json
