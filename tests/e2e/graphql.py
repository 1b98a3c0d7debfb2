"""A small client for the Dagster webserver's GraphQL API, as the UI itself talks to it."""

from __future__ import annotations

from typing import Any

import requests

MATERIALIZATIONS = """
query Materializations($path: [String!]!, $partitions: [String!]) {
  assetOrError(assetKey: {path: $path}) {
    ... on Asset {
      assetMaterializations(partitions: $partitions) {
        partition
        runId
        metadataEntries { label }
      }
    }
  }
}
"""

PARTITION_KEYS = """
query PartitionKeys($path: [String!]!) {
  assetNodeOrError(assetKey: {path: $path}) { ... on AssetNode { partitionKeys } }
}
"""

CHECK_EXECUTIONS = """
query Checks($path: [String!]!, $check: String!, $partition: String) {
  assetCheckExecutions(assetKey: {path: $path}, checkName: $check, limit: 20, partition: $partition) {
    status
    partition
    evaluation { success partition }
  }
}
"""

LAUNCH_BACKFILL = """
mutation Backfill($partitions: [String!]!, $assets: [AssetKeyInput!]!) {
  launchPartitionBackfill(backfillParams: {partitionNames: $partitions, assetSelection: $assets}) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
  }
}
"""

BACKFILL_STATUS = """
query BackfillStatus($id: String!) {
  partitionBackfillOrError(backfillId: $id) { ... on PartitionBackfill { status } }
}
"""

BACKFILL_RUNS = """
query BackfillRuns($id: String!) {
  runsOrError(filter: {tags: [{key: "dagster/backfill", value: $id}]}) {
    ... on Runs { results { runId jobName tags { key value } } }
  }
}
"""

RUN_ENGINE_EVENTS = """
query RunLogs($id: ID!) {
  logsForRun(runId: $id) {
    ... on EventConnection {
      events {
        __typename
        ... on EngineEvent { message stepKey metadataEntries { label ... on TextMetadataEntry { text } } }
      }
    }
  }
}
"""

STEP_STATS = """
query StepStats($id: ID!) {
  runOrError(runId: $id) { ... on Run { stepStats { stepKey status startTime endTime } } }
}
"""


class GraphQL:
    def __init__(self, base_url: str) -> None:
        self.url = base_url.rstrip("/") + "/graphql"

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        response = requests.post(self.url, json={"query": query, "variables": variables}, timeout=60)
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def partition_keys(self, asset: str) -> list[str]:
        return self(PARTITION_KEYS, path=[asset])["assetNodeOrError"]["partitionKeys"]

    def materializations(self, asset: str, partitions: list[str]) -> list[dict[str, Any]]:
        return self(MATERIALIZATIONS, path=[asset], partitions=partitions)["assetOrError"]["assetMaterializations"]

    def check_executions(self, asset: str, check: str, partition: str) -> list[dict[str, Any]]:
        return self(CHECK_EXECUTIONS, path=[asset], check=check, partition=partition)["assetCheckExecutions"]

    def launch_backfill(self, partitions: list[str], assets: list[str]) -> str:
        answer = self(LAUNCH_BACKFILL, partitions=partitions, assets=[{"path": [asset]} for asset in assets])
        result = answer["launchPartitionBackfill"]
        assert result["__typename"] == "LaunchBackfillSuccess", result
        return result["backfillId"]

    def backfill_status(self, backfill_id: str) -> str:
        return self(BACKFILL_STATUS, id=backfill_id)["partitionBackfillOrError"]["status"]

    def backfill_runs(self, backfill_id: str) -> list[dict[str, Any]]:
        """Each run the backfill launched: id, job and tags as {key: value}."""
        runs = self(BACKFILL_RUNS, id=backfill_id)["runsOrError"]["results"]
        return [run | {"tags": {tag["key"]: tag["value"] for tag in run["tags"]}} for run in runs]

    def engine_events(self, run_id: str) -> list[dict[str, Any]]:
        events = self(RUN_ENGINE_EVENTS, id=run_id)["logsForRun"]["events"]
        return [event for event in events if event["__typename"] == "EngineEvent"]

    def engine_messages(self, run_id: str) -> list[str]:
        return [event["message"] for event in self.engine_events(run_id)]

    def celery_workers(self, run_id: str) -> list[tuple[str, str]]:
        """(step key, Celery worker name) for every execution of a step by a worker, in order."""
        return [
            (event["stepKey"], entry["text"])
            for event in self.engine_events(run_id)
            for entry in event["metadataEntries"]
            if entry["label"] == "Celery worker"
        ]

    def step_stats(self, run_id: str) -> list[dict[str, Any]]:
        return self(STEP_STATS, id=run_id)["runOrError"]["stepStats"]
