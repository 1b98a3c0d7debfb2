"""The one error an LLM backend raises when it cannot deliver a valid result."""

from __future__ import annotations

from video_assets.redaction import redact


class LlmError(Exception):
    """A call failed after the backend's own attempts. The message names the call, the attempts and the last error.

    `transient` is True when the last error may clear up on its own (a retryable HTTP status, a timeout, a connection
    error), so the stage hands it to the step's RetryPolicy; False for a client error (4xx) or output still invalid
    after the repairs, which asking again the same way will not fix.
    """

    def __init__(self, call: str, attempts: int, last_error: str, transient: bool = False) -> None:
        last_error = redact(last_error)  # a provider's error may echo the key it was sent
        super().__init__(f"LLM call '{call}' failed after {attempts} attempt(s): {last_error}")
        self.call = call
        self.attempts = attempts
        self.last_error = last_error
        self.transient = transient

    def __reduce__(self) -> tuple[type[LlmError], tuple[str, int, str, bool]]:
        # Keeps every field, the flag included, when the error crosses a process boundary (multiprocess executor).
        return (LlmError, (self.call, self.attempts, self.last_error, self.transient))
