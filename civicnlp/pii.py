"""Masking of personal data in Korean comments: each kind becomes a typed placeholder.

Matching runs on a folded view of the text: every Unicode decimal digit read as ASCII (``０１０``, ``𝟎𝟏𝟎``),
full-width ASCII as ASCII (``＠``, ``－``), ``。`` as ``.``; zero-width, format, control and combining
characters and Hangul fillers skipped. The placeholder replaces the whole original span, so raw cells are
masked as well as normalized text, and everything outside a masked span is kept as it was. Numbers glued
to Hangul or letters (``연락처010-1234-5678로``) are masked; numbers glued to other digits, or right
after ``digit.`` (a decimal fraction), are not. Between the groups of a number stands nothing, spaces,
or one mark with spaces around it: ``- ‐ – — ― − ㅡ . · / _ ~ , :`` (cards: not ``~ ,``; accounts:
dashes ``. / _`` only); a group may be typed digit by digit with spaces (``0 1 0``). The kinds are tried
in this order, each on what the earlier ones left:

==============  =============================================  ==========================================
placeholder     masked                                         example
==============  =============================================  ==========================================
``<이메일>``    ASCII or Hangul local part, ``@``, domain      ``홍길동@한국.kr``, ``abc＠naver.com``
                labels of ASCII or Hangul, TLD ASCII or 한국
                ``@`` written (at) [at] {at}, at or 골뱅이     ``kim at naver dot com``,
                between spaces; ``.`` written (dot), or dot    ``abc(at)gmail(dot)com``
                쩜 닷 between spaces
``<주민번호>``  resident or foreigner registration number:     ``900101.1234514``,
                a real YYMMDD, then 1–8 and six digits; the    ``9 0 0 1 0 1 - 1 2 3 4 5 1 4``,
                half-hidden ``-1******`` and ``-*******``      ``850315-5123456``, ``900101-1******``
``<카드번호>``  4-4-4-4 digits (middle groups may be ``*``)    ``4123-4567 8901.2345``,
                or 4-6-5, starting as issued cards do: 3–6,    ``4111111111111111``,
                9, 2221–2720                                   ``3782-822463-10005``
``<면허번호>``  driver's licence, region 11–28 or its name     ``11-12-345678-90``, ``서울 12-345678-90``
``<여권번호>``  passport: M S R O D G and 8 digits, or the     ``M12345678``, ``M123A4567``
                2021 form
``<전화번호>``  010/011/016–019, 02, 031–033, 041–044,         ``010/1111/2209``, ``(02) 123-4567``,
                051–055, 061–064, 060, 070, 080, 0502–0508,    ``0 1 0 - 1 1 1 1 - 2 2 0 8``,
                then 3–4 and 4 digits; ``+82``, ``0082`` or    ``+82 10 1234 5678``,
                ``82`` before the number, ``(0)`` allowed      ``82-10-1234-5678``
                mobile numbers spelled in Sino-Korean          ``공일공-일이삼사-오육칠팔``
                15xx/16xx/18xx-xxxx call centres (advertising  ``1588-1234``, ``1644.5678``
                in comments) with a dash or dot, not before
                a unit (원 명 년 개 ...)
``<계좌번호>``  3–4 groups, 10–14 digits, not starting with a  ``110-123-456789``, ``123-45-67890``
                date; 10–14 digits after a bank name or        ``신한 110 123 456789``,
                계좌/입금/송금/이체 (spaces allowed)           ``입금은 1002987654321 로``
==============  =============================================  ==========================================

Kept (not personal, or too ambiguous to take from the analyst):

================================================  ==============================================
kept                                              example
================================================  ==============================================
dates, times, date-times                          ``2024-05-16``, ``2024.05.16 10:30``, ``5/16``
document numbers that start with a date           ``2024-05-16-001``, ``2024.05.16.0012``
13-digit barcodes: EAN-13 check right, the        ``8801234567893``
registration checksum wrong, and neither a
foreigner's nor a post-2020 number (no checksum)
prices, counts, years, ranges, percentages        ``1,000,000원``, ``150여 명``, ``2023~2024``
call-centre shapes before a unit or with ``~``    ``1500-2000원``, ``1600~1800``
4-4-4-4 digits no card starts with                ``2021 2022 2023 2024``, ``2024051612345678``
7–8 digits without an area code                   ``123-4567``, ``1234-5678``
accounts with spaces and no bank cue              ``110 123 456789``
ISBNs, versions, 5 or more hyphen groups          ``978-89-1234-567-8``, ``10.0.19045.2965``
numbers glued to other digits                     ``12345678901``, ``주문번호 20240516-000123``
``@handles``, a bare ``010`` in prose             ``@kim_99``, ``010으로 시작하는``
================================================  ==============================================

Masked although it may not be personal: a bare at between spaces before a domain in English prose
(``look at example.com``), business registration numbers (``123-45-67890``), IPv4 addresses of 10+ digits.
A phone number at the end of a hyphenated account (``3333-02-1234567``) is masked as a phone number.

Placeholders hold no digits and no ``@``, so masking is idempotent: ``mask_pii(mask_pii(x)) == mask_pii(x)``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from collections.abc import Callable

import pandas as pd

from civicnlp import config
from civicnlp.exceptions import ParameterError
from civicnlp.normalize import as_text, map_text

__all__ = [
    "KEY_ENV",
    "PLACEHOLDERS",
    "is_pseudonym",
    "mask_pii",
    "mask_pii_series",
    "pseudonym_key",
    "pseudonymize",
]

PLACEHOLDERS: dict[str, str] = {
    "email": "<이메일>",
    "rrn": "<주민번호>",
    "card": "<카드번호>",
    "phone": "<전화번호>",
    "account": "<계좌번호>",
    "passport": "<여권번호>",
    "licence": "<면허번호>",
}

# --- regexes, kept together -------------------------------------------------------------------------
_H = r"[^\S\n]"  # horizontal space: numbers never run across lines
_DASH = "-‐‑‒–—―−ㅡ"
_MARK = rf"[{_DASH}.·/_~,:]"
_SEP = rf"{_H}*+(?:{_MARK}{_H}*+)?"  # between groups: nothing, spaces, or one mark with spaces around
# not glued to a digit, nor after "digit." (a decimal fraction); a masked number counts as a digit
_NOT_AFTER = r"(?<![\d+])(?<![\d\x00]\.)(?<!번호>\.)"
_NOT_BEFORE = r"(?!\d)"


def _group(count: str, first: str = r"\d") -> str:
    """``count`` digits (``"4"`` or ``"3,4"``), written together or one by one with a space between."""
    low, _, high = count.partition(",")
    rest = f"{int(low) - 1},{int(high or low) - 1}"
    return rf"(?:{first}\d{{{rest}}}|{first}(?:{_H}\d){{{rest}}})"


_EMAIL_AT = rf"(?:{_H}*@{_H}*|{_H}*[(\[{{]{_H}*(?:at|골뱅이){_H}*[)\]}}]{_H}*|{_H}+at{_H}+|{_H}*골뱅이{_H}*)"
_EMAIL_DOT = rf"(?:{_H}*\.{_H}*|{_H}*[(\[{{]{_H}*dot{_H}*[)\]}}]{_H}*|{_H}+(?:dot|쩜|닷){_H}+)"
# lengths bounded as in RFC 5321 (local part 64, label 63), so no text makes the search quadratic
_LABEL = r"[A-Za-z0-9가-힣](?:[A-Za-z0-9가-힣\-]{0,61}[A-Za-z0-9가-힣])?"
_EMAIL = re.compile(
    r"(?:(?<![A-Za-z0-9_%+\-])[A-Za-z0-9_%+\-][A-Za-z0-9._%+\-]{0,63}|(?<![가-힣])[가-힣]{1,64})"
    rf"{_EMAIL_AT}(?:{_LABEL}{_EMAIL_DOT}){{1,8}}(?:[A-Za-z]{{2,63}}(?![A-Za-z\-])|한국)",
    re.IGNORECASE,
)
_RRN = re.compile(
    rf"{_NOT_AFTER}(?P<birth>{_group('6')}){_SEP}"
    rf"(?P<serial>{_group('7', '[1-8]')}|[1-8]\*{{6}}|\*{{7}})(?![\d*])"
)
_CARD_SEP = rf"{_H}*+(?:[{_DASH}.·/_:]{_H}*+)?"  # no ',' or '~': "5026, 5027, 5028, 5029" is a list
_CARD_MIDDLE = rf"(?:{_group('4')}|[\d*]{{4}})"
_CARD = re.compile(
    rf"{_NOT_AFTER}(?:{_group('4')}{_CARD_SEP}{_CARD_MIDDLE}{_CARD_SEP}{_CARD_MIDDLE}{_CARD_SEP}{_group('4')}"
    rf"|{_group('4')}{_CARD_SEP}{_group('6')}{_CARD_SEP}{_group('5')}){_NOT_BEFORE}"
)
_REGIONS = "서울|부산|경기|강원|충북|충남|전북|전남|경북|경남|제주|대구|인천|광주|대전|울산|세종"
_LICENCE_SEP = rf"{_H}*+[{_DASH}.]{_H}*+"
_LICENCE = re.compile(
    rf"(?:{_NOT_AFTER}(?:1[1-9]|2[0-8]){_LICENCE_SEP}|(?:{_REGIONS}){_H}*)"
    rf"\d{{2}}{_LICENCE_SEP}\d{{6}}{_LICENCE_SEP}\d{{2}}{_NOT_BEFORE}"
)
_PASSPORT = re.compile(r"(?<![A-Za-z0-9])[MSRODG](?:\d{8}|\d{3}[A-Z]\d{4})(?![A-Za-z0-9])", re.IGNORECASE)
# after the leading 0; '_' marks where a digit-by-digit space may stand
_NATIONAL = (
    "(?:" + "1_[016789]|2|3_[1-3]|4_[1-4]|5_[1-5]|6_[0-4]|7_0|8_0|5_0_[2-8]".replace("_", f"{_H}?") + ")"
)
_INTERNATIONAL = rf"(?:\+{_H}*|00)?82{_SEP}(?:\(0\){_H}*)?0?{_H}?{_NATIONAL}"  # +82 (0)10, 0082-10, 82 10
_DOMESTIC = rf"(?:\((?=[^()\n]{{1,8}}\)))?0{_H}?{_NATIONAL}\)?"  # 010, (02), 02)
_PHONE = re.compile(
    rf"{_NOT_AFTER}(?:{_INTERNATIONAL}|{_DOMESTIC}){_SEP}{_group('3,4')}{_SEP}{_group('4')}{_NOT_BEFORE}"
)
_KO_DIGIT = "[0-9공영일이삼사오육륙칠팔구]"
_PHONE_SPELLED = re.compile(
    rf"(?<!\d)[0공영][1일][0공영1일6육륙7칠8팔9구]{_SEP}{_KO_DIGIT}{{3,4}}{_SEP}{_KO_DIGIT}{{4}}(?!\d)"
)
_BUSINESS_PHONE = re.compile(
    rf"{_NOT_AFTER}(?<!\d[{_DASH}.])1{_H}?(?:5{_H}?[2-9]|[68]{_H}?\d){_H}?\d"
    rf"{_H}*+[{_DASH}.·_]{_H}*+{_group('4')}(?![{_DASH}.]?\d)"
    r"(?![^\S\n]*(?:원|명|년|개|건|회|만|억|천|%|점|위|배))"
)
_BANKS = (
    "카카오뱅크|케이뱅크|토스뱅크|새마을금고|우체국|국민|신한|우리|농협|하나|기업|카카오|토스|신협|수협|"
    "SC제일|제일|씨티|부산|대구|경남|광주|전북|제주|산업|KB|NH|IBK"
)
_ACCOUNT_MARK = rf"{_H}*+[{_DASH}./_]{_H}*+"
_ACCOUNT_SEP = rf"{_H}*+(?:[{_DASH}./_]{_H}*+)?"
_ACCOUNT_CUED = re.compile(
    rf"(?:(?:{_BANKS})(?:은행)?|계좌|입금|송금|이체)[^\d\n<>\x00\x01]{{0,8}}?"
    rf"(?P<number>\d(?:{_ACCOUNT_SEP}\d){{9,13}})(?!{_ACCOUNT_SEP}\d)"
)
_ACCOUNT_SHAPE = re.compile(
    rf"(?<!\d)(?<!\d[{_DASH}./_])\d{{2,6}}(?:{_ACCOUNT_MARK}\d{{2,7}}){{2,3}}(?!{_ACCOUNT_MARK}\d|\d)"
)
_DATE_START = re.compile(r"(?:19|20)\d\d\D+(?:0?[1-9]|1[0-2])\D+(?:0?[1-9]|[12]\d|3[01])(?!\d)")
_NON_DIGIT = re.compile(r"\D")
_NUMBER_CHAR = re.compile(r"[\d*]")  # any Unicode digit, and '*' for half-hidden numbers (900101-1******)
_MIN_NUMBER_CHARS = 7  # the fewest digits of a masked number (M123A4567)
_NUMBER_HINT = re.compile(rf"[\d*](?:{_SEP}[\d*]){{6}}|\d{{3}}[A-Za-z]\d{{4}}")  # 7 digits in one number
_EMAIL_HINT = re.compile(r"[@＠]|골뱅이|(?i:at)\b")
_SPELLED_HINT = re.compile("[0공영][1일]")
# characters the folded view changes or skips: other digits, full-width ASCII, invisible and combining marks
_FOLDABLE = re.compile(
    r"(?![0-9])\d|[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u0300-\u036f\u034f\u061c\u115f\u1160\u17b4\u17b5"
    r"\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\u20d0-\u20ff\u3164\ufe00-\ufe0f\ufe20-\ufe2f\ufeff"
    r"\u3002\uff01-\uff5e\uffa0\ufff9-\ufffb]"
)
_SKIPPED_CATEGORIES = frozenset({"Cc", "Cf", "Mn", "Me"})
_HANGUL_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
# what stands in the view for an already masked span (no rule matches it): \x00 reads as a masked number
_FILL = {"email": "\x01"}
_FILL_NUMBER = "\x00"


# --- validators: a regex finds the shape, these check the digits --------------------------------------
def _digits(text: str) -> str:
    return _NON_DIGIT.sub("", text)


def _is_birth_date(yymmdd: str) -> bool:
    return 1 <= int(yymmdd[2:4]) <= 12 and 1 <= int(yymmdd[4:6]) <= 31


def _is_barcode(number: str) -> bool:
    """A 13-digit EAN-13 that cannot be a citizen's registration number issued with a checksum.

    Numbers issued since October 2020 (births from 2020: 7th digit 3/4) and foreigners' numbers (5–8)
    may carry no checksum, so they are never taken for barcodes.
    """
    digits = [int(c) for c in number]
    ean = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits[:12])) % 10) % 10
    rrn = (
        11 - sum(d * w for d, w in zip(digits[:12], (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5), strict=True)) % 11
    ) % 10
    unchecked = digits[6] >= 5 or (digits[6] >= 3 and 20 <= int(number[:2]) <= 29)
    return ean == digits[12] and rrn != digits[12] and not unchecked


def _rrn(match: re.Match[str]) -> bool:
    birth = _digits(match["birth"])
    if not _is_birth_date(birth):
        return False
    return not (match.group().isdigit() and _is_barcode(match.group()))


def _card(match: re.Match[str]) -> bool:
    digits = _digits(match.group())
    if len(digits) == 15:
        return digits[:2] in ("34", "37")  # 4-6-5 is American Express's grouping
    return digits[0] in "34569" or 2221 <= int(digits[:4]) <= 2720


def _account(match: re.Match[str]) -> bool:
    text = match["number"] if "number" in match.re.groupindex else match.group()
    return 10 <= len(_digits(text)) <= 14 and not _DATE_START.match(text)


Rule = tuple[str, re.Pattern[str], Callable[[re.Match[str]], bool] | None, str]
# (kind, pattern, validator, matched group) in masking order; an earlier kind protects its digits from a later
_EMAIL_RULES: tuple[Rule, ...] = (("email", _EMAIL, None, ""),)
_NUMBER_RULES: tuple[Rule, ...] = (
    ("rrn", _RRN, _rrn, ""),
    ("card", _CARD, _card, ""),
    ("licence", _LICENCE, None, ""),
    ("passport", _PASSPORT, None, ""),
    ("phone", _PHONE, None, ""),
)
_SPELLED_RULES: tuple[Rule, ...] = (("phone", _PHONE_SPELLED, None, ""),)
_LATE_NUMBER_RULES: tuple[Rule, ...] = (
    ("phone", _BUSINESS_PHONE, None, ""),
    ("account", _ACCOUNT_CUED, _account, "number"),
    ("account", _ACCOUNT_SHAPE, _account, ""),
)


def _fold(text: str) -> tuple[str, list[int] | None]:
    """The view matched against, and for each of its characters the index in ``text`` (None: the same)."""
    if not _FOLDABLE.search(text):
        return text, None
    view: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        if char.isascii() and (char.isprintable() or char.isspace()):
            view.append(char)
        elif (digit := unicodedata.decimal(char, None)) is not None:
            view.append(str(digit))
        elif "\uff01" <= char <= "\uff5e":
            view.append(chr(ord(char) - 0xFEE0))
        elif char == "\u3002":  # ideographic full stop, typed for the dot of a domain
            view.append(".")
        elif char in _HANGUL_FILLERS or (
            unicodedata.category(char) in _SKIPPED_CATEGORIES and not char.isspace()
        ):
            continue
        else:
            view.append(char)
        origin.append(i)
    return "".join(view), origin


def _spans(view: str, rules: tuple[Rule, ...], found: list[tuple[int, int, str]]) -> str:
    """Add the spans ``rules`` mask in ``view`` to ``found``; return the view with them filled."""
    for kind, pattern, valid, group in rules:
        new = [
            (m.start(group or 0), m.end(group or 0), kind)
            for m in pattern.finditer(view)
            if valid is None or valid(m)
        ]
        for start, end, _ in new:
            view = view[:start] + _FILL.get(kind, _FILL_NUMBER) * (end - start) + view[end:]
        found.extend(new)
    return view


def mask_pii(text: object) -> str:
    """Replace e-mails, registration, card, licence, passport, phone and account numbers with placeholders.

    See the module docstring for exactly what is and is not masked. None/NaN give ``""``.
    """
    result = as_text(text)
    has_email = _EMAIL_HINT.search(result) is not None
    has_numbers = len(_NUMBER_CHAR.findall(result)) >= _MIN_NUMBER_CHARS
    has_spelled = _SPELLED_HINT.search(result) is not None
    if not (has_email or has_numbers or has_spelled):
        return result
    view, origin = _fold(result)
    has_numbers = has_numbers and _NUMBER_HINT.search(view) is not None
    found: list[tuple[int, int, str]] = []
    if has_email:
        view = _spans(view, _EMAIL_RULES, found)
    if has_numbers:
        view = _spans(view, _NUMBER_RULES, found)
    if has_spelled:
        view = _spans(view, _SPELLED_RULES, found)
    if has_numbers:
        _spans(view, _LATE_NUMBER_RULES, found)
    if not found:
        return result
    pieces: list[str] = []
    last = 0
    for start, end, kind in sorted(found):
        if origin is not None:
            start, end = origin[start], origin[end - 1] + 1
        pieces += [result[last:start], PLACEHOLDERS[kind]]
        last = end
    pieces.append(result[last:])
    return "".join(pieces)


def mask_pii_series(s: pd.Series) -> pd.Series:
    """:func:`mask_pii` over a Series, once per distinct value; equal element by element to the scalar."""
    return map_text(s, mask_pii)


# --- pseudonyms -------------------------------------------------------------------------------------

KEY_ENV = "CIVICNLP_PSEUDONYM_KEY"
KEY_FILE = "pseudonym.key"
CHANNEL_PREFIX = {"facebook": "fb", "instagram": "ig", "danggeun": "dg", "blog": "bl"}
_PSEUDONYM = re.compile(r"[a-z]{2,12}_[0-9a-f]{16}")


def pseudonym_key(key: str | bytes | None = None) -> bytes:
    """The pseudonymisation key: ``key``, else ``$CIVICNLP_PSEUDONYM_KEY``, else a random key made once.

    The random key lives in ``config.cache_dir()/pseudonym.key`` (mode 0600); losing it gives the same person
    a new ``author_id`` in later ingests: set the variable where ids must stay comparable between machines.
    """
    if key is not None:
        secret = key.encode() if isinstance(key, str) else bytes(key)
        if not secret:
            raise ParameterError("the pseudonym key is empty")
        return secret
    env = os.environ.get(KEY_ENV, "")
    if env:
        return env.encode()
    path = config.cache_dir() / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    secret = path.read_bytes().strip()
    if not secret:
        raise ParameterError(f"the pseudonym key file {path} is empty; delete it or set {KEY_ENV}")
    return secret


def is_pseudonym(value: object) -> bool:
    """Whether ``value`` has the form :func:`pseudonymize` gives (``fb_`` and 16 hex digits)."""
    return isinstance(value, str) and _PSEUDONYM.fullmatch(value) is not None


def pseudonymize(names: pd.Series, channel: str | pd.Series, *, key: str | bytes | None = None) -> pd.Series:
    """Names -> ``<channel prefix>_<16 hex of HMAC-SHA256(key, channel + name)>``; blank names -> NA.

    The channel is part of the message: the same nickname on two channels is not taken for one person.
    A value that is a pseudonym already is kept, so pseudonymising twice changes nothing.
    """
    secret = pseudonym_key(key)
    chans = channel if isinstance(channel, pd.Series) else pd.Series(channel, index=names.index)
    chans = chans.astype("str")
    present = names.notna() & (names.astype("str").str.strip() != "")
    message = (chans + "\x1f" + names.astype("str").str.strip()).where(present)

    def one(text: str) -> str:
        chan, name = text.split("\x1f", 1)
        if is_pseudonym(name):
            return name
        digest = hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()[:16]
        prefix = CHANNEL_PREFIX.get(chan) or re.sub("[^a-z]", "", chan.lower())[:12] or "id"
        return f"{prefix if len(prefix) >= 2 else prefix + 'x'}_{digest}"

    return message.map({m: one(m) for m in message.dropna().unique()}).astype("str")
