"""One worker process for the shared rate-limit test: `python -m tests.llm.shared_rate_worker BASE_URL DB_URL
CALLS RPM` makes CALLS write_seo calls through a backend whose limits live in the database."""

from __future__ import annotations

import sys

from video_assets.llm.openai_backend import OpenAICompatibleBackend
from video_assets.llm.rate_limit import RateLimiter
from video_assets.scripting import Script


def main(base_url: str, database_url: str, calls: int, requests_per_minute: float) -> None:
    backend = OpenAICompatibleBackend(
        base_url=base_url,
        api_key="k",
        text_model="m",
        limiter=RateLimiter.shared(database_url, "llm", requests_per_minute, None),
    )
    script = Script(
        style="default",
        hook="h",
        scenes=[{"narration": "n", "material_id": 1, "in_point": 0, "out_point": 3, "planned_duration": 3}],
    )
    for _ in range(calls):
        backend.write_seo(script, "标题", "zh")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
