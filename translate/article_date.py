"""The date an article was published, read from the article itself.

Names change over time (Viet Nam merged ministries in March 2025 and provinces in July 2025), so
the glossary must render each article with the names of its own day: an article from 2021 speaks
of the "Ministry of Planning and Investment", one from 2025 of the "Ministry of Finance".  The
date comes from the two places scraped news carries it: a metadata header before the first line
(`` date 2021-11``, ``published: 2025-06-12``) or a line holding only a date near the top
(``24/10/2020``, day first as Vietnamese writes it).  A month without a day is taken as its first
day.  A format with metadata of its own may know the date before the text does (a web page's
``article:published_time``, ``translate.formats.html_format``): :func:`article_day` prefers that.
"""

from __future__ import annotations

import re
from datetime import date

#: Only the top of an article is searched: a date further down is a date *in* the article.
HEAD_LINES = 5

_HEADER_RE = re.compile(r"^\s*(?:date|published|updated)\s*:?\s*(\d{4})-(\d{2})(?:-(\d{2}))?", re.IGNORECASE)
_DATELINE_RE = re.compile(r"^\s*(?:\d{1,2}:\d{2}(?::\d{2})?\s*[-|,]?\s*)?(?:(\d{1,2})/(\d{1,2})/(\d{4})|(\d{4})-(\d{2})-(\d{2}))\b")


#: The day at the start of an ISO 8601 timestamp (``2024-06-12``, ``2024-06-12T08:30:00+07:00``), as written.
_TIMESTAMP_RE = re.compile(r"\s*(\d{4})-(\d{2})-(\d{2})(?:$|[T\s])")


def article_day(text: str, published: date | None = None) -> date | None:
    """The day whose names the glossary renders an article with: ``published`` (the date its format's metadata
    gives, if any), else the one its first lines carry (:func:`article_date`).  The one rule the pipeline and
    ``vi2en glossary scan`` both follow."""
    return published or article_date(text)


def timestamp_day(value: str | None) -> date | None:
    """The day an ISO 8601 date or timestamp names, in the time zone it is written in (a page's
    ``2024-06-12T23:30:00+07:00`` is the 12th, as its readers saw it); None for anything else."""
    found = _TIMESTAMP_RE.match(value or "")
    return _date(int(found[1]), int(found[2]), int(found[3])) if found else None


def article_date(text: str) -> date | None:
    """The article's own date, or None when its first lines carry none (or an impossible one)."""
    lines = [line for line in text.split("\n") if line.strip()][:HEAD_LINES]
    for number, line in enumerate(lines):
        if number == 0 and (header := _HEADER_RE.match(line)):
            return _date(int(header[1]), int(header[2]), int(header[3] or 1))
        if dateline := _DATELINE_RE.match(line):
            if dateline[1]:
                return _date(int(dateline[3]), int(dateline[2]), int(dateline[1]))
            return _date(int(dateline[4]), int(dateline[5]), int(dateline[6]))
    return None


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
