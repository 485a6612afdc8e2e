"""One glossary entry, and how one row of a glossary file becomes one (or a list of problems).

An entry holds three kinds of English, because "approved" is the guarantee users pay for:

* ``en``, the **approved rendering**: what the decoder produces by default;
* **grammatical forms** of it (``en_forms`` plus the ones derived by rule, see
  :func:`derived_forms`): the same name where grammar demands it ("Ministers", "Vietnamese");
  produced as well, and never a break of document consistency;
* ``en_alternatives``: other renderings that are *recognised* (lookup from English, evaluation
  against references that use them, reports that flag them) but never produced unless the user
  asks for ``renderings="any"``; and ``en_deprecated``: renderings that must never be produced
  (TBX deprecated/superseded terms), flagged where found.

Row parsing is shared by every file format (TSV, CSV, TBX): each reader turns its rows into
`{column: text}` mappings and `parse_row` applies the same rules to all of them, so a file
converted from one format to another is judged the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from .errors import Problem, Severity, errors_in
from .normalize import nfc, unaccent

COLUMNS: tuple[str, ...] = (
    "vi", "en", "type", "vi_variants", "en_forms", "en_alternatives", "en_deprecated", "acronym",
    "valid_from", "valid_to", "source", "note",
)
#: The columns whose cells hold several values separated by LIST_SEPARATOR.
LIST_COLUMNS: tuple[str, ...] = ("vi_variants", "en_forms", "en_alternatives", "en_deprecated")
LIST_SEPARATOR = " | "
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
Report = Callable[[str], None]  # records one error about the row being parsed


class EntryType(str, Enum):
    """What kind of thing a term names; the constraint layer treats persons specially."""

    ORGANIZATION = "organization"
    PERSON = "person"
    TITLE = "title"
    PLACE = "place"
    ACRONYM = "acronym"
    AGREEMENT = "agreement"
    EVENT = "event"
    DOCUMENT = "document"
    OTHER = "other"


@dataclass(frozen=True)
class Entry:
    """A Vietnamese term, its approved English rendering `en`, its forms and its alternatives.

    Fields (the columns of a glossary file): `vi` the Vietnamese term and `vi_variants` its other
    spellings; `en` the approved rendering (what the decoder produces), `en_forms` its grammatical
    forms (produced too), `en_alternatives` other accepted renderings (recognised, produced only
    with ``renderings="any"``), `en_deprecated` renderings never produced and flagged; `type` an
    :class:`EntryType` (a plain string is accepted); `acronym`; `valid_from`/`valid_to` the dates
    the name was in use (None: open); `source` where the rendering comes from; `note`.
    `origin` (file, line) is where the entry was read; it is not part of the entry's identity,
    so the same entry read from a TSV and from its TBX export compares equal.
    """

    vi: str
    en: str
    type: EntryType
    vi_variants: tuple[str, ...] = ()
    en_alternatives: tuple[str, ...] = ()
    acronym: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    source: str = ""
    note: str = ""
    en_forms: tuple[str, ...] = ()
    en_deprecated: tuple[str, ...] = ()
    origin: tuple[str, int] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # Accept "person" as well as EntryType.PERSON so callers can build entries from plain data.
        object.__setattr__(self, "type", EntryType(self.type))

    @property
    def location(self) -> str | None:
        """``file:line`` where the entry was read (``origin``), or None for an entry made in code."""
        return f"{self.origin[0]}:{self.origin[1]}" if self.origin else None

    @property
    def vi_forms(self) -> tuple[str, ...]:
        """Every Vietnamese spelling that names this entry."""
        return (self.vi, *self.vi_variants)

    @property
    def approved(self) -> str:
        """The approved rendering.

        A person entry without `en` is rendered by the unaccent rule ("Bùi Thanh Sơn" ->
        "Bui Thanh Son"), so names need not be typed twice in the glossary.
        """
        return self.en or (unaccent(self.vi) if self.type is EntryType.PERSON else "")

    @property
    def forms(self) -> tuple[str, ...]:
        """Grammatical forms of the approved rendering: listed ones, then those derived by rule."""
        if not self.approved:
            return ()
        # A deprecated rendering vetoes a derived form: the data can always overrule the rule.
        return _unique(
            (*self.en_forms, *derived_forms(self.approved, self.type)), exclude=(self.approved, *self.en_deprecated)
        )

    @property
    def renderings(self) -> tuple[str, ...]:
        """What the decoder may produce by default: the approved rendering first, then its forms."""
        return tuple(r for r in (self.approved, *self.forms) if r)

    @property
    def accepted(self) -> tuple[str, ...]:
        """Every rendering that is recognised as this entry: the produced ones, then the alternatives."""
        return _unique((*self.renderings, *self.en_alternatives))

    def renderings_for(self, policy: str) -> tuple[str, ...]:
        """The renderings a translation may use under `policy` (see RENDERING_POLICIES)."""
        if policy not in RENDERING_POLICIES:
            raise ValueError(f"renderings policy must be one of {RENDERING_POLICIES}, not {policy!r}")
        return self.accepted if policy == "any" else self.renderings

    def is_valid_at(self, day: date) -> bool:
        """Whether the name was in use on `day` (valid_to is the last valid day)."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def overlaps(self, other: Entry) -> bool:
        """Whether the two validity periods share at least one day (open ends are unbounded)."""
        return (self.valid_from is None or other.valid_to is None or self.valid_from <= other.valid_to) and (
            other.valid_from is None or self.valid_to is None or other.valid_from <= self.valid_to
        )


#: "approved": the approved rendering and its grammatical forms (the default); "any": alternatives too.
RENDERING_POLICIES: tuple[str, ...] = ("approved", "any")

_PREPOSITIONS = frozenset({"of", "for", "to", "on", "in", "at", "with"})
_IRREGULAR_PLURALS = {"man": "men", "woman": "women", "Chairman": "Chairmen", "Chairwoman": "Chairwomen"}


def _unique(items: Iterable[str], exclude: Iterable[str] = ()) -> tuple[str, ...]:
    seen = set(exclude)
    kept = []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            kept.append(item)
    return tuple(kept)


def plural(phrase: str) -> str:
    """The plural of an English title: the head noun takes the plural.

    The head is the word before the first preposition ("Ministers of Foreign Affairs",
    "Ministers for Trade"), before a postpositive "General" ("Directors General",
    "Secretaries-General"), else the last word ("Deputy Prime Ministers"). Returns "" where no
    safe rule applies: a head that is not a plain word, one that is already plural
    ("Economic Ministers"), or a title listing several roles ("Minister, Chairman of ...").
    """
    if "," in phrase:
        return ""
    words = phrase.split(" ")
    head = next((i - 1 for i, word in enumerate(words) if i and word in _PREPOSITIONS), len(words) - 1)
    if head == len(words) - 1 and head > 0 and words[head] == "General":
        head -= 1
    word = words[head]
    stem, suffix = word, ""
    if word.endswith("-General"):
        stem, suffix = word[: -len("-General")], "-General"
    if not stem.isalpha() or (stem.endswith("s") and not stem.endswith(("ss", "us", "is"))):
        return ""
    if stem in _IRREGULAR_PLURALS or stem.endswith("man"):
        stem = _IRREGULAR_PLURALS.get(stem, stem[:-3] + "men")
    elif stem.endswith(("s", "x", "z", "ch", "sh")):
        stem += "es"
    elif stem.endswith("y") and stem[-2:-1].lower() not in "aeiou":
        stem = stem[:-1] + "ies"
    else:
        stem += "s"
    words[head] = stem + suffix
    return " ".join(words)


def derived_forms(approved: str, kind: EntryType) -> tuple[str, ...]:
    """Forms safe to derive by rule, so the data need not list them.

    A title's or a generic document's plural ("Ministers" for "Bộ trưởng" in "các Bộ trưởng",
    "investment registration certificates"): Vietnamese marks no plural on them. A named document
    ("Global Gateway") is one thing and gets none. Possessives need no form:
    "Viet Nam's" contains "Viet Nam" as a whole word; the capital at a sentence start is the
    constraint layer's rule. Everything else (adjectives such as "Vietnamese", lower-case uses)
    is listed in `en_forms`.
    """
    if kind is EntryType.TITLE or (kind is EntryType.DOCUMENT and approved[:1].islower()):
        return tuple(p for p in (plural(approved),) if p)
    return ()


def to_row(entry: Entry) -> dict[str, str]:
    """The entry as file cells, one per column of `COLUMNS`."""
    return {
        "vi": entry.vi,
        "en": entry.en,
        "type": entry.type.value,
        "vi_variants": LIST_SEPARATOR.join(entry.vi_variants),
        "en_forms": LIST_SEPARATOR.join(entry.en_forms),
        "en_alternatives": LIST_SEPARATOR.join(entry.en_alternatives),
        "en_deprecated": LIST_SEPARATOR.join(entry.en_deprecated),
        "acronym": entry.acronym,
        "valid_from": entry.valid_from.isoformat() if entry.valid_from else "",
        "valid_to": entry.valid_to.isoformat() if entry.valid_to else "",
        "source": entry.source,
        "note": entry.note,
    }


def parse_row(cells: Mapping[str, str], path: str, line: int) -> tuple[Entry | None, list[Problem]]:
    """Validate one row; return its entry (None if it has errors) and every problem found.

    Cells are NFC-normalised and stripped (with a warning) so that what is stored is what the
    matcher and the file diff see.
    """
    problems: list[Problem] = []

    def report(message: str, severity: Severity = Severity.ERROR) -> None:
        """Record a problem of this row (every one is kept, not just the first)."""
        problems.append(Problem(path, line, message, severity))

    clean: dict[str, str] = {}
    for column in COLUMNS:
        raw = cells.get(column, "")
        if "\t" in raw or "\n" in raw or "\r" in raw:
            report(f"{column}: tab or line break inside a cell")
        value = nfc(raw.strip())
        if value != raw:
            report(f"{column}: surrounding spaces or non-NFC text (normalised)", Severity.WARNING)
        clean[column] = value

    kind = _parse_type(clean["type"], report)
    for column in ("vi", "source"):
        if not clean[column]:
            report(f"missing {column}")
    if clean["vi"].startswith("#"):
        report("vi starts with '#': in a TSV file that row would read as a comment")
    if not clean["en"] and kind is not EntryType.PERSON:
        report("missing en (only person entries may leave it empty: they are unaccented)")
    lists = {column: _parse_list(clean, column, report) for column in LIST_COLUMNS}
    for column in ("en_forms", "en_alternatives", "en_deprecated"):
        if clean["en"] and clean["en"] in lists[column]:
            report(f"{column} repeats en {clean['en']!r}", Severity.WARNING)
    for rendering in set(lists["en_deprecated"]) & {clean["en"], *lists["en_forms"], *lists["en_alternatives"]}:
        report(f"{rendering!r} is deprecated and also approved, a form or an alternative")
    valid_from = _parse_date(clean, "valid_from", report)
    valid_to = _parse_date(clean, "valid_to", report)
    if valid_from and valid_to and valid_from > valid_to:
        report(f"valid_from {valid_from} is after valid_to {valid_to}")

    if kind is None or errors_in(problems):
        return None, problems
    entry = Entry(
        vi=clean["vi"], en=clean["en"], type=kind, vi_variants=lists["vi_variants"],
        en_forms=lists["en_forms"], en_alternatives=lists["en_alternatives"], en_deprecated=lists["en_deprecated"],
        acronym=clean["acronym"], valid_from=valid_from, valid_to=valid_to, source=clean["source"],
        note=clean["note"], origin=(path, line),
    )
    return entry, problems


def _parse_type(value: str, report: Report) -> EntryType | None:
    if not value:
        report("missing type")
        return None
    try:
        return EntryType(value)
    except ValueError:
        known = ", ".join(t.value for t in EntryType)
        report(f"unknown type {value!r} (known: {known})")
        return None


def _parse_list(cells: Mapping[str, str], column: str, report: Report) -> tuple[str, ...]:
    if not cells[column]:
        return ()
    items = tuple(item.strip() for item in cells[column].split("|"))
    if not all(items):
        report(f"{column}: empty value between '|' separators")
    return tuple(item for item in items if item)


def _parse_date(cells: Mapping[str, str], column: str, report: Report) -> date | None:
    value = cells[column]
    if not value:
        return None
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        report(f"{column}: {value!r} is not a date YYYY-MM-DD")
        return None
