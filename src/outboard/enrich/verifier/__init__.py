"""Email verifier: syntax, flags, MX lookup, SMTP RCPT probe with catch-all detection and greylist retry.

    from outboard.enrich.verifier import VerifierConfig, verify_sync
    [result] = verify_sync("jane@acme.com", VerifierConfig(helo_name="mail.example.org"))
    result.verdict, result.reason, result.smtp_code
"""

from outboard.enrich.verifier.api import verify_many, verify_one, verify_stream, verify_sync
from outboard.enrich.verifier.config import VerifierConfig
from outboard.enrich.verifier.engine import Verifier
from outboard.enrich.verifier.result import Reason, Verification
from outboard.enrich.verifier.syntax import ParsedAddress, SyntaxProblem, parse_address

__all__ = [
    "ParsedAddress",
    "Reason",
    "SyntaxProblem",
    "Verification",
    "Verifier",
    "VerifierConfig",
    "parse_address",
    "verify_many",
    "verify_one",
    "verify_stream",
    "verify_sync",
]
