"""Mining candidate glossary entries from Vietnamese articles, for a person to review.

Three kinds of candidates:

* acronym definitions, "Hội đồng tư vấn kinh doanh APEC (ABAC)": the long form (type guessed
  from its head noun, en left empty to fill in) and the acronym itself (type acronym, en
  pre-filled with the same letters, as English usually keeps them);
* person names after titles and honorifics (`names.find_titled_people`), also after an
  organisation ("Chủ tịch VITAS Vũ Đức Giang"), en pre-filled: a Vietnamese name without its
  diacritics, any other name as written ("Kim Sung-ho");
* capitalised multi-syllable names that occur at least `min_repeats` times.

Where the long form of an acronym starts is the hard part, since Vietnamese names are written
in sentence case ("Hội đồng tư vấn kinh doanh APEC") after lower-case words ("đại diện").
Possible starts, within one clause before the parenthesis: the capitalised head nouns of names
(`HEADS`: Hội đồng, Hiệp hội, Tổ chức, Công ước, Nhóm, ...), nearest first, then the
capitalised words that start a run of capitalised words. The long form starts at the first of
them that the acronym's letters support (`acronyms.fit`): the nearest head noun whose long form
they fully explain, else the first start with medium support ("Khu vực" cannot stand for RCEP, so
"Hiệp định Đối tác Kinh tế Toàn diện Khu vực" is taken; "Ngân hàng Việt Nam" leaves the A of VNBA
to guesswork, "Hiệp hội Ngân hàng Việt Nam" explains it). Failing that, at the
nearest lower-case word whose long form the letters fully explain ("quy định mới của EU về
chống phá rừng (EUDR)"), or an ALL-CAPS word starting a run; when nothing fits, at the nearest
capitalised start, marked low. A definition whose acronym the glossary already gives another long form is low too ("Abu
Dhabi (UAE)": the glossary knows UAE as a country, so the parenthesis names where Abu Dhabi is).

Every candidate has a confidence (high, medium, low) and its evidence: the letters explained,
the title and organisation before a name, why a name is or is not Vietnamese. Low candidates
are only listed when asked for (`min_confidence`), and then marked as such.

Candidates already in the glossary (as a Vietnamese form or an acronym) are left out, and so
are names inside glossary terms or titles. Each candidate carries its number of occurrences
in all the articles and one context line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from .acronyms import CONFIDENCES, FUNCTION_WORDS, HIGH, LOW, MEDIUM, Fit, fit
from .collection import Glossary
from .entry import Entry, EntryType
from .matcher import Matcher
from .names import TITLES, TitledName, find_titled_people, find_titles
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
_ACRONYM = re.compile(r"\((?P<acronym>[A-ZĐ][A-ZĐ0-9]*(?:[-/&][A-ZĐ0-9]+)*)\)")
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
    confidence: str = MEDIUM  # acronyms.HIGH, MEDIUM or LOW
    evidence: str = ""  # why the candidate and its boundaries are believed


def suggest(
    articles: Iterable[tuple[str, str]], glossary: Glossary, min_repeats: int = 2, min_confidence: str = MEDIUM
) -> list[Suggestion]:
    """Candidates from (name, text) articles that `glossary` lacks, ordered by kind, confidence, then count.

    `min_confidence` (high, medium or low): the least confidence listed; "low" lists everything.
    Raises ValueError for an unknown confidence or a `min_repeats` below 1.
    """
    if min_confidence not in CONFIDENCES:
        raise ValueError(f"min_confidence must be one of {', '.join(CONFIDENCES)}, not {min_confidence!r}")
    if min_repeats < 1:
        raise ValueError(f"min_repeats must be at least 1, not {min_repeats}")
    known = glossary.matcher()
    known_forms = {form_key(f).syllables for e in glossary for f in (*e.vi_forms, e.acronym) if f}
    acronyms = _known_acronyms(glossary)
    lines = [(f"{name}:{number}", line) for name, text in articles for number, line in enumerate(text.splitlines(), 1)]
    seen: dict[tuple[tuple[str, ...], str], Suggestion] = {}  # by (form, kind): the best evidence found anywhere
    for where, line in lines:
        for candidate in _candidates(line, where, known, acronyms):
            key = (form_key(candidate.entry.vi).syllables, candidate.kind)
            if key[0] in known_forms:
                continue
            first = seen.get(key)
            if first is None or _rank(candidate.confidence) < _rank(first.confidence):
                seen[key] = candidate
    people = [form for form, kind in seen if kind == PERSON]
    for key in [(form, kind) for form, kind in seen if kind == REPEATED_NAME and any(_inside(form, p) for p in people)]:
        del seen[key]  # "Thị Thắng" after a sentence-initial "Phan" is part of the name found after a title
    counts = _count(seen.values(), [line for _, line in lines])
    kept: dict[tuple[str, ...], Suggestion] = {}  # one row per form: the best kept candidate
    for (form, _kind), s in seen.items():
        s = replace(s, count=counts[s.entry])
        if (s.kind == REPEATED_NAME and s.count < min_repeats) or _rank(s.confidence) > _rank(min_confidence):
            continue
        other = kept.get(form)
        if other is None or (_rank(s.confidence), KINDS.index(s.kind)) < (_rank(other.confidence), KINDS.index(other.kind)):
            kept[form] = s
    suggestions = list(kept.values())
    return sorted(suggestions, key=lambda s: (KINDS.index(s.kind), _rank(s.confidence), -s.count))


def as_entries(suggestions: Iterable[Suggestion]) -> list[Entry]:
    """Suggestions as glossary entries, confidence, evidence, count and context in the note, ready for a TSV."""
    return [
        Entry(
            vi=s.entry.vi, en=s.entry.en, type=s.entry.type, acronym=s.entry.acronym, source=s.entry.source,
            note=f"confidence {s.confidence} ({s.kind}): {s.evidence}; {s.count}x; first at {s.where}: {s.context}",
        )
        for s in suggestions
    ]


def _inside(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    """Whether the syllables `part` stand together in `whole`."""
    return any(whole[i : i + len(part)] == part for i in range(len(whole) - len(part) + 1))


def _rank(confidence: str) -> int:
    return CONFIDENCES.index(confidence)


def _known_acronyms(glossary: Glossary) -> dict[str, Entry]:
    """The glossary's entries by the acronyms they give (as acronym, or as an ALL-CAPS Vietnamese form: "UAE")."""
    found: dict[str, Entry] = {}
    for entry in glossary:
        for form in (entry.acronym, *entry.vi_forms):
            if form and form.isupper() and " " not in form and entry.type is not EntryType.ACRONYM:
                found.setdefault(form, entry)
    return found


def _candidates(line: str, where: str, known: Matcher, acronyms: dict[str, Entry]) -> Iterable[Suggestion]:
    tokens = tokenize(line)
    yield from _acronym_definitions(line, tokens, where, known, acronyms)
    people = find_titled_people(line, known=known)
    for person in people:
        name = person.match
        entry = replace(name.entry, source="rule: Vietnamese names are written without diacritics" if not person.foreign
                        else "rule: foreign names keep their spelling")
        yield Suggestion(entry, PERSON, where, _context(line, name.start, name.end),
                         confidence=MEDIUM if person.cut else HIGH, evidence=_person_evidence(person))
    covered = [(m.start, m.end) for m in (*known.find(line), *find_titles(line), *(p.match for p in people))]
    for first, stop in _capitalised_runs(tokens):
        start, end = tokens[first].start, tokens[stop - 1].end
        if all(end <= a or b <= start for a, b in covered):
            entry = Entry(vi=line[start:end], en="", type=EntryType.OTHER, source=f"suggest: seen in {where}")
            yield Suggestion(entry, REPEATED_NAME, where, _context(line, start, end),
                             evidence="capitalised words inside sentences, after no title")


def _person_evidence(person: TitledName) -> str:
    after = f"after {person.title!r}" + (f" + {person.between!r}" if person.between else "")
    kind = (f"not Vietnamese ({person.foreign}): spelling kept" if person.foreign
            else "Vietnamese name: en without diacritics")
    cut = "; the name ends a longer run of capitalised words: check where it starts" if person.cut else ""
    return f"{after}; {kind}{cut}"


def _acronym_definitions(
    line: str, tokens: list[Token], where: str, known: Matcher, acronyms: dict[str, Entry]
) -> Iterable[Suggestion]:
    token_at = {token.start: i for i, token in enumerate(tokens)}
    heads = {m.start: m.entry for m in _HEAD_MATCHER.find(line)}
    for definition in _ACRONYM.finditer(line):
        acronym = definition.group("acronym")
        if sum(ch.isupper() for ch in acronym) < 2:
            continue
        paren = token_at[definition.start()]
        chosen = _supported_start(line, tokens, paren, _long_form_starts(tokens, paren, heads), acronym, known,
                                  acronyms)
        if chosen is None:
            continue
        first, evidence = chosen
        long_form = line[tokens[first].start : tokens[paren - 1].end]
        head = heads.get(tokens[first].start)
        kind = (head.type if head and head.source == _HEAD_SOURCE
                else EntryType.ORGANIZATION if tokens[first].capitalised else EntryType.OTHER)
        context = _context(line, tokens[first].start, definition.end())
        source = f"suggest: defined in {where}"
        found = {"confidence": evidence.confidence, "evidence": f"{acronym} = {long_form!r}: {evidence.evidence}"}
        yield Suggestion(Entry(vi=long_form, en="", type=kind, acronym=acronym, source=source),
                         ACRONYM_DEFINITION, where, context, **found)
        yield Suggestion(Entry(vi=acronym, en=acronym, type=EntryType.ACRONYM, source=source), ACRONYM, where, context,
                         **found)


def _supported_start(
    line: str, tokens: list[Token], paren: int, starts: list[list[int]], acronym: str, known: Matcher,
    acronyms: dict[str, Entry],
) -> tuple[int, Fit] | None:
    """The first start the acronym's letters support (rule in the module docstring), else the
    nearest capitalised one, marked low; None if there is no start at all."""
    named = starts[0] + starts[1] + starts[3]
    other = acronyms.get(acronym)
    if other is not None and named:
        return max(named), Fit(LOW, f"the glossary already has {acronym} as {other.vi!r} ({other.type.value}, "
                                     f"{other.approved!r}), so this parenthesis may not define it")
    heads = [(first, fit(acronym, line[tokens[first].start : tokens[paren - 1].end], known)) for first in starts[0]]
    best = next((h for h in heads if h[1].confidence == HIGH), None)  # a farther head that explains all
    if best is not None:
        return best
    fallback: tuple[int, Fit] | None = None
    for group, least, named in zip(starts, (MEDIUM, MEDIUM, HIGH, MEDIUM), (True, True, False, True)):
        for first in group:
            found = fit(acronym, line[tokens[first].start : tokens[paren - 1].end], known)
            if _rank(found.confidence) <= _rank(least):
                return first, found
            if named and (fallback is None or first > fallback[0]):
                fallback = first, found  # unsupported: the shortest capitalised long form, marked low
    return fallback


def _long_form_starts(tokens: list[Token], paren: int, heads: dict[int, Entry]) -> list[list[int]]:
    """Token indexes where the long form before `(` may start, in the order they are tried: capitalised
    head nouns, then words starting a capitalised run, nearest first; then any other content word,
    shortest long form first (lower-case terms: "vốn đầu tư trực tiếp nước ngoài (FDI)"); then
    ALL-CAPS words starting a run ("USD ...")."""
    clause: list[int] = []
    for index in range(paren - 1, max(paren - 1 - _MAX_LONG_FORM, -1), -1):
        if not tokens[index].is_word:
            break
        clause.append(index)
    head_starts = [i for i in clause
                   if tokens[i].capitalised and (h := heads.get(tokens[i].start)) and h.source == _HEAD_SOURCE]
    runs = [i for i in clause if tokens[i].capitalised and (i == clause[-1] or not tokens[i - 1].capitalised)]
    # A sentence's first word says nothing by its capital: it is tried as a lower-case word.
    named = [i for i in runs if not tokens[i].text.isupper() and i not in head_starts and not _sentence_start(tokens, i)]
    caps = [i for i in runs if tokens[i].text.isupper() and i not in head_starts]
    others = [i for i in clause if i not in head_starts and i not in runs and tokens[i].key not in FUNCTION_WORDS]
    return [head_starts, named, others, caps]


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
