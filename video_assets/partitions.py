"""Every stage asset is partitioned by request id (`[A-Za-z0-9_-]`, so UI backfills can select keys)."""

import dagster as dg

request_partitions = dg.DynamicPartitionsDefinition(name="requests")
