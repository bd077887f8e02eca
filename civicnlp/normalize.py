"""Korean-aware clean-up of comments and releases: small pure ``str -> str`` steps that compose.

:func:`normalize_text` applies :data:`DEFAULT_STEPS` in this order (each step is public and usable alone):

1. :func:`fix_surrogates` — surrogate pairs left by a UTF-16 round trip are joined into one character,
   lone surrogates are dropped (so the result always encodes as UTF-8).
2. :func:`normalize_unicode` — NFC, which composes conjoining-jamo sequences (macOS NFD text) into
   syllables; jamo left stray after that become compatibility jamo (ᄏ -> ㅋ); full-width ASCII becomes
   ASCII (ＡＢＣ！ -> ABC!) and half-width Hangul becomes compatibility jamo. NFKC is not used: it would
   turn ㅋ into a conjoining jamo and rewrite ①, ㎡ and the like. It runs again after steps 3–4, for the
   characters that entities and removed zero-width characters leave behind.
3. :func:`strip_html` — well-formed entities (``&amp;``, ``&#44032;``; with the ``;``) are unescaped until
   nothing changes (exports are often escaped twice); then, only if the text holds a tag of a known HTML
   element, the stdlib parser drops every known tag, every comment and the content of closed ``<script>``/
   ``<style>``/``<title>``; block tags (``<br>``, ``<p>``, ``<li>`` ...) become line breaks. Other
   angle-bracket text (``<3``, ``<URL>``, ``<홍길동>``, ``<https://...>``) stays as it is.
4. :func:`remove_invisible` — zero-width characters (U+200B/C/E/F, U+2060–2064, U+FEFF, soft hyphen,
   bidi controls, Hangul fillers used for "blank" names) and control characters (C0 and C1, NUL and DEL
   included) are removed; the zero-width joiner is kept only between two emoji (👨‍👩‍👧). Line breaks,
   tabs and other spacing are left for step 8.
5. :func:`replace_urls` — ``http(s)://``/``ftp://`` and ``www.`` links, and bare domains followed by a path
   (``bit.ly/3xY``, ``naver.me/abc``), become :data:`URL_PLACEHOLDER` (``<URL>``). A bare domain without a
   path (``naver.com``) stays, so a spaced e-mail (``abc @ naver.com``) is left whole for PII masking.
   URL characters are ASCII, so Korean right after a link (``https://a.kr/x에서``) is kept as text.
6. :func:`replace_mentions` — ``@handle`` (Latin, digits, ``_``, ``.``, Hangul) not glued to a preceding
   word or placeholder (so ``abc@naver.com`` is not a mention) and not a domain (``@naver.com``) becomes
   :data:`MENTION_PLACEHOLDER` (``<MENTION>``).
7. :func:`shorten_repeats` — one character repeated 3 or more times is cut to 2 when it is a Hangul
   compatibility jamo, punctuation, a symbol or an emoji (an emoji with its variation selector or skin tone
   counts as one): ㅋㅋㅋㅋㅋ -> ㅋㅋ, ㅠㅠㅠㅠ -> ㅠㅠ, !!!!! -> !!, ...... -> .., 😂😂😂😂 -> 😂😂. Letters,
   digits and Hangul syllables are never cut (1000, www, 하하하 stay). Laughter and crying stay as signal.
8. :func:`normalize_whitespace` — every line break (``\\r\\n``, ``\\r``, U+2028 ...) becomes ``\\n``; other
   whitespace runs (tabs, NBSP, U+3000) become one space; spaces around line breaks go; three or more line
   breaks become one blank line; the ends are stripped. Line breaks are kept because they separate items
   and paragraphs in releases and in multi-line comments.

Hashtags (``#인천당근이지``) stay in the text; :func:`extract_hashtags` lists them. The chain is idempotent:
``normalize_text(normalize_text(x)) == normalize_text(x)``.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from html.parser import HTMLParser

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_STEPS",
    "MENTION_PLACEHOLDER",
    "URL_PLACEHOLDER",
    "as_text",
    "extract_hashtags",
    "extract_mentions",
    "extract_urls",
    "fix_surrogates",
    "map_text",
    "normalize_series",
    "normalize_text",
    "normalize_unicode",
    "normalize_whitespace",
    "remove_invisible",
    "replace_mentions",
    "replace_urls",
    "shorten_repeats",
    "split_sentences",
    "strip_html",
]

Step = Callable[[str], str]

URL_PLACEHOLDER = "<URL>"
MENTION_PLACEHOLDER = "<MENTION>"

# --- regexes and tables, kept together --------------------------------------------------------------
_SURROGATE = re.compile("[\ud800-\udfff]")

_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_HTML_ELEMENTS = frozenset(
    "a abbr article aside audio b big blockquote body br button caption center cite code col dd del details "  # noqa: SIM905
    "dfn div dl dt em figcaption figure font footer form h1 h2 h3 h4 h5 h6 head header hr html i iframe img "
    "input ins kbd label li link main mark meta nav noscript ol option p picture pre q s samp script section "
    "select small source span strike strong style sub summary sup svg table tbody td textarea tfoot th thead "
    "time title tr tt u ul video wbr".split()
)
_HTML_BLOCK = frozenset(
    "article blockquote br dd div dl dt figcaption footer h1 h2 h3 h4 h5 h6 header hr li ol p pre section "  # noqa: SIM905
    "table tr ul".split()
)
_HTML_VOID = frozenset({"br", "hr", "img", "input", "link", "meta", "source", "wbr", "col"})
_HTML_DROP_CONTENT = frozenset({"script", "style", "noscript", "head", "title"})
_HTML_TAG_START = (
    r"/?(?:" + "|".join(sorted(_HTML_ELEMENTS, key=len, reverse=True)) + r")(?=[\s/>])|!--|!doctype"
)
_HTML_TAG = re.compile(rf"<(?:{_HTML_TAG_START})", re.IGNORECASE)
_NOT_HTML_TAG = re.compile(rf"<(?!{_HTML_TAG_START})", re.IGNORECASE)

_EMOJI = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2\u25aa-\u27bf\u2934\u2935"
    "\u2b05-\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb]"
)
_STRAY_JOINER = re.compile(f"(?<![{_EMOJI}\ufe0f\U0001f3fb-\U0001f3ff])\u200d|\u200d(?![{_EMOJI}])")


def _fold_table() -> dict[int, str]:
    """Full-/half-width forms -> their ordinary character; stray conjoining jamo -> compatibility jamo."""
    table: dict[int, str] = {}
    for cp in range(0x3131, 0x318F):  # compatibility jamo decompose (NFKC) to one conjoining jamo: invert
        conjoining = unicodedata.normalize("NFKC", chr(cp))
        if len(conjoining) == 1 and conjoining != chr(cp):
            table.setdefault(ord(conjoining), chr(cp))
    for cp in [*range(0xFF01, 0xFF5F), *range(0xFFA1, 0xFFDD), *range(0xFFE0, 0xFFEF)]:
        folded = unicodedata.normalize("NFKC", chr(cp))
        if len(folded) == 1 and folded != chr(cp):
            table[cp] = table.get(ord(folded), folded)
    return table


_FOLD = _fold_table()
_FOLDABLE = re.compile("[\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff\uff01-\uffee]")

_URL_CHAR = r"[A-Za-z0-9\-._~:/?#\[\]@!$&*+,;=%]"
_URL_END = r"[A-Za-z0-9\-_~/#=&%+@*]"
_URL = re.compile(
    rf"(?:(?<![A-Za-z0-9])(?:(?:https?|ftp)://|www\.)(?:{_URL_CHAR}*{_URL_END})?"
    rf"|(?<![A-Za-z0-9.@/\-])(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?\.)+[a-z]{{2,6}}/(?:{_URL_CHAR}*{_URL_END})?)",
    re.IGNORECASE,
)
_MENTION = re.compile(
    r"(?<![\w.@/>])@(?!(?:[A-Za-z0-9\-]+\.)+(?:com|net|org|kr|edu|gov|biz|info|io|me|co)(?![\w.]))"
    r"[A-Za-z0-9_가-힣](?:[A-Za-z0-9_.가-힣]*[A-Za-z0-9_가-힣])?"
)
_HASHTAG = re.compile(r"(?<![\w&#/])#(?=\w*[^\W\d_])(\w+)")

_TRIPLE = re.compile(r"(.).?\1.?\1")  # cheap pre-check for _REPEAT
_REPEAT = re.compile(r"([\u3131-\u318e]|[^\w\s][\ufe0f\U0001f3fb-\U0001f3ff]?)\1{2,}")

_UNUSUAL_SPACE = re.compile(r"[^\S ]| \s")
_LINE_BREAK = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_SPACES = re.compile(r"[^\S\n]+")
_SPACE_AROUND_BREAK = re.compile(r" ?\n ?")
_BLANK_LINES = re.compile(r"\n{3,}")

_MAX_EXTRA_PASSES = 3

# sentence splitting (press releases)
_SENTENCE_END_SYLLABLES = frozenset("다요죠까니네오라자군나지셈함음임")
_TERMINATORS = frozenset(".?!…")
_CLOSERS = frozenset("\"'’”)]」』")
_OPEN_QUOTES = {"“": "”", "‘": "’", "「": "」", "『": "』"}
_BULLETS = "◆◇■□▲△▶▷►▸●○◎•·※★☆-–*"
#: The characters at which :func:`_split_line` has something to do; it skips from one to the next.
_ACTIVE = re.compile(
    "[" + re.escape("".join(sorted(_TERMINATORS | set(_OPEN_QUOTES) | set(_OPEN_QUOTES.values())))) + "]"
)
_LEADING_BULLETS = re.compile(rf"^[{re.escape(_BULLETS)}\s]+")


# --- steps ------------------------------------------------------------------------------------------
def fix_surrogates(text: str) -> str:
    """Join surrogate pairs into characters and drop lone surrogates."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment: tags dropped, block tags as line breaks."""

    def __init__(self, drop_content: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._drop_content = drop_content
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._drop_content:
            self._hidden += 1
        elif tag in _HTML_BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._drop_content:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _HTML_BLOCK and tag not in _HTML_VOID:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def strip_html(text: str) -> str:
    """Unescape HTML entities and remove the tags of known HTML elements (see the module docstring)."""
    while "&" in text:
        unescaped = _ENTITY.sub(lambda m: html.unescape(m.group()), text)
        if unescaped == text:
            break
        text = unescaped
    if "<" not in text or not _HTML_TAG.search(text):
        return text
    # Escaped so that the parser gives back exactly this text: '&' as is, and every '<' that does not open
    # a known tag (<3, <URL>, <https://...) as text, never as the start of a tag that swallows what follows.
    # <script>, <style>, <title> ... hide their content only when closed: "<Title> 좋아요" keeps 좋아요
    lowered = text.lower()
    parser = _TextExtractor(frozenset(tag for tag in _HTML_DROP_CONTENT if f"</{tag}" in lowered))
    parser.feed(_NOT_HTML_TAG.sub("&lt;", text.replace("&", "&amp;")))
    parser.close()
    return "".join(parser.parts)


def remove_invisible(text: str) -> str:
    """Remove zero-width and control characters (NUL included); line breaks and tabs are kept."""
    text = _INVISIBLE.sub("", text)
    return _STRAY_JOINER.sub("", text) if "\u200d" in text else text


def normalize_unicode(text: str) -> str:
    """NFC, stray conjoining jamo to compatibility jamo, full-/half-width forms to ordinary characters."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFC", text)
    return text.translate(_FOLD) if _FOLDABLE.search(text) else text


def replace_urls(text: str, repl: str = URL_PLACEHOLDER) -> str:
    """Replace links with ``repl`` (default ``<URL>``)."""
    return _URL.sub(repl, text) if "/" in text or "www." in text.lower() else text


def replace_mentions(text: str, repl: str = MENTION_PLACEHOLDER) -> str:
    """Replace ``@handle`` mentions with ``repl`` (default ``<MENTION>``); e-mail addresses are left alone."""
    return _MENTION.sub(repl, text) if "@" in text else text


def shorten_repeats(text: str) -> str:
    """Cut a jamo, punctuation, symbol or emoji repeated 3+ times to 2 (ㅋㅋㅋㅋ -> ㅋㅋ, !!!! -> !!)."""
    return _REPEAT.sub(r"\1\1", text) if _TRIPLE.search(text) else text


def normalize_whitespace(text: str) -> str:
    """Unify line breaks to ``\\n``, collapse other whitespace to one space, keep at most one blank line."""
    if not _UNUSUAL_SPACE.search(text):
        return text.strip()
    text = _SPACES.sub(" ", _LINE_BREAK.sub("\n", text))
    if "\n" in text:
        text = _BLANK_LINES.sub("\n\n", _SPACE_AROUND_BREAK.sub("\n", text))
    return text.strip()


DEFAULT_STEPS: tuple[Step, ...] = (
    fix_surrogates,
    normalize_unicode,
    strip_html,
    remove_invisible,
    normalize_unicode,
    replace_urls,
    replace_mentions,
    shorten_repeats,
    normalize_whitespace,
)


# --- entry points -----------------------------------------------------------------------------------
def as_text(value: object) -> str:
    """Coerce a cell to the ``str`` the text functions work on.

    None/NaN/NA/NaT give ``""``, bytes are decoded as UTF-8 (bad bytes replaced), anything else is ``str()``.
    """
    if isinstance(value, str):
        return value
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def normalize_text(text: object, steps: Iterable[Step] = DEFAULT_STEPS) -> str:
    """Apply the default clean-up chain (module docstring) to one text; None/NaN give ``""``."""
    chain = tuple(steps)
    result = _apply(chain, as_text(text))
    # A step can expose work for an earlier one only through HTML (an entity that decodes to '<', a zero-width
    # character inside a tag): such texts run again until stable, which keeps the chain idempotent.
    for _ in range(_MAX_EXTRA_PASSES):
        if "<" not in result and "&" not in result:
            break
        again = _apply(chain, result)
        if again == result:
            break
        result = again
    return result


def _apply(steps: tuple[Step, ...], text: str) -> str:
    for step in steps:
        text = step(text)
    return text


def map_text(s: pd.Series, func: Callable[[object], str]) -> pd.Series:
    """Apply a text function once per distinct value of ``s`` (comments repeat a lot); keeps index and name.

    Missing values (None/NaN) are passed to ``func`` once as ``None``.
    """
    try:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists, dicts): no de-duplication
        return pd.Series([func(v) for v in s], index=s.index, name=s.name, dtype="str")
    results = np.array([func(v) for v in uniques.tolist()] + [func(None)], dtype=object)
    return pd.Series(results[codes], index=s.index, name=s.name, dtype="str")


def normalize_series(s: pd.Series, steps: Iterable[Step] = DEFAULT_STEPS) -> pd.Series:
    """:func:`normalize_text` over a Series; equal element by element to the scalar form."""
    chain = tuple(steps)
    return map_text(s, lambda value: normalize_text(value, chain))


def extract_urls(text: object) -> list[str]:
    """The links :func:`replace_urls` would replace, in order."""
    return _URL.findall(normalize_unicode(as_text(text)))


def extract_mentions(text: object) -> list[str]:
    """The ``@handles`` :func:`replace_mentions` would replace, in order, without the ``@``."""
    return [m[1:] for m in _MENTION.findall(normalize_unicode(as_text(text)))]


def extract_hashtags(text: object) -> list[str]:
    """Hashtags without the ``#``, NFC, first occurrences in order (``#인천당근이지`` -> ``인천당근이지``).

    A tag is a run of letters, digits and ``_`` holding at least one letter (``#1`` is not a tag); a ``#``
    glued to a word, a URL path or an HTML entity does not start one.
    """
    return list(dict.fromkeys(_HASHTAG.findall(normalize_unicode(as_text(text)))))


# --- sentences --------------------------------------------------------------------------------------
def _is_boundary(line: str, start: int, end: int) -> bool:
    """Whether the terminator run ``line[start:end]`` (closers included) ends a sentence."""
    if end < len(line):
        following = line[end]
        if following.isdigit() or following in _CLOSERS:
            return False
        if not (following.isspace() or "가" <= following <= "힣" or following in _BULLETS + "“‘"):
            return False
    run = line[start:end]
    if "?" in run or "!" in run:
        return start > 0
    return start > 0 and line[start - 1] in _SENTENCE_END_SYLLABLES


def _split_line(line: str) -> list[str]:
    """Split one line at sentence ends outside quotes."""
    pieces: list[str] = []
    begin = 0
    expected_closers: list[str] = []
    active = _ACTIVE.search(line)
    while active is not None:
        i = active.start()
        char = line[i]
        if char in _OPEN_QUOTES:
            expected_closers.append(_OPEN_QUOTES[char])
        elif expected_closers and char == expected_closers[-1]:
            expected_closers.pop()
            # “...했다.” followed by a space closes the sentence together with the quote
            if not expected_closers and i > 0 and line[i - 1] in _TERMINATORS:
                run_start = i - 1
                while run_start > 0 and line[run_start - 1] in _TERMINATORS:
                    run_start -= 1
                if _is_boundary(line, run_start, i + 1):
                    pieces.append(line[begin : i + 1])
                    begin = i + 1
        elif char in _TERMINATORS and not expected_closers:
            end = i
            while end < len(line) and line[end] in _TERMINATORS:
                end += 1
            while end < len(line) and line[end] in _CLOSERS:
                end += 1
            if _is_boundary(line, i, end):
                pieces.append(line[begin:end])
                begin = end
            active = _ACTIVE.search(line, end)
            continue
        active = _ACTIVE.search(line, i + 1)
    pieces.append(line[begin:])
    return pieces


def split_sentences(text: object) -> list[str]:
    """Split a press release (or a long comment) into sentences, without any tagger.

    Rules: every line break ends a sentence; within a line a sentence ends after ``?``/``!`` (runs such as
    ``?!`` or ``..`` count as one), or after ``.``/``…`` that follows a Korean sentence-final syllable
    (다. 요. 죠. 까. 니. 네. ...), when followed by a space, the end of the line, Hangul or a bullet. So a
    ``.`` after a digit (2.5, 2024.05.16), a noun (140주년.) or Latin letters (Mr. Kim, U.S.) never splits,
    and English prose is split only at ``?``/``!``. Nothing splits inside “ ” ‘ ’ 「 」 『 』 quotes; a
    quote that ends with a sentence end and is followed by a space closes the sentence. Closing quotes and
    brackets stay with their sentence. Leading bullets (◆ △ ▶ ■ ● ※ · - ...) are removed; bullets inside
    a sentence (``△ 1부 ... △ 2부``) stay. Pieces without any letter (``|``, ``+1``, ``0``) are dropped.
    The text is first passed through :func:`fix_surrogates`, :func:`remove_invisible` and
    :func:`normalize_unicode`; None/NaN give ``[]``.
    """
    cleaned = normalize_unicode(remove_invisible(fix_surrogates(as_text(text))))
    sentences: list[str] = []
    for line in _LINE_BREAK.sub("\n", cleaned).split("\n"):
        for piece in _split_line(_SPACES.sub(" ", line).strip()):
            sentence = _LEADING_BULLETS.sub("", piece).strip()
            if any(char.isalpha() for char in sentence):
                sentences.append(sentence)
    return sentences
