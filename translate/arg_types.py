"""The argparse types of every ``vi2en`` command: dates and counts, read by the rules of the API.

``vi2en translate --glossary-date``, ``vi2en glossary lookup --at``, ``vi2en serve --beams`` and the
rest take the same values as ``Translator.load`` and the server's requests, and refuse the others
with the same message ("argument --at: must be a date YYYY-MM-DD (such as 2025-07-01), not
'2024-13-01' (month must be in 1..12)"), because all of them wrap the one definition in
:mod:`translate.options`.  Kept apart from the command modules so that ``glossary.cli`` can use
them without importing ``translate.cli`` (which imports it).
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Callable, TypeVar

from .options import check_count, check_similarity, parse_date

__all__ = ["iso_date", "positive_int", "similarity"]

T = TypeVar("T")


def iso_date(text: str) -> date:
    """argparse type for a date option: ``YYYY-MM-DD``, as :func:`translate.options.parse_date` reads it."""
    try:
        day = parse_date(text, None)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    assert day is not None  # a string is never None
    return day


def positive_int(text: str) -> int:
    """argparse type for a count that must be at least 1 (``--beams``, ``--limit``): ``0`` would
    silently do nothing or cut a list short, and ``abc`` deserves better than "invalid value"."""
    return _checked(text, int, check_count)


def similarity(text: str) -> float:
    """argparse type for a similarity score from 0 to 100 (``--tm-threshold``)."""
    return _checked(text, float, check_similarity)


def _checked(text: str, parse: Callable[[str], T], check: Callable[[str | None, object], None]) -> T:
    """``text`` parsed, then held to the API's rule ``check``; text that does not parse is refused by that
    rule too, so that the message says what is accepted."""
    value: T | str
    try:
        value = parse(text)
    except ValueError:
        value = text
    try:
        check(None, value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value  # type: ignore[return-value]  # check refuses the unparsed text
