"""The new text of a reply: quoted history, forwarded blocks and attribution lines removed.

mail-parser-reply does the heavy lifting (many languages, Outlook header blocks); a small cutter runs after
it for what it misses (Portuguese, "> " lines, forward markers, attributions wrapped over two lines). The
classifiers only ever read the new text: the quoted part holds our own words, opt-out sentence included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailparser_reply.parser import EmailMessage

MAX_REPLY_CHARS = 20_000
LINE_CAP = 300
LANGUAGES = ("en", "de", "fr", "es", "it", "nl")

_ATTRIBUTION = re.compile(
    r"""^\s*(?:
        on\b.{0,250}\bwrote\s*:?
      | am\b.{0,250}\bschrieb\b.{0,250}:
      | le\b.{0,250}\ba\s+[ée]crit\s*:
      | el\b.{0,250}\bescribi[óo]\s*:
      | il\b.{0,250}\bha\s+scritto\s*:
      | op\b.{0,250}\bschreef\b.{0,250}:
      | em\b.{0,250}\bescreveu\s*:
      | .{0,120}\b(?:wrote|schrieb|a\s+[ée]crit|escribi[óo]|ha\s+scritto|schreef|escreveu)\s*:
      | [-_=\s]{2,}\s*(?:original\s+message|urspr[üu]ngliche\s+nachricht|message\s+d'origine|mensaje\s+original
            |messaggio\s+originale|oorspronkelijk\s+bericht|mensagem\s+original|forwarded\s+message
            |weitergeleitete\s+nachricht|message\s+transf[ée]r[ée]|mensaje\s+reenviado|messaggio\s+inoltrato
            |doorgestuurd\s+bericht|mensagem\s+encaminhada)\s*[-_=\s]*
      | begin\s+forwarded\s+message\s*:
      | _{20,}
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# A line that tells the reader what to reply ("Not interested? Just reply 'no thanks' and I won't write
# again."): our own compliance footer, left in the new text by clients that quote without marking.
_INSTRUCTION_LINE = re.compile(
    r"\b(?:reply|answer|respond|antworten\s+sie|antworte|r[ée]pondez|r[ée]ponds|responda|responde|risponda|"
    r"rispondi|antwoord|antwoordt)\b[^\n]{0,40}?[\"'“”„«»‘’‚][^\n]{1,30}?[\"'“”„«»‘’]",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(?:from|de|von|da|van|od)\s*:\*?\s+\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(?:sent|date|to|subject|cc|envoy[ée]|[àa]|objet|gesendet|datum|an|betreff|enviado|fecha|para"
    r"|asunto|inviato|data|a|oggetto|verzonden|aan|onderwerp|assunto|enviada)\s*:\*?",
    re.IGNORECASE,
)
# The library's header pattern (attribution lines and Outlook header blocks in all LANGUAGES), compiled once:
# only the first match matters, and the library's per-part signature and disclaimer passes are not needed.
_LIBRARY_HEADERS = EmailMessage(text="", languages=list(LANGUAGES)).HEADER_REGEX


@dataclass(frozen=True)
class ReplySplit:
    new_text: str
    quoted: bool  # some history was found and removed
    method: str  # how the cut was found: "mail-parser-reply", "cutter" or "none"
    footer_removed: bool = False  # an unquoted copy of our opt-out instruction was dropped


def _library_cut(text: str) -> tuple[str, bool]:
    """Text before the first reply header mail-parser-reply recognises (its own normalisation applied).

    The library's patterns backtrack badly on long lines that start with "On" (seconds for one flattened
    HTML paragraph), so they only see the first LINE_CAP characters of each line: attribution lines and
    header blocks are far shorter.
    """
    normalised = EmailMessage(text=text, languages=list(LANGUAGES)).text
    lines = normalised.split("\n")
    capped = "\n".join(line[:LINE_CAP] for line in lines)
    match = _LIBRARY_HEADERS.search(capped)
    if match is None:
        return normalised, False
    start = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
    line_no = capped.count("\n", 0, start)
    column = start - (capped.rfind("\n", 0, start) + 1)
    return normalised[: sum(len(line) + 1 for line in lines[:line_no]) + column], True


def _cutter(text: str) -> tuple[str, bool]:
    lines = text.split("\n")
    kept: list[str] = []
    cut = False
    for index, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            cut = True
            continue
        pair = line + " " + lines[index + 1] if index + 1 < len(lines) else line
        if _ATTRIBUTION.match(line) or (len(line) < 200 and _ATTRIBUTION.match(pair)
                                        and not _ATTRIBUTION.match(lines[index + 1])):
            return "\n".join(kept), True
        if _HEADER_FROM.match(line) and any(_HEADER_NEXT.match(nxt) for nxt in lines[index + 1: index + 4]):
            return "\n".join(kept), True
        kept.append(line)
    return "\n".join(kept), cut


def split_reply(text: str) -> ReplySplit:
    """Split a reply body into what the sender just wrote; never raises."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")[:MAX_REPLY_CHARS]
    method = "none"
    try:
        new, quoted = _library_cut(text)
        if quoted:
            method = "mail-parser-reply"
    except Exception:  # a library bug on odd input must not stop classification
        new, quoted = text, False
    new, cut = _cutter(new)
    if cut and method == "none":
        method = "cutter"
    lines = new.split("\n")
    kept = [line for line in lines if not _INSTRUCTION_LINE.search(line)]
    new = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return ReplySplit(new_text=new, quoted=quoted or cut, method=method, footer_removed=len(kept) < len(lines))


def strip_quotes(text: str) -> str:
    return split_reply(text).new_text
