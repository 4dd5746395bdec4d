"""HTML → plain text for bodies that have no text/plain part, keeping quoted history recognisable."""

from __future__ import annotations

import re
from html.parser import HTMLParser

MAX_HTML_CHARS = 200_000

_BLOCK = {"p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
          "blockquote", "pre", "section", "article", "header", "footer", "center", "dd", "dt"}
_SKIP = {"script", "style", "head", "title", "template", "noscript"}
# Containers mail clients wrap quoted history in; their text is marked "> " like a blockquote.
_QUOTE_MARKERS = ("gmail_quote", "yahoo_quoted", "divrplyfwdmsg", "moz-cite-prefix", "protonmail_quote",
                  "zmail_extra", "outlookmessageheader", "appendonsend")
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "wbr", "source", "embed"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip_depth = 0
        self.quote_depth = 0
        self.stack: list[tuple[str, bool]] = []  # (tag, opened a quote)

    def _newline(self) -> None:
        text = "".join(self.current).strip()
        self.current = []
        if text or (self.lines and self.lines[-1]):
            self.lines.append(("> " * self.quote_depth + text) if text else "")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
            return
        if tag in _BLOCK:
            self._newline()
        if tag in _VOID:
            return
        marker = " ".join(f"{v or ''}" for k, v in attrs if k in ("class", "id", "type")).lower()
        quote = tag == "blockquote" or any(m in marker for m in _QUOTE_MARKERS)
        # A gmail_quote div already contains a blockquote: count the container once, not twice.
        if quote and tag == "blockquote" and any(opened for _, opened in self.stack[-3:]):
            quote = False
        self.stack.append((tag, quote))
        if quote:
            self.quote_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if tag in _BLOCK:
            self._newline()
        # Pop up to the matching open tag; unclosed children are closed with it (tolerant of bad HTML).
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                for _, opened in self.stack[index:]:
                    if opened:
                        self.quote_depth = max(0, self.quote_depth - 1)
                del self.stack[index:]
                break

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        self.current.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(html[:MAX_HTML_CHARS])
        parser.close()
    except Exception:  # HTMLParser is tolerant, but a body must never break classification
        return re.sub(r"<[^>]*>", " ", html[:MAX_HTML_CHARS])
    parser._newline()
    return "\n".join(parser.lines).strip()
