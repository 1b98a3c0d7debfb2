"""The processes `scripts/prod.sh` recorded, and the trees below them, for tests that must stop what they start."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path


def recorded_processes(home: Path) -> dict[str, int]:
    """One `name pid` line per process `prod.sh up` started; empty before it wrote any."""
    pids = home / "prod" / "pids"
    lines = pids.read_text().splitlines() if pids.exists() else []
    return {name: int(pid) for name, pid in (line.split() for line in lines if line.strip())}


def process_tree(roots: Iterable[int]) -> set[int]:
    """`roots` and every process below them, from one `ps` listing."""
    table = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True, check=True).stdout
    children: dict[int, list[int]] = {}
    for pid, ppid in (map(int, line.split()) for line in table.splitlines() if line.strip()):
        children.setdefault(ppid, []).append(pid)
    found, stack = set(), list(roots)
    while stack:
        pid = stack.pop()
        found.add(pid)
        stack.extend(children.get(pid, []))
    return found
