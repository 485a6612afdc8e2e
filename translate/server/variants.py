"""Per-request glossary choices on one shared model.

A request may pick the glossary mode, the article date, the acronym and renderings policies, and
add its own entries, merged over the server's glossary by the CLI's rule (later entries take precedence:
``Glossary.merge``).  A :class:`~translate.pipeline.Translator` holds one glossary, so each distinct
choice gets its own Translator, derived from the server's (:meth:`Translator.derive`): the same loaded
model and the same decoder, so a choice costs only its glossary's matchers, built on first use; the
few most recent are kept.  Requests with the server's own choice use the server's Translator directly.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePath
from typing import Any, TypeVar

from glossary import Entry, Glossary, Matcher
from glossary.entry import COLUMNS, LIST_SEPARATOR, RENDERING_POLICIES, parse_row
from glossary.errors import errors_in

from ..options import parse_date as read_date
from ..pipeline import Translator
from ..settings import ACRONYM_MODES, GLOSSARY_MODES
from .errors import ApiError

INLINE_ORIGIN = "request"
INLINE_SOURCE = "per-request glossary"
INLINE_DEFAULT_TYPE = "other"
T = TypeVar("T")


@dataclass(frozen=True)
class Options:
    """The glossary choices of one request (``Translator``'s options of the same names); equal
    choices share a Translator, and a batch.  ``date`` None: each article's own date decides."""

    mode: str
    date: date | None = None
    acronyms: str = "keep"
    renderings: str = "approved"
    inline: tuple[Entry, ...] = ()


def parse_options(fields: Mapping[str, Any], defaults: Options) -> Options:
    """Options from a /v1 request body; each bad value is a 400 naming the field and the choices."""
    chosen = {}
    for name, field_name, choices in (
        ("mode", "glossary_mode", GLOSSARY_MODES), ("acronyms", "acronyms", ACRONYM_MODES),
        ("renderings", "renderings", RENDERING_POLICIES),
    ):
        chosen[name] = fields.get(field_name, getattr(defaults, name))
        if chosen[name] not in choices:
            raise ApiError(400, f"{field_name} must be one of {', '.join(choices)}")
    day = parse_date(fields.get("glossary_date"), "glossary_date") or defaults.date
    return Options(date=day, inline=inline_entries(fields.get("glossary", [])), **chosen)


def parse_date(value: Any, field: str) -> date | None:
    """A request's date ``field`` (``glossary_date``, lookup's ``at``), read by the one rule of the CLI
    and the API (:func:`translate.options.parse_date`: ``YYYY-MM-DD``); empty means none.  Anything
    else is a 400 whose message names the field, the value given and the form accepted."""
    if value in (None, ""):
        return None
    try:
        return read_date(value, field)
    except ValueError as error:
        raise ApiError(400, str(error)) from None


def inline_entries(rows: Any) -> tuple[Entry, ...]:
    """Entries from a request's glossary rows: objects with the glossary file's columns.

    Rows go through the same ``parse_row`` as file rows, so they are judged by the same rules;
    ``type`` defaults to ``other`` and ``source`` to "per-request glossary", and list columns may be
    JSON lists.  Every problem of every row is reported at once, as ``request:N``.
    """
    if not isinstance(rows, list):
        raise ApiError(400, "glossary must be a list of entries such as {\"vi\": ..., \"en\": ...}")
    entries: list[Entry] = []
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            problems.append(f"{INLINE_ORIGIN}:{number}: an entry must be an object")
            continue
        unknown = sorted(set(row) - set(COLUMNS))
        if unknown:
            problems.append(f"{INLINE_ORIGIN}:{number}: unknown column(s) {', '.join(unknown)}")
            continue
        cells = {"type": INLINE_DEFAULT_TYPE, "source": INLINE_SOURCE}
        for column, value in row.items():
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                value = LIST_SEPARATOR.join(value)
            if not isinstance(value, str):
                problems.append(f"{INLINE_ORIGIN}:{number}: {column} must be a string")
                break
            cells[column] = value
        else:
            entry, row_problems = parse_row(cells, INLINE_ORIGIN, number)
            problems += [f"{p.path}:{p.line}: {p.message}" for p in errors_in(row_problems)]
            if entry is not None:
                entries.append(entry)
    if problems:
        raise ApiError(400, "glossary entries rejected: " + "; ".join(problems))
    return tuple(entries)


class _Recent:
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


class Variants:
    """The server's Translator and the ones derived from it for other request options."""

    def __init__(self, base: Translator, cache_size: int = 8) -> None:
        self.base = base
        self.defaults = Options(base.glossary_mode, base.glossary_date, base.acronyms, base.renderings)
        self.server_glossary = base.glossary if base.glossary is not None else Glossary()
        self._translators = _Recent(cache_size)
        self._matchers = _Recent(cache_size * 2)  # about 1 MB each with the built-in glossary

    def glossary(self, options: Options) -> Glossary:
        """The server's glossary with the request's entries after it (so they take precedence)."""
        return self.server_glossary.merge(Glossary(options.inline)) if options.inline else self.server_glossary

    def matcher(self, options: Options, day: date | None) -> Matcher:
        """The matcher a Translator with ``options`` uses for an article of ``day`` (names valid then preferred)."""
        return self._matchers.get((day, options.inline), lambda: Matcher(self.glossary(options).entries, today=day))

    def translator(self, options: Options) -> Translator:
        """A Translator for ``options`` over the server's model (the server's own for its defaults)."""
        if options == self.defaults:
            return self.base
        return self._translators.get(options, lambda: self.base.derive(
            glossary=self.glossary(options) if options.mode != "off" else None, glossary_mode=options.mode,
            renderings=options.renderings, glossary_date=options.date, acronyms=options.acronyms,
        ))


def entry_json(entry: Entry) -> dict[str, Any]:
    """An entry as the web page and /v1 clients show it: renderings, type, source and file:line."""
    return {
        "vi": entry.vi,
        "en": entry.renderings[0] if entry.renderings else entry.en,
        "renderings": list(entry.renderings),
        "type": entry.type.value,
        "acronym": entry.acronym,
        "source": entry.source,
        "origin": origin(entry),
        "valid_from": entry.valid_from.isoformat() if entry.valid_from else None,
        "valid_to": entry.valid_to.isoformat() if entry.valid_to else None,
    }


def origin(entry: Entry) -> str | None:
    """``file:line`` of an entry, by file name only: the server's directories are nobody's business."""
    return f"{PurePath(entry.origin[0]).name}:{entry.origin[1]}" if entry.origin else None


def short_origin(where: str) -> str:
    """A term record's ``entry`` (``/any/dir/file.tsv:12``) as ``file.tsv:12``; rule names unchanged."""
    path, _, line = where.rpartition(":")
    return f"{PurePath(path).name}:{line}" if path and line.isdigit() else where


def texts_of(values: Sequence[Any], what: str) -> list[str]:
    """``values`` as strings, or a 400 naming the first item that is not one."""
    for number, value in enumerate(values, start=1):
        if not isinstance(value, str):
            raise ApiError(400, f"{what} item {number} must be a string")
    return list(values)
