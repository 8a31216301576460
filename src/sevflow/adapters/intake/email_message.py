"""A plain RFC 5322 e-mail message as a ticket event (the support mailbox).

A message without In-Reply-To or References opens a ticket ``email:<its Message-ID>``; a reply
updates ``email:<the thread's root id>`` (the first id in References, else In-Reply-To) and
lists the other ids it refers to in ``related_ids``, most recent first, so a reply whose root
sevflow never saw still finds the ticket of a message it answers. Ids are kept as written,
without angle brackets.

The body is the text/plain part, else the text/html part as text (attachments are ignored),
decoded from quoted-printable or base64 and from its charset. On a reply it becomes the comment,
with the quoted lines (``>``) and the "On ... wrote:" line before them removed.
"""

from __future__ import annotations

import email
import email.errors
import email.policy
import re
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

from sevflow.domain.errors import InvalidInput
from sevflow.domain.incoming import IncomingKind, IncomingTicket

NO_SUBJECT = "(no subject)"
_PREFIX = re.compile(r"^\s*(?:re|fwd?|aw|wg)\s*(?:\[\d+\])?\s*:\s*", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
_ATTRIBUTION = re.compile(r"^(?:on\s.*\swrote|am\s.*\sschrieb\s.*|le\s.*\sa\s[ée]crit)\s*:\s*$", re.I | re.S)
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "pre", "hr"}
)
_SKIPPED_TAGS = frozenset({"script", "style", "head", "title"})
# what the standard library's header parsers raise on some malformed values ("Message-ID: <>")
_HEADER_PARSER_BUGS = (email.errors.MessageError, AttributeError, IndexError, TypeError, ValueError)


def parse_email(raw: bytes) -> IncomingTicket:
    """Translate one raw e-mail message (the bytes as received, headers and body) into an
    ``IncomingTicket`` (source ``email``).

    Subject -> title (leading Re:/Fwd:/Fw:/AW:/WG: removed, repeatedly; empty -> "(no subject)"),
    From -> requester (address lower-cased), Date -> occurred_at (UTC; ``None`` if absent or
    unreadable), body -> description (new message) or comment (reply). Raises ``InvalidInput``
    if the message has no Message-ID (without one a repeat delivery cannot be recognised).
    """
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # the default policy builds EmailMessage
    own_id = _first_id(str(_header(message, "Message-ID") or ""))
    if own_id is None:
        raise InvalidInput(
            "e-mail message: the Message-ID header is missing or empty; expected e.g. "
            "Message-ID: <unique-id@mail.example.com>"
        )
    in_reply_to = _first_id(str(_header(message, "In-Reply-To") or ""))
    references = _ids(str(_header(message, "References") or ""))
    body = _body_text(message)
    title = _subject(str(_header(message, "Subject") or ""))
    if in_reply_to is None and not references:
        return IncomingTicket(
            source="email",
            external_id=f"email:{own_id}",
            kind=IncomingKind.CREATED,
            title=title,
            description=body,
            requester=_sender(message),
            occurred_at=_date(message),
        )
    root = references[0] if references else in_reply_to
    recent_first = [in_reply_to, *reversed(references)]
    related = dict.fromkeys(f"email:{i}" for i in recent_first if i is not None and i not in (root, own_id))
    return IncomingTicket(
        source="email",
        external_id=f"email:{root}",
        kind=IncomingKind.UPDATED,
        title=title,
        requester=_sender(message),
        comment=strip_quoted(body) or None,
        related_ids=tuple(related),
        occurred_at=_date(message),
    )


def strip_quoted(text: str) -> str:
    """``text`` without quoted lines (starting with ``>``) and without the attribution line(s)
    ("On Mon, 3 Jun 2024, Ana <ana@example.com> wrote:", also wrapped over two lines) just
    before a quoted block."""
    kept: list[str] = []
    for line in text.split("\n"):
        if not line.lstrip().startswith(">"):
            kept.append(line)
            continue
        while kept and not kept[-1].strip():  # blank lines between attribution and quote
            kept.pop()
        for size in (1, 2):
            if len(kept) >= size and _ATTRIBUTION.match(" ".join(s.strip() for s in kept[-size:])):
                del kept[-size:]
                break
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def html_to_text(markup: str) -> str:
    """Readable text of an HTML body: block elements on their own lines, whitespace collapsed,
    scripts and styles dropped, blockquote lines prefixed with ``> `` (so replies lose them)."""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    return parser.text()


def _header(message: EmailMessage, name: str) -> object:
    """The parsed header (``None`` if absent); its raw text if the standard library cannot parse it."""
    try:
        return message.get(name)
    except _HEADER_PARSER_BUGS:
        return next((value for key, value in message.raw_items() if key.lower() == name.lower()), None)


def _subject(raw: str) -> str:
    text = " ".join(raw.split())
    while (stripped := _PREFIX.sub("", text, count=1)) != text:
        text = stripped
    return text.strip() or NO_SUBJECT


def _ids(header: str) -> list[str]:
    found = _MESSAGE_ID.findall(header)
    # some mailers drop the angle brackets: then the ids are separated by whitespace
    tokens = found or [t.strip("<>") for t in header.split()]
    return list(dict.fromkeys(t for t in tokens if t))


def _first_id(header: str) -> str | None:
    ids = _ids(header)
    return ids[0] if ids else None


def _sender(message: EmailMessage) -> str | None:
    header = _header(message, "From")
    addresses: tuple[Address, ...] = getattr(header, "addresses", ())
    if addresses and addresses[0].addr_spec:
        return addresses[0].addr_spec.lower()
    name, address = parseaddr(str(header or ""))
    return address.lower() if "@" in address else (name or None)


def _date(message: EmailMessage) -> datetime | None:
    header = _header(message, "Date")
    if header is None:
        return None
    try:
        value = parsedate_to_datetime(str(header))
    except (TypeError, ValueError):
        return None
    # RFC 5322 "-0000" (UTC, local zone unknown) parses as naive: it is UTC
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if not isinstance(part, EmailMessage):
        return ""
    try:  # decodes quoted-printable/base64 and the charset
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown or unusable charset: keep what can be read
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return text.strip()


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._lines: list[str] = [""]
        self._skipping = 0
        self._quote_depth = 0
        self._bullet = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag == "blockquote":
            self._quote_depth += 1
            self._newline()
        elif tag in _BLOCK_TAGS:
            self._newline()
            self._bullet = "- " if tag == "li" else ""

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag == "blockquote":
            self._quote_depth = max(0, self._quote_depth - 1)
            self._newline()
        elif tag in _BLOCK_TAGS:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        words = " ".join(data.split())
        if not words:
            if self._lines[-1] and data[:1].isspace():
                self._lines[-1] += " "
            return
        if not self._lines[-1]:
            self._lines[-1] = "> " * self._quote_depth + self._bullet
            self._bullet = ""
        elif data[:1].isspace() and not self._lines[-1].endswith(" "):
            self._lines[-1] += " "
        self._lines[-1] += words + (" " if data[-1:].isspace() else "")

    def _newline(self) -> None:
        if self._lines[-1].strip():
            self._lines.append("")

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self._lines).strip()
