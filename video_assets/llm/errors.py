"""The one error an LLM backend raises when it cannot deliver a valid result."""

from __future__ import annotations


class LlmError(Exception):
    """A call failed for good. The message names the call, the number of attempts and the last error."""

    def __init__(self, call: str, attempts: int, last_error: str) -> None:
        super().__init__(f"LLM call '{call}' failed after {attempts} attempt(s): {last_error}")
        self.call = call
        self.attempts = attempts
        self.last_error = last_error
