"""Dates as Korean exports write them, parsed in one vectorized pass into tz-aware Asia/Seoul timestamps.

Accepted shapes (a naive time is Seoul local time; a time with an offset or ``Z`` is converted):
``2024-05-16 13:05``, ``2024-05-16T13:05:07.123+09:00``, ``2024-05-16T04:05:07+0000``, ``2024.05.16``,
``2024. 5. 16. 13:05``, ``2024/05/16``, ``2024년 5월 16일 오후 1:05``, ``2024년 5월 16일 13시 5분``,
``24.5.16`` (two-digit years are 20xx). Anything else, and impossible dates (month 13, 25:00), give ``NaT``.

Dates are parsed at microsecond resolution (years 1..9999) and only dates inside ``EARLIEST``..``LATEST`` are
returned: a comment of year 9999 or 0001 is an export error, not a date to plot, and nanosecond timestamps end
in 2262. ``outside_window`` tells such cells apart from unreadable ones, so callers can say why.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

__all__ = [
    "EARLIEST",
    "LATEST",
    "TIMEZONE",
    "outside_window",
    "parse_datetimes",
]

TIMEZONE = "Asia/Seoul"
#: The window of accepted dates (Seoul time), both days included.
EARLIEST = pd.Timestamp("1990-01-01", tz=TIMEZONE)
LATEST = pd.Timestamp("2100-12-31 23:59:59.999999", tz=TIMEZONE)
_WIDE = f"datetime64[us, {TIMEZONE}]"

_AMPM = r"오전|오후|AM|PM|am|pm|a\.m\.|p\.m\."
_DATE_RE = re.compile(
    r"^\s*(?P<y>\d{4}|\d{2})\s*[-./년]\s*(?P<m>\d{1,2})\s*[-./월]\s*(?P<d>\d{1,2})\s*[.일]?"
    rf"(?:(?:\s*T\s*|\s+)(?P<ap1>{_AMPM})?\s*(?P<H>\d{{1,2}})\s*(?::|시\s*)(?P<M>\d{{1,2}})\s*분?"
    r"(?:\s*:\s*(?P<S>\d{1,2})(?:[.,](?P<f>\d{1,9}))?)?"
    rf"\s*(?P<ap2>{_AMPM})?)?"
    r"\s*(?P<tz>Z|UTC|[+-]\d{2}:?\d{2})?\s*$"
)

_FAST_FORMATS = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def _as_text(values: pd.Series) -> pd.Series:
    """Strings for the regex; datetime objects (from XLSX cells) become ISO strings."""
    if pd.api.types.is_string_dtype(values.dtype) and not pd.api.types.is_object_dtype(values.dtype):
        return values
    return values.map(
        lambda v: v.isoformat() if isinstance(v, dt.datetime | dt.date) else (None if pd.isna(v) else str(v)),
        na_action="ignore",
    ).astype("str")


def parse_datetimes(values: pd.Series) -> pd.Series:
    """Parse a column of dates into ``datetime64[ns, Asia/Seoul]``; unparseable, impossible or out-of-window
    dates -> NaT."""
    wide = _parse_wide(values)
    return wide.where(_inside(wide)).dt.as_unit("ns")


def outside_window(values: pd.Series) -> pd.Series:
    """True where a cell is a readable date outside ``EARLIEST``..``LATEST``, which ``parse_datetimes`` reads
    as NaT."""
    wide = _parse_wide(values)
    return wide.notna() & ~_inside(wide)


def _inside(wide: pd.Series) -> pd.Series:
    return (wide >= EARLIEST) & (wide <= LATEST)


def _parse_wide(values: pd.Series) -> pd.Series:
    """``datetime64[us, Asia/Seoul]``, which holds every year a date string can write."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.as_unit("us").dt.tz_convert(TIMEZONE)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return _localize(values.dt.as_unit("us"))
    # exports repeat timestamps (minute resolution), so parse each distinct string once
    codes, uniques = pd.factorize(_as_text(values))
    parsed = _parse_strings(pd.Series(uniques, dtype="str"))
    if not len(parsed):
        return pd.Series(pd.NaT, index=values.index, dtype=_WIDE)
    taken = parsed.array.take(codes, allow_fill=True)  # code -1 (missing) -> NaT
    return pd.Series(taken, index=values.index)


def _parse_strings(text: pd.Series) -> pd.Series:
    """Exact common formats at C speed first; the Korean-shape regex only for what is left."""
    result = pd.Series(pd.NaT, index=text.index, dtype=_WIDE)
    todo = text.notna()
    for fmt in _FAST_FORMATS:
        if not todo.any():
            return result
        aware = "%z" in fmt
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce", utc=aware).dt.as_unit("us")
        parsed = parsed.dt.tz_convert(TIMEZONE) if aware else _localize(parsed)
        result[parsed[parsed.notna()].index] = parsed[parsed.notna()]
        todo &= result.isna()
    if todo.any():
        result[todo] = _parse_korean(text[todo])
    return result


def _localize(naive: pd.Series) -> pd.Series:
    return naive.dt.tz_localize(TIMEZONE, ambiguous="NaT", nonexistent="NaT")


def _parse_korean(text: pd.Series) -> pd.Series:
    parts = text.str.extract(_DATE_RE)
    num = {k: pd.to_numeric(parts[k], errors="coerce") for k in ("y", "m", "d", "H", "M", "S")}
    year = num["y"].where(num["y"] >= 100, num["y"] + 2000)
    ampm = parts["ap1"].fillna(parts["ap2"]).str.lower().str.replace(".", "", regex=False)
    hour = num["H"].fillna(0)
    pm, am = ampm.isin(["오후", "pm"]), ampm.isin(["오전", "am"])
    # 12-hour clocks: 오후 1:05 is 13:05, 오전 12:30 is 00:30; an hour > 12 with 오전/오후 is invalid.
    bad_12h = (pm | am) & ((hour > 12) | (hour < 1))
    hour = hour.where(~(pm & (hour < 12)), hour + 12).where(~(am & (hour == 12)), 0)
    fraction = parts["f"].str.slice(0, 6).str.ljust(6, "0")
    micro = pd.to_numeric(fraction, errors="coerce").fillna(0)
    fields = pd.DataFrame(
        {
            "year": year,
            "month": num["m"],
            "day": num["d"],
            "hour": hour.where(~bad_12h),
            "minute": num["M"].fillna(0),
            "second": num["S"].fillna(0),
            "microsecond": micro,
        }
    )
    fields = fields.where(fields["hour"].between(0, 23) & fields["minute"].between(0, 59), np.nan)
    fields.loc[~fields["second"].between(0, 59), "year"] = np.nan
    naive = pd.to_datetime(fields, errors="coerce").dt.as_unit("us")
    offset = _offset_minutes(parts["tz"])
    local = _localize(naive)
    converted = (naive - pd.to_timedelta(offset.fillna(0), unit="min")).dt.tz_localize("UTC")
    return local.where(offset.isna(), converted.dt.tz_convert(TIMEZONE))


def _offset_minutes(tz: pd.Series) -> pd.Series:
    """Minutes east of UTC for ``Z``/``UTC``/``+09:00``/``+0900``; NaN where no offset was written."""
    utc = tz.isin(["Z", "UTC"])
    signed = tz.str.extract(r"^(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})$")
    minutes = pd.to_numeric(signed["h"], errors="coerce") * 60 + pd.to_numeric(signed["m"], errors="coerce")
    minutes = minutes.where(signed["sign"] != "-", -minutes)
    return minutes.where(~utc, 0.0).astype("float64")
