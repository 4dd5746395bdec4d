"""Text that tries to give a language model instructions (prompt injection), in en, de and fr.

Used three ways: the hook miner never builds a hook on such a post, the prompt flags it as suspicious
data, and the guardrails block any message that repeats it.
"""

from __future__ import annotations

import re

_PATTERNS = [
    r"ignore (?:all |any |the )?(?:previous|prior|above|earlier|preceding) (?:instructions?|prompts?|rules?|messages?)",
    r"disregard (?:all |any |the )?(?:previous|prior|above|earlier) (?:instructions?|prompts?|rules?)",
    r"forget (?:all |everything |your )?(?:previous |prior )?(?:instructions?|rules?|you were told)",
    r"(?:new|updated|override) (?:system )?instructions?\s*:",
    r"system prompt",
    r"you are now (?:a|an|in) ",
    r"act as (?:a|an) (?:different|new) ",
    r"(?:developer|jailbreak|dan) mode",
    r"as an ai(?: language)? model",
    r"do not follow (?:the|your) (?:rules|instructions)",
    r"ignoriere (?:alle )?(?:vorherigen|bisherigen|obigen) (?:anweisungen|instruktionen|regeln)",
    r"vergiss (?:alle )?(?:vorherigen |bisherigen )?(?:anweisungen|regeln)",
    r"ignore[zr]? (?:toutes )?(?:les )?instructions (?:précédentes|precedentes|ci-dessus)",
    r"oublie[zr]? (?:toutes )?(?:les )?instructions",
    r"</?\s*(?:system|assistant|lead_data|task|instructions?)\s*>",
    r"<\|im_(?:start|end)\|>",
]
INJECTION = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)


def find_injection(text: str) -> str | None:
    """The first instruction-like phrase in `text`, or None."""
    match = INJECTION.search(text)
    return match.group(0) if match else None
