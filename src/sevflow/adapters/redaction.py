"""``Redactor``: the one place where text is masked before it leaves sevflow.

Notifications, webhooks and exports pass every outgoing string through ``Redactor.redact`` (or a
whole JSON-like payload through ``Redactor.redact_data``). Each sensitive span is replaced by a
mask naming what was there:

- ``[email]``  e-mail addresses, including internationalised ones (``jürgen@müller.de``) and
  plus-addressing;
- ``[phone]``  phone numbers that ``phonenumbers`` finds valid (leniency VALID) for one of the
  configured regions, and international numbers written with ``+`` or ``00``; dates, times,
  numbers after ``#`` and numbers with fewer than seven digits are never phones;
- ``[card]``   13-19 digits (single spaces or dashes between groups) that pass the Luhn check and
  start like a card number (2-6 or 8);
- ``[iban]``   IBANs, with or without spaces, that pass the mod-97 check and their country's format;
- ``[secret]`` well-known token formats (``sk_live_``, ``ghp_``, ``github_pat_``, ``xoxb-``,
  ``AKIA``, ``AIza``, ``glpat-``, JWTs), the token after ``Bearer``, the value in ``key: value`` /
  ``key=value`` when the key names a password, secret or token in English, German, French,
  Spanish, Portuguese, Polish or Japanese (the key stays readable), and random-looking strings of
  32 or more characters that mix letters and digits;
- ``[ip]``     IPv4 and IPv6 addresses that ``ipaddress`` accepts (not ``1.2.3`` or ``999.1.1.1``);
- ``[name]``   matches of each configured ``Pattern``, looked for after the built-in kinds.

Every detector reads the same input; overlapping findings are masked as their union, labelled by
the most specific kind (the order above: IBAN, card, secret, e-mail, IP, random string, phone,
custom), so a card number is never reported as a phone and a mask is never nested (``[[email]]``).

Allow-list: a finding that lies within an occurrence of an allowed string is kept (e-mail
addresses compare case-insensitively, everything else exactly), e.g. the support desk's own address
or a public status-page IP.

Masks already in the text are left as they are, and masking repeats until nothing changes, because
a mask can uncover a neighbour: in ``a@b.com4111111111111111`` the address is only delimited once
the card number has become ``[card]``. So ``redact(redact(x)) == redact(x)``.

Known trade-offs, all on the side of masking too much: a bare 7+ digit number that is a valid
national number somewhere in the regions (``user id 123456789``) is a phone; a 4-part version
(``1.2.3.4``) is an IP; hex digests and UUIDs are random-looking strings. An unquoted secret value
runs to the next space, less trailing ``.,;:)]}>`` (sentence punctuation). Only ``key: value`` forms
are recognised, not prose ("my password is …").

Cost: every pattern is compiled once and every search is linear in the text. Plain text takes about
0.4 ms per KB; each digit run that could be a phone costs one ``phonenumbers`` parse per region
(about 0.5 ms per number with the eleven default regions), and texts with fewer than seven digits
skip that step. A long table of numbers is the worst case, at roughly 40 µs per character. Text
with no digit, ``@``, ``:``, ``=``, "bearer" or token prefix is returned after one search, and a
redactor remembers its answers for the last few thousand short strings (a notification's facts
repeat names, states, tiers and instants): a typical notification costs about 0.2 ms.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import phonenumbers
from stdnum import iban, luhn

__all__ = ["DEFAULT_PHONE_REGIONS", "Pattern", "Redactor"]

DEFAULT_PHONE_REGIONS = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "PL", "BR", "IN", "JP")
_BUILT_IN_MASKS = ("email", "phone", "card", "iban", "secret", "ip")

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")

_Span = tuple[int, int]
# A finder reads the text and what the kinds before it found (only phones use that, to skip work).
_Finder = Callable[[str, Sequence[_Span]], Iterator[_Span]]


@dataclass(frozen=True)
class Pattern:
    """A custom kind of sensitive text: every match of ``regex`` is masked as ``[name]``.

    ``name`` is letters, digits, ``_`` and ``-``, starting with a letter or digit. ``regex`` is a
    Python regular expression that must compile and must not match the empty string; otherwise
    ``ValueError`` names the pattern and the problem.
    """

    name: str
    regex: str

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(
                f"redaction pattern name {self.name!r} is not allowed; use letters, digits, '_' and "
                "'-', starting with a letter or digit (the mask is '[name]')"
            )
        try:
            compiled = re.compile(self.regex)
        except re.error as error:
            raise ValueError(
                f"redaction pattern {self.name!r} has an invalid regular expression {self.regex!r}: {error}"
            ) from None
        if compiled.fullmatch(""):
            raise ValueError(
                f"redaction pattern {self.name!r} matches the empty text ({self.regex!r}); it must "
                "match at least one character"
            )


# --- secrets --------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_-])(?:"
    r"sk_(?:live|test)_[A-Za-z0-9]{8,}"
    r"|gh[pousr]_[A-Za-z0-9]{20,}"
    r"|github_pat_[A-Za-z0-9_]{20,}"
    r"|xox[baprs]-[A-Za-z0-9-]{8,}"
    r"|AKIA[0-9A-Z]{16}"
    r"|AIza[0-9A-Za-z_-]{35}"
    r"|glpat-[0-9A-Za-z_-]{20,}"
    r"|eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*"
    r")(?![A-Za-z0-9_-])"
)
_BEARER = re.compile(r"(?<![A-Za-z0-9_-])(?i:bearer)[ \t]+([A-Za-z0-9._~+/-]+=*)")
# The key may carry a prefix (DB_PASSWORD, x-api-key); the lookbehind keeps the search linear.
_SECRET_KEYS = (
    r"pass(?:word|wd)|pwd|secret|token|api[_-]?key|access[_-]?token|client[_-]?secret|passwort"
    r"|kennwort|mot[ _-]de[ _-]passe|contraseña|senha|has[łl]o|パスワード"
)
_KEY_VALUE = re.compile(
    rf"(?<![A-Za-z0-9_.-])(?:[A-Za-z0-9]+[_.-])*(?:{_SECRET_KEYS})[\"']?[ \t]*[:=：][ \t]*"
    # An unquoted value runs to the next space, less trailing sentence punctuation ("pwd: x1, …").
    r"(?:\"([^\"\n]*)\"|'([^'\n]*)'|([^\s\"']\S*?)(?=[.,;:)\]}>]*(?:\s|$)))",
    re.IGNORECASE,
)
_SECRET_KEY_NAME = re.compile(rf"(?:[A-Za-z0-9]+[_.\- ])*(?:{_SECRET_KEYS})", re.IGNORECASE)
_LONG_RUN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])")
_LETTER_DIGIT = re.compile(r"(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")


def _find_tokens(text: str, _found: Sequence[_Span]) -> Iterator[_Span]:
    for match in _TOKEN.finditer(text):
        yield match.span()
    for match in _BEARER.finditer(text):
        token = match.group(1)
        if len(token) >= 20 or (len(token) >= 8 and any(c.isdigit() for c in token)):
            yield match.span(1)
    if not ("=" in text or ":" in text or "：" in text):  # key-value needs a separator
        return
    for match in _KEY_VALUE.finditer(text):
        group = next(g for g in (1, 2, 3) if match.group(g) is not None)
        if match.group(group):
            yield match.span(group)


def _find_random_strings(text: str, _found: Sequence[_Span]) -> Iterator[_Span]:
    # "Random-looking": letters and digits alternate at least twice inside one '-'/'_'-separated
    # part, which a UUID or an API key does and a slug like release-notes-v2-final does not.
    for match in _LONG_RUN.finditer(text):
        mixes = sum(len(_LETTER_DIGIT.findall(part)) for part in re.split(r"[_-]", match.group()))
        if mixes >= 2:
            yield match.span()


# --- cards and IBANs ------------------------------------------------------------------------------

_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])"
)
_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9]+(?:[ -][0-9]+)*(?![0-9])")
_GROUP = re.compile(r"[0-9]+")


def _find_cards(text: str, _found: Sequence[_Span]) -> Iterator[_Span]:
    iban_shaped: list[_Span] | None = None
    for run in _DIGIT_RUN.finditer(text):
        if len(run.group()) < 13:
            continue
        if iban_shaped is None:
            iban_shaped = [m.span() for m in _IBAN.finditer(text)]
        # The digits of an IBAN look-alike are judged as an IBAN only, not as a card.
        if any(a <= run.start() and run.end() <= b for a, b in iban_shaped):
            continue
        groups = [(m.start() + run.start(), m.end() + run.start()) for m in _GROUP.finditer(run.group())]
        for first in range(len(groups)):
            start = groups[first][0]
            if text[start] not in "234568" or (first == 0 and start > 0 and text[start - 1] in "+#"):
                continue
            digits = ""
            for last in range(first, len(groups)):
                # Written cards are one block, or groups of 4-6 digits with a shorter last one.
                if last > first and not 4 <= groups[last - 1][1] - groups[last - 1][0] <= 6:
                    break
                digits += text[groups[last][0] : groups[last][1]]
                if len(digits) > 19:
                    break
                if len(digits) >= 13 and luhn.is_valid(digits):
                    yield start, groups[last][1]


def _find_ibans(text: str, _found: Sequence[_Span]) -> Iterator[_Span]:
    for match in _IBAN.finditer(text):
        # A following upper-case word can be read as one more group: try the shorter readings too.
        spaces = [i for i in range(match.start(), match.end()) if text[i] == " "]
        for end in [match.end(), *reversed(spaces)]:
            if end - match.start() >= 15 and iban.is_valid(text[match.start() : end], check_country=False):
                yield match.start(), end
                break


# --- e-mail and IP addresses ----------------------------------------------------------------------

# Local parts in Latin, Greek or Cyrillic script (not CJK, so "メールはtanaka@…" keeps its prefix);
# the top-level domain is ASCII or punycode unless followed by a non-letter, so Japanese text
# straight after ".jp" stays readable.
_LOCAL = r"[A-Za-z0-9_%+\-\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F\u0370-\u03FF\u0400-\u04FF]"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_EMAIL = re.compile(
    # Starting only where a local part can start keeps the search linear on "a.b.c.d…" runs.
    rf"(?<!{_LOCAL})(?<!{_LOCAL}\.){_LOCAL}+(?:\.{_LOCAL}+)*@(?:{_LABEL}\.)+"
    r"(?:[A-Za-z]{2,63}(?![A-Za-z0-9-])|xn--[A-Za-z0-9-]{2,59}(?![A-Za-z0-9-])|[^\W\d_A-Za-z]{2,63}(?![\w-]))"
)
_IPV4 = re.compile(r"(?<![\w.])[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?!\.?\w)")
_IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f]{1,4})?"
    r"(?:%[0-9A-Za-z_.-]+)?(?!\.?[\w:])"
)
_HEX = re.compile(r"[0-9A-Fa-f]")


def _find_emails(text: str, _found: Sequence[_Span]) -> Iterator[_Span]:
    if "@" in text:
        for match in _EMAIL.finditer(text):
            yield match.span()


def _find_ips(text: str, _found: Sequence[_Span]) -> Iterator[_Span]:
    candidates: list[re.Match[str]] = []
    if "." in text:
        candidates += _IPV4.finditer(text)
    if text.count(":") >= 2:  # an IPv6 address has at least two
        candidates += (m for m in _IPV6.finditer(text) if _HEX.search(m.group()))
    for match in candidates:
        try:
            ipaddress.ip_address(match.group())
        except ValueError:
            continue
        yield match.span()


# --- phones ---------------------------------------------------------------------------------------

# A superset of what phonenumbers reads as one number: digits with its punctuation in between.
_PHONE_PUNCTUATION = (
    "\\- \u00a0\u00ad\u200b\u2060\u3000\u2010-\u2015\u2212\u30fc\uff0d\uff0f/.()（）\\[\\]［］~⁓∼～"
)
_PHONE_WINDOW = re.compile(rf"(?<![+＋(（\[［])[+＋(（\[［]*\d(?:[{_PHONE_PUNCTUATION}+＋]*\d)*")
_INTERNATIONAL_00 = re.compile(r"(?<!\d)00(?=[1-9])")
_DATE = re.compile(
    r"(?<![\d.])(?:(?:0?[1-9]|[12]\d|3[01])[./-](?:0?[1-9]|1[0-2])[./-](?:\d{4}|\d{2})"
    r"|\d{4}[./-](?:0?[1-9]|1[0-2])[./-](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])/\d{4})(?![./-]?\d)"
)
# ISO 8601 instants, as sevflow's own facts carry them (2026-11-24T06:30:14.490075+00:00): a date
# and a time, never a phone, however the seconds' fraction reads.
_INSTANT = re.compile(
    r"(?<![\d.])\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])[T ](?:[01]\d|2[0-3]):[0-5]\d"
    r"(?::[0-5]\d(?:[.,]\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)?(?!\d)"
)
_IDENTIFIER_PREFIX = re.compile(r"[A-Za-z0-9][-_]$")  # INV-2024-000123, REF_123456789
_ANY_DIGIT = re.compile(r"\d")
_MIN_PHONE_DIGITS = 7


def _phone_spans(text: str, found: Sequence[_Span], regions: Sequence[str]) -> Iterator[_Span]:
    if len(_ANY_DIGIT.findall(text)) < _MIN_PHONE_DIGITS:
        return
    # Windows inside what another kind found, or inside an instant, are not read.
    covered = [*found, *(m.span() for m in _INSTANT.finditer(text))] if "-" in text else found
    for window in _PHONE_WINDOW.finditer(text):
        # Reading a window costs a parse per region and grouping: skip what cannot add a phone.
        undated = _DATE.sub("", window.group())
        if len(_ANY_DIGIT.findall(undated)) < _MIN_PHONE_DIGITS or any(
            a <= window.start() and window.end() <= b for a, b in covered
        ):
            continue
        # The matcher looks one character back and up to three ahead (letters, currency, ":30").
        offset = max(window.start() - 1, 0)
        snippet = text[offset : window.end() + 3]
        matches = {
            (m.start + offset, m.end + offset, m.raw_string)
            for region in regions
            for m in phonenumbers.PhoneNumberMatcher(snippet, region, leniency=phonenumbers.Leniency.VALID)
        }
        if "00" in snippet:
            # "0049 …" is "+49 …"; the same length keeps every offset in place.
            dialled = _INTERNATIONAL_00.sub(" +", snippet)
            for m in phonenumbers.PhoneNumberMatcher(dialled, None, leniency=phonenumbers.Leniency.VALID):
                start = m.start + offset
                if text[start - 1 : start + 1] == "00":
                    start -= 1
                matches.add((start, m.end + offset, text[start : m.end + offset]))
        for start, end, raw in matches:
            start, end = _trim_phone(text, start, end)
            if (
                len(_ANY_DIGIT.findall(raw)) >= _MIN_PHONE_DIGITS
                and text[max(start - 1, 0) : start] != "#"
                and not _IDENTIFIER_PREFIX.search(text, max(start - 2, 0), start)
                and not _DATE.search(raw)
            ):
                yield start, end


def _trim_phone(text: str, start: int, end: int) -> _Span:
    """The match without surrounding spaces (inner matches keep one) or an unclosed ``(``."""
    while start < end and (
        text[start].isspace() or (text[start] in "(（[［" and not any(c in ")）]］" for c in text[start:end]))
    ):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


# --- the redactor ---------------------------------------------------------------------------------

_MEMO_SIZE = 4096
_MEMO_MAX_CHARS = 256
"""A redactor remembers the answer for up to this many strings of up to this length."""

# Every built-in kind needs one of these to be found: a digit (IBANs, cards, IPv4, random
# strings, phones), "@" (e-mail), ":" (IPv6, key: value), "=" or a full-width colon
# (key=value), "bearer", or a token format's prefix. A text without any is returned at once.
_MAYBE_SENSITIVE = re.compile(
    r"[\d@:=：]|(?i:bearer)|sk_|gh[pousr]_|github_pat_|xox[baprs]-|AKIA|AIza|glpat-|eyJ"
)


class Redactor:
    """Masks sensitive data in outgoing text; see the module docstring for what and how.

    ``patterns`` are custom kinds masked as ``[name]`` (after the built-in kinds); ``allow`` lists
    exact strings never masked (e-mail addresses case-insensitively); ``phone_regions`` are the
    ISO 3166 regions whose national phone formats are recognised (international ``+``/``00``
    numbers are recognised whatever the regions). An unknown region raises ``ValueError``.
    Thread-safe: a redactor holds compiled, immutable state and a memo of recent answers for
    short strings (dict reads and writes, atomic; a race at worst redacts a string twice).
    """

    def __init__(
        self,
        *,
        patterns: Sequence[Pattern] = (),
        allow: Sequence[str] = (),
        phone_regions: Sequence[str] = DEFAULT_PHONE_REGIONS,
    ) -> None:
        regions = tuple(dict.fromkeys(region.upper() for region in phone_regions))
        unknown = [region for region in regions if region not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(
                f"unknown phone region(s) {', '.join(unknown)}; allowed: ISO 3166 alpha-2 codes that "
                "phonenumbers supports, e.g. US, GB, DE"
            )
        self._finders: tuple[tuple[str, _Finder], ...] = (
            ("iban", _find_ibans),
            ("card", _find_cards),
            ("secret", _find_tokens),
            ("email", _find_emails),
            ("ip", _find_ips),
            ("secret", _find_random_strings),
            ("phone", lambda text, found: _phone_spans(text, found, regions)),
            *((p.name, _regex_finder(re.compile(p.regex))) for p in patterns),
        )
        self._custom_from = len(self._finders) - len(patterns)
        self._memo: dict[str, str] = {}
        self._secret_keys: dict[str, bool] = {}
        names = dict.fromkeys([*_BUILT_IN_MASKS, *(p.name for p in patterns)])
        self._masks = re.compile(r"\[(?:" + "|".join(map(re.escape, names)) + r")\]")
        entries = sorted(set(allow) - {""}, key=len, reverse=True)
        self._allow = (
            re.compile("|".join(f"(?i:{re.escape(e)})" if "@" in e else re.escape(e) for e in entries))
            if entries
            else None
        )

    def redact(self, text: str) -> str:
        """``text`` with every sensitive span replaced by its mask, e.g. ``"mail a@b.de"`` ->
        ``"mail [email]"``. Everything else is kept character for character; ``""`` stays ``""``.
        Idempotent: masks already in ``text`` are kept as they are."""
        memo = self._memo
        done = memo.get(text)
        if done is not None:
            return done
        given = text
        while True:
            masked = self._mask_once(text)
            if masked == text:
                break
            text = masked
        if len(given) <= _MEMO_MAX_CHARS:
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[given] = text
        return text

    def redact_data(self, value: object) -> object:
        """A copy of a JSON-like ``value`` with every string redacted: dict values (dict keys are
        kept), list and tuple items, recursively; dicts and lists come back as ``dict``/``list``,
        tuples as ``tuple``. A string under a key that names a secret (``password``,
        ``api_key``, ``DB_PASSWORD``, ``senha``, …) is masked whole as ``[secret]`` unless it is
        empty or allowed. Other values (numbers, ``None``, booleans, …) are returned unchanged."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {key: self._redact_entry(key, item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.redact_data(item) for item in value]
        if isinstance(value, tuple):
            return tuple(self.redact_data(item) for item in value)
        return value

    def _redact_entry(self, key: object, item: object) -> object:
        if isinstance(item, str):
            if item and isinstance(key, str) and self._names_secret(key) and not self._is_allowed(item):
                return "[secret]"
            return self.redact(item)
        return self.redact_data(item)

    def _names_secret(self, key: str) -> bool:
        """Whether a dict key names a secret (remembered: payloads repeat their few keys)."""
        named = self._secret_keys.get(key)
        if named is None:
            named = _SECRET_KEY_NAME.fullmatch(key) is not None
            if len(self._secret_keys) >= _MEMO_SIZE:
                self._secret_keys.clear()
            self._secret_keys[key] = named
        return named

    def _is_allowed(self, text: str) -> bool:
        return self._allow is not None and self._allow.fullmatch(text) is not None

    def _mask_once(self, text: str) -> str:
        # Most outgoing strings (names, states, tiers) hold nothing a built-in kind could start
        # with: only the custom patterns need to read those.
        first = 0 if _MAYBE_SENSITIVE.search(text) else self._custom_from
        if first == len(self._finders):
            return text
        kept = [m.span() for m in self._masks.finditer(text)] if "[" in text else []
        allowed = [m.span() for m in self._allow.finditer(text)] if self._allow is not None else []
        found: list[tuple[int, int, int]] = []
        for rank in range(first, len(self._finders)):
            finder = self._finders[rank][1]
            for start, end in finder(text, [(s, e) for s, e, _ in found]):
                if not any(a <= start and end <= b for a, b in allowed):
                    found.extend((s, e, rank) for s, e in _outside(start, end, kept))
        if not found:
            return text
        found.sort()
        parts: list[str] = []
        done = 0
        start, end, rank = found[0]
        for s, e, r in [*found[1:], (len(text) + 1, 0, 0)]:
            if s < end:  # overlapping findings are masked as one, labelled by the first kind
                end, rank = max(end, e), min(rank, r)
                continue
            parts += (text[done:start], f"[{self._finders[rank][0]}]")
            done = end
            start, end, rank = s, e, r
        parts.append(text[done:])
        return "".join(parts)


def _regex_finder(regex: re.Pattern[str]) -> _Finder:
    def find(text: str, _found: Sequence[_Span]) -> Iterator[_Span]:
        for match in regex.finditer(text):
            if match.end() > match.start():
                yield match.span()

    return find


def _outside(start: int, end: int, kept: Sequence[_Span]) -> Iterator[_Span]:
    """The parts of ``[start, end)`` outside the masks already in the text (``kept``, sorted)."""
    for a, b in kept:
        if b <= start or a >= end:
            continue
        if start < a:
            yield start, a
        start = max(start, b)
    if start < end:
        yield start, end
