"""What the severity model reads of a ticket: its subject and body as plain, bounded text.

- HTML bodies are reduced to their text (tags, scripts and styles dropped, entities decoded).
- Unicode is normalised (NFKC), so full-width letters and ligatures read as their plain forms;
  every script is kept (the character n-grams work without word boundaries).
- Text past ``MAX_CHARS`` is cut, with a note saying so: a pasted log must not slow intake.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser

MAX_CHARS = 5_000
"""How much of subject + body the model reads; the rest is cut (with a note)."""

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class CleanText:
    text: str
    notes: tuple[str, ...] = ()


class _TextOnly(HTMLParser):
    """Collects the text of an HTML document, skipping scripts and styles."""

    _SKIP = frozenset({"script", "style", "head", "title"})
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    """True if ``text`` holds at least two HTML tags (one ``<x>`` in prose is not HTML)."""
    return len(_TAG.findall(text, 0, 20_000)) >= 2


def strip_html(text: str) -> str:
    """The text of an HTML fragment or document; markup the parser cannot read (a stray
    ``<![``, say) is dropped tag by tag instead."""
    parser = _TextOnly()
    try:
        parser.feed(text)
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some malformed declarations
        return unescape(_TAG.sub(" ", text))
    return "".join(parser.parts)


def clean_text(title: str, body: str = "") -> CleanText:
    """Subject and body as the model reads them: one string, HTML stripped, NFKC-normalised,
    whitespace collapsed, at most ``MAX_CHARS`` characters. Empty input gives empty text."""
    notes: list[str] = []
    parts = []
    for part, name in ((title or "", "subject"), (body or "", "body")):
        # bound the work first: a multi-megabyte body is cut before it is parsed
        part = part[: MAX_CHARS * 2]
        if looks_like_html(part):
            part = strip_html(part)
            notes.append(f"HTML stripped from the {name}")
        parts.append(part)
    text = _SPACE.sub(" ", unicodedata.normalize("NFKC", "\n".join(parts))).strip()
    full = len(title or "") + len(body or "")
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rsplit(" ", 1)[0] if " " in text[:MAX_CHARS] else text[:MAX_CHARS]
        notes.append(f"text truncated to its first {len(text):,} of {full:,} characters")
    return CleanText(text, tuple(notes))
