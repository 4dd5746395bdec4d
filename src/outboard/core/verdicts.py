"""Email verification verdicts."""

from enum import StrEnum


class EmailVerdict(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    CATCH_ALL = "catch_all"
    UNKNOWN = "unknown"  # retryable: greylisting, timeouts, rate limits
