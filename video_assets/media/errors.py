"""The one error type of the ingestion domain: a material that cannot be used, and whether retrying may help."""

from __future__ import annotations


class MaterialRejected(Exception):
    """A material was refused; `transient` is True only when a retry may succeed (network trouble, 5xx, 429)."""

    def __init__(self, reason: str, transient: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient

    def __reduce__(self) -> tuple[type[MaterialRejected], tuple[str, bool]]:
        # Keeps the reason and flag intact when the error crosses a process boundary (Dagster multiprocess executor).
        return (MaterialRejected, (self.reason, self.transient))
