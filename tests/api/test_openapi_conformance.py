"""schemathesis against the live server's /openapi.json, with a key: every operation, a few generated examples each
(valid and invalid), and no answer may be a 5xx or break the published schema.

Each operation runs as its own Hypothesis test inside one pytest test: schemathesis' lazy `from_fixture` loader does
not run under pytest 9 (it sets `Function._nodeid`, which pytest 9 no longer has)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, BaseSchema, Case, GenerationMode
from schemathesis.checks import CheckFunction
from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.api.client import Api, bearer

EXAMPLES_PER_OPERATION = 20  # per operation and mode, the same cases every run; about 15 s on two shared cores
# Checks that do not fit an operation, and why. Every other check (no 5xx, status codes, content types, headers and
# bodies as documented) runs on every operation.
NOT_APPLICABLE: dict[str, list[CheckFunction]] = {
    # Submit also judges what JSON Schema cannot say (some material given, the voice installed, the article long
    # enough): a schema-valid body may get a 422 problem.
    "POST /v1/videos": [positive_data_acceptance],
    # A dry run answers 200 with the problems it found, whatever the body says.
    "POST /v1/videos:validate": [negative_data_rejection],
    # A batch answers 202 with a problem per refused item: only the batch's own shape is refused whole.
    "POST /v1/batches": [negative_data_rejection],
    # `after` is an id this server handed out; any other is refused with a 400 problem.
    "GET /v1/videos": [positive_data_acceptance],
    # Registration resolves the URL's host and refuses one that does not resolve or is private: a 422 problem.
    "POST /v1/webhook-endpoints": [positive_data_acceptance],
}


@pytest.fixture(scope="module")
def live_schema(api: Api) -> BaseSchema:
    # A generated body past VIDEO_ASSETS_API_MAX_BODY_BYTES is refused with 413 before it is read: a rejection too.
    rejections = [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"]
    config = schemathesis.Config.from_dict({"checks": {"negative_data_rejection": {"expected-statuses": rejections}}})
    return schemathesis.openapi.from_url(f"{api.url}/openapi.json", config=config, timeout=30)


def fuzz(operation: APIOperation, mode: GenerationMode, headers: dict[str, str]) -> Callable[[], None]:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Case) -> None:
        excluded = NOT_APPLICABLE.get(operation.label, [])
        case.call_and_validate(headers=headers, excluded_checks=excluded, timeout=30)

    return run


def test_no_operation_answers_a_5xx_or_breaks_its_schema(api: Api, live_schema: BaseSchema) -> None:
    # Limits high enough that the generated calls are judged on their content, not refused by the tenant's rate.
    headers = bearer(api.key("schemathesis", rate_per_window=1_000_000, daily_output_seconds=1e12))
    failures: list[str] = []
    operations = [result.ok() for result in live_schema.get_all_operations()]
    assert {op.label for op in operations} >= {"POST /v1/videos", "GET /v1/videos/{request_id}", "GET /healthz"}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz(operation, mode, headers)()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, f"{operation.label}: no valid input can be generated"
            # Every operation runs; the failures are reported together.
            except (AssertionError, BaseExceptionGroup) as failure:
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    assert not failures, "\n\n".join(failures)
