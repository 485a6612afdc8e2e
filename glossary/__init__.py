"""Bilingual Vietnamese-English glossary: entries, files, matching in text, lookup, mining.

    from glossary import load_glossary
    glossary = load_glossary(*default_paths())  # the shipped glossary/data/*.tsv
    for match in glossary.matcher().find("Bộ trưởng Bộ Công Thương"):
        print(match.start, match.end, match.entry.en)
"""

from .collection import Glossary, default_paths, load_glossary
from .entry import Entry, EntryType
from .errors import GlossaryError, Problem
from .matcher import Match, Matcher

__all__ = [
    "Entry", "EntryType", "Glossary", "GlossaryError", "Match", "Matcher", "Problem", "default_paths",
    "load_glossary",
]
