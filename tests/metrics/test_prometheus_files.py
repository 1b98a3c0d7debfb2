"""docker/prometheus/ through Prometheus's own promtool: the config and the rules load, each alert's unit test
(rules.test.yml: silent before its condition has held for its `for`, firing after) passes, and every alert has its
runbook entry in docs/operations.md."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PROMETHEUS = REPO / "docker" / "prometheus"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool comes with Debian's prometheus (make system-deps)"
)


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL
    return subprocess.run([PROMTOOL, *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=120)


@needs_promtool
@pytest.mark.parametrize(
    "args",
    [("check", "config", "prometheus.yml"), ("check", "rules", "rules.yml"), ("test", "rules", "rules.test.yml")],
    ids=["check config", "check rules", "test rules"],
)
def test_promtool_accepts_the_files(args: tuple[str, ...]) -> None:
    result = promtool(*args)
    assert result.returncode == 0, result.stdout + result.stderr


def alerts() -> list[str]:
    document = yaml.safe_load((PROMETHEUS / "rules.yml").read_text())
    return [rule["alert"] for group in document["groups"] for rule in group["rules"] if "alert" in rule]


def test_every_alert_is_unit_tested_and_has_a_runbook_entry() -> None:
    tests = yaml.safe_load((PROMETHEUS / "rules.test.yml").read_text())
    tested = {case["alertname"] for test in tests["tests"] for case in test["alert_rule_test"] if case["exp_alerts"]}
    operations = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"(?m)^#+ +`?(\w+)`?\s*$", operations))
    assert alerts() and set(alerts()) <= tested
    assert [alert for alert in alerts() if alert not in headings] == []
