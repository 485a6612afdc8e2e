"""Whole-glossary validation: row problems plus what only shows across entries.

Files are judged together, as they are loaded together (`read_files` is what both
`vi2en glossary check` and `collection.load_glossary`, hence `vi2en translate`, use). Across
entries, for the same Vietnamese form (as the matcher compares forms) with overlapping validity:

* within one file: an error, since the file says two things and only one can be used:
  a duplicate (same approved rendering) or a conflict (different ones; if the name changed,
  the data must say when, with valid_from/valid_to, e.g. ministries renamed in March 2025);
* across files: a warning that the later file's entry **overrides** the earlier one, naming
  both file:lines. Later files take precedence (the matcher prefers the entry loaded last), so
  a team's glossary given after the shipped one changes its renderings on purpose;
* a variant that matches exactly like its entry's vi or another variant (a warning: the
  matcher already ignores case, dashes, spacing and tone-mark placement, so it adds nothing).

Each entry is reported once: against an earlier entry of its own file if there is one, else
against the latest earlier entry it overrides. A file given twice is read once (a warning).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from .entry import Entry
from .errors import Problem, Severity
from .formats import read_entries
from .tokens import FormKey, form_key


def check_files(paths: Iterable[str | Path], curated: bool = False) -> list[Problem]:
    """Every problem of the given files checked together, in file order, then line order.

    `curated`: every entry must give its type and source (the shipped data's rule).
    """
    return read_files(paths, curated)[1]


def read_files(paths: Iterable[str | Path], curated: bool = False) -> tuple[list[Entry], list[Problem]]:
    """The valid entries of the files in load order, and every problem: rows, then across entries."""
    paths = [str(p) for p in paths]
    entries: list[Entry] = []
    problems: list[Problem] = []
    read: dict[Path, str] = {}
    for path in paths:
        same = Path(path).resolve()
        if same in read:
            problems.append(Problem(path, 0, f"given more than once (as {read[same]!r}): read once", Severity.WARNING))
            continue
        read[same] = path
        file_entries, file_problems = read_entries(path, curated)
        entries += file_entries
        problems += file_problems
    problems += cross_entry_problems(entries)
    order = {path: index for index, path in enumerate(paths)}
    return entries, sorted(problems, key=lambda p: (order.get(p.path, len(order)), p.line))


def cross_entry_problems(entries: list[Entry]) -> list[Problem]:
    """Duplicates and conflicts within a file, overrides across files, repeated variants."""
    problems: list[Problem] = []
    for entry in entries:
        seen: dict[FormKey, str] = {}
        for form in entry.vi_forms:
            key = form_key(form)
            if key in seen:
                message = f"variant {form!r} is redundant: it matches like {seen[key]!r}"
                problems.append(_problem(entry, message, Severity.WARNING))
            seen.setdefault(key, form)
    for position, earlier in _clashes(entries):
        later, clashes = entries[position], [entries[i] for i in earlier]
        same_file = [e for e in clashes if _origin(e)[0] == _origin(later)[0]]
        if same_file:
            problems.append(_problem(later, _pair_message(same_file[0], later)))
        else:
            problems.append(_problem(later, _override_message(clashes[-1], later), Severity.WARNING))
    return problems


def overridden_by(entries: list[Entry]) -> dict[int, Entry]:
    """For each entry (by its index in ``entries``) that a later file's entry overrides, the one that takes
    precedence: the latest entry sharing one of its Vietnamese forms on some day of its validity, in another
    file (within a file such a pair is an error, see :func:`cross_entry_problems`).  Lookups mark them."""
    winner: dict[int, Entry] = {}
    for position, earlier in _clashes(entries):
        later = entries[position]
        for i in earlier:
            if _origin(entries[i])[0] != _origin(later)[0]:
                winner[i] = later  # entries come in load order: the last one found wins
    return winner


def _clashes(entries: list[Entry]) -> Iterable[tuple[int, list[int]]]:
    """Each entry (its index) that shares a Vietnamese form with earlier entries valid on a day it is, with
    those entries' indices (in load order): what the matcher resolves by taking the later one."""
    by_form: dict[FormKey, list[int]] = defaultdict(list)  # entry indices, in load order
    for position, later in enumerate(entries):
        keys = dict.fromkeys(form_key(form) for form in later.vi_forms)
        earlier = sorted({i for key in keys for i in by_form[key] if entries[i].overlaps(later)})
        if earlier:
            yield position, earlier
        for key in keys:
            by_form[key].append(position)


def _override_message(earlier: Entry, later: Entry) -> str:
    mine, theirs = _preferred(later), _preferred(earlier)
    where = ":".join(map(str, _origin(earlier)))
    what = "repeats" if mine == theirs else f"overrides {theirs!r} of"
    return f"{later.vi!r} -> {mine!r} {what} the entry at {where} (a later file takes precedence where both are valid)"


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
