"""Mining candidate glossary entries from Vietnamese articles, for a person to review.

Three kinds of candidates:

* acronym definitions, "Hội đồng tư vấn kinh doanh APEC (ABAC)": the long form (type guessed
  from its head noun, en left empty to fill in) and the acronym itself (type acronym, en
  pre-filled with the same letters, as English usually keeps them);
* person names after titles and honorifics (`names.find_titled_names`), en pre-filled by the
  unaccent rule;
* capitalised multi-syllable names that occur at least `min_repeats` times.

Where the long form of an acronym starts is the hard part, since Vietnamese names are written
in sentence case ("Hội đồng tư vấn kinh doanh APEC") after lower-case words ("đại diện").
The long form starts at the nearest capitalised head noun of a name (`HEADS`: Hội đồng, Hiệp
hội, Tổ chức, Công ước, Nhóm, ...) before the parenthesis, within one clause; without a
head noun, at the nearest capitalised word that starts a run of capitalised words.

Candidates already in the glossary (as a Vietnamese form or an acronym) are left out, and so
are names inside glossary terms or titles. Each candidate carries its number of occurrences
in all the articles and one context line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from .collection import Glossary
from .entry import Entry, EntryType
from .matcher import Matcher
from .names import TITLES, find_titled_names, find_titles
from .tokens import Token, form_key, tokenize

ACRONYM_DEFINITION = "acronym definition"
ACRONYM = "acronym"
PERSON = "person after a title"
REPEATED_NAME = "repeated name"
KINDS = (ACRONYM_DEFINITION, ACRONYM, PERSON, REPEATED_NAME)  # output order

HEADS: dict[str, EntryType] = {
    **dict.fromkeys(("Hiệp định", "Hiệp ước", "Công ước", "Nghị định thư", "Thỏa thuận", "Thoả thuận",
                     "Bản ghi nhớ"), EntryType.AGREEMENT),
    **dict.fromkeys(("Hội nghị", "Hội nghị thượng đỉnh", "Đối thoại", "Tuần lễ", "Hội chợ", "Triển lãm"),
                    EntryType.EVENT),
    **dict.fromkeys(("Tuyên bố", "Kế hoạch", "Chiến lược", "Lộ trình", "Nghị quyết", "Báo cáo", "Khuôn khổ",
                     "Tầm nhìn"), EntryType.DOCUMENT),
    **dict.fromkeys(("Hội đồng", "Hiệp hội", "Tổ chức", "Diễn đàn", "Nhóm", "Ủy ban", "Uỷ ban", "Ban", "Quỹ",
                     "Ngân hàng", "Liên minh", "Liên đoàn", "Cơ quan", "Viện", "Trung tâm", "Tập đoàn",
                     "Tổng công ty", "Công ty", "Bộ", "Cục", "Tổng cục", "Văn phòng", "Cộng đồng", "Phòng",
                     "Đại học", "Mạng lưới", "Chương trình", "Sáng kiến", "Cơ chế", "Hãng", "Thông tấn xã",
                     "Đảng", "Mặt trận", "Tòa án", "Toà án", "Khu vực"), EntryType.ORGANIZATION),
}
_HEAD_SOURCE = "rule: head noun"
# Titles are in the same matcher so that "Bộ trưởng" (a title) is never read as the head "Bộ".
_HEAD_MATCHER = Matcher(
    [Entry(vi=head, en="", type=kind, source=_HEAD_SOURCE) for head, kind in HEADS.items()]
    + [Entry(vi=title, en="", type=EntryType.TITLE, source="rule: title") for title in TITLES]
)
_ACRONYM = re.compile(r"\((?P<acronym>[A-Z][A-Z0-9]*(?:[-/&][A-Z0-9]+)*)\)")
_MAX_LONG_FORM = 20  # tokens: a long form is one noun phrase, not a sentence
_CLAUSE_PUNCTUATION = ".!?…:;“\"("  # after these a capital says nothing about a name
_CONTEXT_CHARS = 70


@dataclass(frozen=True)
class Suggestion:
    """A candidate entry with the evidence a reviewer needs."""

    entry: Entry
    kind: str
    where: str  # file:line of the first occurrence
    context: str  # that line, shortened around the occurrence
    count: int = 0  # occurrences in all the articles


def suggest(articles: Iterable[tuple[str, str]], glossary: Glossary, min_repeats: int = 2) -> list[Suggestion]:
    """Candidates from (name, text) articles that `glossary` lacks, ordered by kind, then count."""
    known = glossary.matcher()
    known_forms = {form_key(f).syllables for e in glossary for f in (*e.vi_forms, e.acronym) if f}
    lines = [(f"{name}:{number}", line) for name, text in articles for number, line in enumerate(text.splitlines(), 1)]
    seen: dict[tuple[str, ...], Suggestion] = {}
    for where, line in lines:
        for candidate in _candidates(line, where, known):
            key = form_key(candidate.entry.vi).syllables
            if key not in known_forms:
                seen.setdefault(key, candidate)
    counts = _count(seen.values(), [line for _, line in lines])
    suggestions = [
        replace(s, count=counts[s.entry])
        for s in seen.values()
        if s.kind != REPEATED_NAME or counts[s.entry] >= min_repeats
    ]
    return sorted(suggestions, key=lambda s: (KINDS.index(s.kind), -s.count))


def as_entries(suggestions: Iterable[Suggestion]) -> list[Entry]:
    """Suggestions as glossary entries, count and context in the note, ready for a TSV."""
    return [
        Entry(
            vi=s.entry.vi, en=s.entry.en, type=s.entry.type, acronym=s.entry.acronym, source=s.entry.source,
            note=f"suggested ({s.kind}), {s.count}x; first at {s.where}: {s.context}",
        )
        for s in suggestions
    ]


def read_articles(paths: Iterable[str | Path]) -> list[tuple[str, str]]:
    """(name, text) of each article file, named as given."""
    return [(str(path), Path(path).read_text(encoding="utf-8")) for path in paths]


def _candidates(line: str, where: str, known: Matcher) -> Iterable[Suggestion]:
    tokens = tokenize(line)
    yield from _acronym_definitions(line, tokens, where)
    names = find_titled_names(line, known=known)
    for name in names:
        entry = Entry(vi=name.entry.vi, en=name.entry.en, type=EntryType.PERSON,
                      source="rule: Vietnamese names are written without diacritics")
        yield Suggestion(entry, PERSON, where, _context(line, name.start, name.end))
    covered = [(m.start, m.end) for m in (*known.find(line), *find_titles(line), *names)]
    for first, stop in _capitalised_runs(tokens):
        start, end = tokens[first].start, tokens[stop - 1].end
        if all(end <= a or b <= start for a, b in covered):
            entry = Entry(vi=line[start:end], en="", type=EntryType.OTHER, source=f"suggest: seen in {where}")
            yield Suggestion(entry, REPEATED_NAME, where, _context(line, start, end))


def _acronym_definitions(line: str, tokens: list[Token], where: str) -> Iterable[Suggestion]:
    token_at = {token.start: i for i, token in enumerate(tokens)}
    heads = {m.start: m.entry for m in _HEAD_MATCHER.find(line)}
    for definition in _ACRONYM.finditer(line):
        acronym = definition.group("acronym")
        if sum(ch.isupper() for ch in acronym) < 2:
            continue
        first = _long_form_start(tokens, token_at[definition.start()], heads)
        if first is None:
            continue
        paren = token_at[definition.start()]
        long_form = line[tokens[first].start : tokens[paren - 1].end]
        head = heads.get(tokens[first].start)
        kind = head.type if head and head.source == _HEAD_SOURCE else EntryType.ORGANIZATION
        context = _context(line, tokens[first].start, definition.end())
        source = f"suggest: defined in {where}"
        yield Suggestion(Entry(vi=long_form, en="", type=kind, acronym=acronym, source=source),
                    ACRONYM_DEFINITION, where, context)
        yield Suggestion(Entry(vi=acronym, en=acronym, type=EntryType.ACRONYM, source=source), ACRONYM, where, context)


def _long_form_start(tokens: list[Token], paren: int, heads: dict[int, Entry]) -> int | None:
    """Token index where the long form before `(` starts (rule in the module docstring)."""
    clause: list[int] = []
    for index in range(paren - 1, max(paren - 1 - _MAX_LONG_FORM, -1), -1):
        if not tokens[index].is_word:
            break
        clause.append(index)
    for index in clause:
        head = heads.get(tokens[index].start)
        if head is not None and head.source == _HEAD_SOURCE and tokens[index].capitalised:
            return index
    for index in clause:
        previous = index - 1
        if tokens[index].capitalised and (index == clause[-1] or not tokens[previous].capitalised):
            return index
    return None


def _capitalised_runs(tokens: list[Token]) -> Iterable[tuple[int, int]]:
    """(first, stop) token ranges of 2+ capitalised words. A sentence's first word is left out,
    since its capital says nothing ("Trong Hội nghị"); names standing there are still counted
    through their other occurrences."""
    run: list[int] = []
    for index, token in enumerate(tokens):
        if token.is_word and token.capitalised and not _sentence_start(tokens, index):
            run.append(index)
            continue
        if len(run) >= 2:
            yield run[0], run[-1] + 1
        run = []
    if len(run) >= 2:
        yield run[0], run[-1] + 1


def _sentence_start(tokens: list[Token], index: int) -> bool:
    return index == 0 or tokens[index - 1].text in _CLAUSE_PUNCTUATION


def _count(seen: Iterable[Suggestion], lines: list[str]) -> dict[Entry, int]:
    """Occurrences of every candidate in all lines, matched like glossary terms.

    Each kind is counted on its own, so that a candidate of one kind does not hide another
    that overlaps it (the acronym inside a long form, a name inside a capitalised run).
    """
    seen = list(seen)
    counts: dict[Entry, int] = {s.entry: 0 for s in seen}
    for kind in KINDS:
        matcher = Matcher(s.entry for s in seen if s.kind == kind)
        for line in lines:
            for match in matcher.find(line):
                counts[match.entry] += 1
    return counts


def _context(line: str, start: int, end: int) -> str:
    """The line around [start, end), cut to about 2 x _CONTEXT_CHARS characters."""
    left = max(0, start - _CONTEXT_CHARS)
    right = min(len(line), end + _CONTEXT_CHARS)
    snippet = " ".join(line[left:right].split())
    return ("…" if left else "") + snippet + ("…" if right < len(line) else "")
