"""The daily output-seconds charge is its own statement (so a tenant's submits never queue on its counter row) and is
given back when the block that stored the request fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from video_assets.api.intake import OutputSecondsCharges
from video_assets.api.problems import Problem
from video_assets.db.api_models import UsageCounter
from video_assets.db.engine import session_scope
from video_assets.request_schema import VideoRequestSpec
from video_assets.service.keys import Principal
from video_assets.service.requests import Submitted
from video_assets.settings import Settings

SPEC = VideoRequestSpec.model_validate({"title": "t", "markdown": "m", "video_count": 2, "target_duration": 15})
TENANT = Principal("ledger", "va_ledger0", frozenset({"submit"}), daily_output_seconds=100)


def used(database_url: str) -> float:
    with session_scope(database_url) as session:
        return sum(session.scalars(select(UsageCounter.used).where(UsageCounter.tenant == TENANT.tenant)))


@pytest.fixture
def settings(postgres_url: str, tmp_path: Path) -> Settings:
    return Settings(home=tmp_path, database_url=postgres_url)


def test_a_charge_is_kept_when_the_block_succeeds_and_replays_cost_nothing(settings: Settings) -> None:
    url = settings.database_url.get_secret_value()
    with OutputSecondsCharges(settings, TENANT) as charges:
        charges.charge(SPEC, Submitted("req_a", created=True))
        assert used(url) == 30  # committed at once, before the block ends
        charges.charge(SPEC, Submitted("req_a", created=False))
    assert used(url) == 30


def test_charges_are_given_back_when_the_block_fails_after_them(settings: Settings) -> None:
    url = settings.database_url.get_secret_value()
    with OutputSecondsCharges(settings, TENANT) as kept:
        kept.charge(SPEC, Submitted("req_kept", created=True))
    with pytest.raises(RuntimeError), OutputSecondsCharges(settings, TENANT) as charges:
        charges.charge(SPEC, Submitted("req_b", created=True))
        charges.charge(SPEC, Submitted("req_c", created=True))
        raise RuntimeError("the commit failed")
    assert used(url) == 30


def test_a_charge_past_the_quota_is_refused_with_429_and_not_counted(settings: Settings) -> None:
    url = settings.database_url.get_secret_value()
    with OutputSecondsCharges(settings, TENANT) as charges:
        for index in range(3):
            charges.charge(SPEC, Submitted(f"req_{index}", created=True))
        with pytest.raises(Problem) as refused:
            charges.charge(SPEC, Submitted("req_over", created=True))
    assert refused.value.status == 429 and int(refused.value.headers["Retry-After"]) > 0
    assert used(url) == 90
