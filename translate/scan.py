"""Which glossary entries fire in an article, and where: the decisions a translation will make, shown
before anything is translated (``vi2en glossary scan``).

It reads the article exactly as ``vi2en translate`` does: the same document structure (only the parts
sent to the model, plus the rule-rendered credits), the same article date choosing among names that
changed over time, and the same :func:`glossary.requirements.requirements_for`, so what it lists is
what the run will require.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterator

from glossary import Matcher
from glossary.entry import Entry
from glossary.requirements import requirements_for

from .article_date import article_day
from .document import parse_document


@dataclass(frozen=True)
class Firing:
    """One term occurrence: ``text`` at ``line``:``column`` (1-based) of the article."""

    line: int
    column: int
    text: str
    entry: Entry
    renderings: tuple[str, ...]

    @property
    def origin(self) -> str:
        """Where the entry comes from: ``file:line``, or the rule that made it (a name after a title)."""
        return self.entry.location or self.entry.source


def scan_article(text: str, glossary_entries: tuple[Entry, ...], *, day: date | None = None, policy: str = "approved",
                 published: date | None = None) -> tuple[date | None, list[Firing]]:
    """The article's date (``day`` if given, else its own: ``published``, the date its format's metadata
    gives, or its text's) and every term the translation will require."""
    used_day = day or article_day(text, published)
    matcher = Matcher(glossary_entries, today=used_day)
    return used_day, list(_firings(text, matcher, policy))


def _firings(text: str, matcher: Matcher, policy: str) -> Iterator[Firing]:
    document = parse_document(text)
    for number, line in enumerate(document.lines, start=1):
        parts = []  # (column offset of the part in the line, text of the part)
        cursor = len(line.prefix)
        for sentence in line.sentences:
            found = line.body.find(sentence, cursor - len(line.prefix))
            offset = len(line.prefix) + found if found >= 0 else cursor
            parts.append((offset, sentence))
            cursor = offset + len(sentence)
        if line.has_credit:  # rendered by rule: its names are required too
            parts.append((len(line.prefix) + len(line.body), line.suffix))
        for offset, part in parts:
            for requirement in requirements_for(part, matcher, policy):
                yield Firing(number, offset + requirement.start + 1, requirement.source_text, requirement.entry,
                             requirement.renderings)
