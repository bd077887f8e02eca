"""Masking of personal data in Korean comments: each kind becomes a typed placeholder.

What is masked, in this order (the order matters: an earlier kind protects its digits from a later one):

1. ``<이메일>`` e-mail addresses: ASCII local part, ``@`` (spaces around it allowed: ``abc @ naver.com``;
   also ``(at)``, ``[at]`` and ``골뱅이``), a domain with a dot and a letter TLD.
2. ``<주민번호>`` resident (and foreigner) registration numbers: ``YYMMDD`` with a real month/day, then
   ``-`` or nothing (spaces allowed), then a 7th digit 1–8 and six digits; also the half-hidden forms
   ``900101-1******`` and ``900101-*******``.
3. ``<카드번호>`` card numbers: 16 digits as 4-4-4-4 with the same ``-``, ``.``, space or nothing between
   groups (the middle groups may be hidden with ``*``), and 15-digit 4-6-5 (AMEX). No Luhn check: a mistyped
   or partly hidden card number is still personal, and 16 grouped digits are nothing else in comments.
4. ``<전화번호>`` phone numbers, with ``-``, ``.``, ``·``, ``ㅡ``, spaces or nothing between groups:
   mobile 010/011/016–019; area codes 02, 031–033, 041–044, 051–055, 061–064; 070 (VoIP), 080, 060 and
   0502–0508 (safe numbers), each with a 3–4 digit middle and a 4-digit end; ``(02) 123-4567``;
   international ``+82 10 ...``, ``+82-10-...``, ``+82 (0)10 ...``, ``82 10 ...``; mobile numbers
   spelled with Sino-Korean digit syllables (``공일공-일이삼사-오육칠팔``, ``010 일이삼사 5678``);
   business numbers 15xx/16xx/18xx-xxxx (``1588-1234``) with a ``-`` or ``.`` and not followed by a unit
   (원 명 년 ...) — not personal, but in comments they are advertising, and the placeholder lets spam
   rules see them.
5. ``<계좌번호>`` bank accounts: digits in 3–4 groups joined by ``-`` totalling 10–14 digits
   (``123-45-678901``, ``110-123-456789``, ``3333-01-1234567``, ``352-1234-5678-13``) anywhere, and
   10–14 digits with spaces/hyphens or none right after a bank name or ``계좌``/``입금``/``송금``/``이체``
   (``신한 110123456789``). The 3-2-5 business registration shape (``123-45-67890``) is masked too.
   An unhyphenated 13-digit number that reads as a registration number (valid date, then 1–8) is
   labelled ``<주민번호>`` even after a bank cue: the two cannot be told apart, and it is masked either way.

What stays: years (2025), counts (150여 명, 3500만 명), bus numbers (9100번), dates (2024-05-16,
2024.05.16, 5/16, 2024. 5. 16.), times (05:13), prices (15,000원), percentages, decimals, 제94회, short
codes, ranges (1500-2000원), 7–8 digit numbers without an area code (123-4567, 1234-5678 — too ambiguous),
unhyphenated account numbers without a bank cue, ``@handles``, and bare ``010`` in prose.

Placeholders hold no digits and no ``@``, so masking is idempotent: ``mask_pii(mask_pii(x)) == mask_pii(x)``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets

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
}

# --- regexes, kept together -------------------------------------------------------------------------
_HSP = r"[^\S\n]*"  # horizontal space: numbers never run across lines
_SEP = rf"(?:{_HSP}[-‐‑‒–—―ㅡ.·]{_HSP}|[^\S\n]+)?"  # between phone groups: a dash-like mark, a dot, spaces
# not glued to digits, nor to a placeholder put in before (<전화번호>, <이메일>): keeps masking idempotent
_NOT_AFTER_DIGITS = r"(?<![\d+])(?<!\d[-.])(?<!번호>)(?<!메일>)(?<!번호>[-.])(?<!메일>[-.])"
_NOT_BEFORE_DIGITS = r"(?![-.]?\d)"

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9_%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*"
    rf"(?:{_HSP}@{_HSP}|{_HSP}[(\[]{_HSP}at{_HSP}[)\]]{_HSP}|{_HSP}골뱅이{_HSP})"
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}"
    r"(?![A-Za-z\-])",
    re.IGNORECASE,
)
_RRN = re.compile(
    _NOT_AFTER_DIGITS + r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    rf"{_HSP}[-‐‑–—]?{_HSP}(?:[1-8]\d{{6}}|[1-8]\*{{6}}|\*{{7}})(?![\d*])"
)
_CARD = re.compile(
    _NOT_AFTER_DIGITS
    + r"(?:\d{4}([-. ]?)[\d*]{4}\1[\d*]{4}\1\d{4}|\d{4}([-. ]?)\d{6}\2\d{5})"
    + _NOT_BEFORE_DIGITS
)
_NATIONAL = r"(?:1[016789]|2|3[1-3]|4[1-4]|5[1-5]|6[0-4]|70|80|50[2-8])"  # after the leading 0
_INTERNATIONAL = rf"(?:\+{_HSP}|(?<!\d))82{_HSP}[-.]?{_HSP}(?:\(0\){_HSP})?0?"
_PHONE = re.compile(
    _NOT_AFTER_DIGITS
    + rf"(?:{_INTERNATIONAL}|\((?=0\d{{1,2}}\))0|0){_NATIONAL}\)?{_SEP}\d{{3,4}}{_SEP}\d{{4}}"
    + _NOT_BEFORE_DIGITS
)
_KO_DIGIT = "[0-9공영일이삼사오육륙칠팔구]"
_PHONE_SPELLED = re.compile(
    rf"(?<!\d)[0공영][1일][0공영1일6육륙7칠8팔9구]{_SEP}{_KO_DIGIT}{{3,4}}{_SEP}{_KO_DIGIT}{{4}}(?!\d)"
)
_BUSINESS_PHONE = re.compile(
    _NOT_AFTER_DIGITS
    + r"1(?:5[2-9]|6\d|8\d)\d[-.]\d{4}"
    + _NOT_BEFORE_DIGITS
    + r"(?![^\S\n]*(?:원|명|년|개|건|회|만|억|천|%|점|위|배))"
)
_BANKS = (
    "카카오뱅크|케이뱅크|토스뱅크|새마을금고|우체국|국민|신한|우리|농협|하나|기업|카카오|토스|신협|수협|"
    "SC제일|제일|씨티|부산|대구|경남|광주|전북|제주|산업|KB|NH|IBK"
)
_ACCOUNT_CUED = re.compile(
    rf"(?P<cue>(?:(?:{_BANKS})(?:은행)?|계좌|입금|송금|이체)[^\d\n]{{0,8}}?)"
    r"(?P<number>\d(?:[- ]?\d){9,13})(?!-?\d)"
)
_ACCOUNT_SHAPE = re.compile(_NOT_AFTER_DIGITS + r"\d{2,6}(?:-\d{2,7}){2,3}" + _NOT_BEFORE_DIGITS)
_DIGIT = re.compile(r"\d")
_NUMBER_CHAR = re.compile(r"[\d*]")  # '*' for half-hidden numbers (900101-1******)
_MIN_NUMBER_CHARS = 8  # the shortest masked number (1588-1234); fewer in a text: nothing to look for
_EMAIL_HINT = re.compile(r"@|골뱅이|[(\[][^\S\n]*at[^\S\n]*[)\]]", re.IGNORECASE)
_SPELLED_HINT = re.compile("[0공영][1일]")


def _mask_account_shape(match: re.Match[str]) -> str:
    digits = len(_DIGIT.findall(match.group()))
    return PLACEHOLDERS["account"] if 10 <= digits <= 14 else match.group()


def mask_pii(text: object) -> str:
    """Replace e-mails, registration, card, phone and account numbers with typed placeholders.

    See the module docstring for exactly what is and is not masked. None/NaN give ``""``.
    """
    result = as_text(text)
    if _EMAIL_HINT.search(result):
        result = _EMAIL.sub(PLACEHOLDERS["email"], result)
    has_numbers = len(_NUMBER_CHAR.findall(result)) >= _MIN_NUMBER_CHARS
    if has_numbers:
        result = _RRN.sub(PLACEHOLDERS["rrn"], result)
        result = _CARD.sub(PLACEHOLDERS["card"], result)
        result = _PHONE.sub(PLACEHOLDERS["phone"], result)
    if _SPELLED_HINT.search(result):
        result = _PHONE_SPELLED.sub(PLACEHOLDERS["phone"], result)
    if has_numbers:
        result = _BUSINESS_PHONE.sub(PLACEHOLDERS["phone"], result)
        result = _ACCOUNT_CUED.sub(rf"\g<cue>{PLACEHOLDERS['account']}", result)
        result = _ACCOUNT_SHAPE.sub(_mask_account_shape, result)
    return result


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
