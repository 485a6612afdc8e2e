"""Whole-glossary validation: row problems plus what only shows across entries.

Across entries (and across files checked together, since they are loaded together):

* duplicate: two entries with the same Vietnamese form (as the matcher compares forms) and the
  same preferred rendering whose validity periods overlap;
* conflict: the same Vietnamese form with different preferred renderings and overlapping
  validity: the matcher could only pick one, so the data must say which applies when
  (valid_from/valid_to), e.g. ministries renamed in March 2025;
* a variant that matches exactly like its entry's vi or another variant (a warning: the
  matcher already ignores case, dashes, spacing and tone-mark placement, so it adds nothing).

Each entry is reported once, against the first earlier entry it clashes with.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from .entry import Entry
from .errors import Problem, Severity
from .formats import read_entries
from .tokens import FormKey, form_key


def check_files(paths: Iterable[str | Path]) -> list[Problem]:
    """Every problem of the given files checked together, in file order, then line order."""
    paths = [str(p) for p in paths]
    entries: list[Entry] = []
    problems: list[Problem] = []
    for path in paths:
        file_entries, file_problems = read_entries(path)
        entries += file_entries
        problems += file_problems
    problems += cross_entry_problems(entries)
    order = {path: index for index, path in enumerate(paths)}
    return sorted(problems, key=lambda p: (order.get(p.path, len(order)), p.line))


def cross_entry_problems(entries: list[Entry]) -> list[Problem]:
    """Duplicates, conflicting renderings and repeated variants among `entries`."""
    problems: list[Problem] = []
    by_form: dict[FormKey, list[Entry]] = defaultdict(list)
    for entry in entries:
        seen: dict[FormKey, str] = {}
        for form in entry.vi_forms:
            key = form_key(form)
            if key in seen:
                message = f"variant {form!r} is redundant: it matches like {seen[key]!r}"
                problems.append(_problem(entry, message, Severity.WARNING))
                continue
            seen[key] = form
            by_form[key].append(entry)
    reported: set[int] = set()
    for same_form in by_form.values():
        for later_index, later in enumerate(same_form):
            earlier = next((e for e in same_form[:later_index] if e.overlaps(later)), None)
            if earlier is not None and id(later) not in reported:
                reported.add(id(later))
                problems.append(_problem(later, _pair_message(earlier, later)))
    return problems


def _pair_message(earlier: Entry, later: Entry) -> str:
    mine, theirs = _preferred(later), _preferred(earlier)
    where = ":".join(map(str, _origin(earlier)))
    if mine == theirs:
        return f"duplicate entry {later.vi!r} -> {mine!r} (also at {where})"
    return (
        f"conflicting renderings of {later.vi!r}: {mine!r} here, {theirs!r} at {where}; "
        "if the name changed, give the entries non-overlapping valid_from/valid_to"
    )


def _preferred(entry: Entry) -> str:
    return entry.renderings[0] if entry.renderings else ""


def _origin(entry: Entry) -> tuple[str, int]:
    return entry.origin or ("<unsaved>", 0)


def _problem(entry: Entry, message: str, severity: Severity = Severity.ERROR) -> Problem:
    return Problem(*_origin(entry), message, severity)
