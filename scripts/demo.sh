#!/usr/bin/env bash
# `make demo`: prepare real media, submit the example request into the embedded defaults and show its status.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
export VIDEO_ASSETS_HOME=${VIDEO_ASSETS_HOME:-$PWD/.video_assets}
export VIDEO_ASSETS_LOCAL_ROOTS=${VIDEO_ASSETS_LOCAL_ROOTS:-$PWD/examples/media}

"$VENV/bin/python" examples/prepare_media.py
request_id=$("$VENV/bin/video-assets" submit examples/request.json)
echo "submitted request $request_id"
"$VENV/bin/video-assets" status "$request_id"
