#!/usr/bin/env bash
# Installs the system packages the pipeline and its tests need, or says exactly what to install.
set -euo pipefail

missing=()
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
command -v ffprobe >/dev/null || missing+=(ffmpeg)
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
fonts=$(fc-list 2>/dev/null || true)
grep -qi "Noto Sans CJK" <<<"$fonts" || missing+=(fonts-noto-cjk)
# The fallback chain after the CJK font (video_assets/render/glyphs.py): Hebrew, Arabic, Greek, Cyrillic, then emoji.
grep -qi "DejaVu Sans" <<<"$fonts" || missing+=(fonts-dejavu-core)
grep -qi "Symbola" <<<"$fonts" || missing+=(fonts-symbola)
command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v runuser >/dev/null || missing+=(util-linux)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
# `make prod` runs Prometheus from Debian's package; its promtool checks docker/prometheus/ in the tests.
command -v prometheus >/dev/null && command -v promtool >/dev/null || missing+=(prometheus)
# The Celery test's broker: the machine's own Redis on 127.0.0.1:6379, or one started below.
redis_answers() { (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
redis_answers || command -v redis-server >/dev/null || missing+=(redis-server)

start_redis() {
  redis_answers || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' >/dev/null
}

if [ ${#missing[@]} -eq 0 ]; then
  start_redis
  exit 0
fi
packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing system packages: $packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages fontconfig >/dev/null
  start_redis
else
  echo "missing system packages: $packages" >&2
  echo "install them with: sudo apt-get install -y $packages" >&2
  exit 1
fi
