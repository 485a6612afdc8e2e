"""What an editor changed in a post-edited document: changed segments, edit rate, glossary corrections.

The edit rate is HTER: sacreBLEU's TER of vi2en's machine output against the editor's final text
(the edits needed to turn one into the other, per word of the final text), so 0 means accepted as is.

A **glossary correction** is a place where the machine output held a term's required rendering
(``glossary.requirements`` decides, as everywhere) and the edited text no longer does: the editor
replaced an approved glossary rendering, or changed a person's name that is not in the glossary
and was rendered by rule.  What the editor wrote instead is found by aligning the two texts word by
word (difflib); each correction becomes a candidate glossary row for review with
``vi2en glossary check``, never a change to the glossary itself.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from sacrebleu.metrics import TER

from glossary import Entry
from glossary.requirements import count_rendering, find_renderings

from .memory import normalise
from .xliff import MarkedTerm, XliffDocument, XliffSegment

_WORD = re.compile(r"\S+")
_EDGE_PUNCTUATION = " ,.;:!?\"'()[]“”‘’«»"
#: How ``glossary.names`` names the source of an entry it made by rule (a person's name after a title).
RULE_PREFIX = "rule:"


@dataclass(frozen=True)
class Correction:
    """The editor replaced ``machine`` (a required rendering of ``term``) by ``edited``."""

    doc_id: str
    line: int  # 1-based line of the document
    segment: str
    term: MarkedTerm
    machine: str
    edited: str

    @property
    def in_glossary(self) -> bool:
        """False for a name the glossary lacks (its entry is the rule that rendered it, ``rule: …``)."""
        return not self.term.entry.startswith(RULE_PREFIX)

    def candidate(self) -> Entry:
        """The correction as a glossary row to review (``source`` says where it was seen)."""
        approved = self.term.renderings[0] if self.term.renderings else self.machine
        if self.in_glossary:
            note = f"editor replaced the approved rendering {approved!r} ({self.term.entry}); machine output {self.machine!r}"
        else:
            note = f"editor changed a name not in the glossary (rendered by {self.term.entry[len(RULE_PREFIX):].strip()} as {approved!r})"
        return Entry(vi=self.term.source, en=self.edited, type=self.term.type or "other",
                     source=f"post-edit of {self.doc_id}, line {self.line}, segment {self.segment}", note=note)


@dataclass
class PostEditReport:
    """One imported document: how much the editor changed and which glossary decisions they overrode."""

    doc_id: str
    segments: int = 0
    changed: int = 0
    approved: int = 0
    without_machine: int = 0  # segments whose machine output the file no longer carries
    edit_rate: float | None = None  # TER (%) of the machine output against the final text
    corrections: list[Correction] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "doc": self.doc_id, "segments": self.segments, "changed": self.changed, "approved": self.approved,
            "edit_rate": self.edit_rate, "without_machine_output": self.without_machine,
            "corrections": [
                {"line": c.line, "segment": c.segment, "source": c.term.source, "machine": c.machine, "edited": c.edited,
                 "entry": c.term.entry, "in_glossary": c.in_glossary}
                for c in self.corrections
            ],
        }


def review(document: XliffDocument) -> PostEditReport:
    """Compare each segment's final text with vi2en's output."""
    report = PostEditReport(document.doc_id)
    machine, final = [], []
    for segment in document.segments:
        if not segment.source.strip():
            continue
        report.segments += 1
        report.approved += segment.approved
        if segment.machine is None:
            report.without_machine += 1
            continue
        machine.append(segment.machine)
        final.append(segment.target)
        if normalise(segment.machine) != normalise(segment.target):
            report.changed += 1
            report.corrections += _corrections(document.doc_id, segment)
    if machine:
        report.edit_rate = round(TER().corpus_score(machine, [final]).score, 2)
    return report


def _corrections(doc_id: str, segment: XliffSegment) -> list[Correction]:
    """The required renderings the machine output had and the edited text lost."""
    found: list[Correction] = []
    seen: set[tuple[str, ...]] = set()
    assert segment.machine is not None
    for term in segment.terms:
        if term.renderings in seen or not term.renderings:
            continue
        seen.add(term.renderings)
        lost = count_rendering(segment.machine, term.renderings) - count_rendering(segment.target, term.renderings)
        if lost <= 0:
            continue
        for occurrence in find_renderings(segment.machine, term.renderings)[:lost]:
            edited = _aligned(segment.machine, segment.target, occurrence.start, occurrence.end)
            if edited:
                found.append(Correction(doc_id, segment.line + 1, segment.id, term,
                                        segment.machine[occurrence.start : occurrence.end], edited))
    return found


def _aligned(machine: str, edited: str, start: int, end: int) -> str:
    """The words of ``edited`` that stand where machine[start:end] stood (word-level alignment)."""
    a = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(machine)]
    b = [m.group() for m in _WORD.finditer(edited)]
    first = next((i for i, (s, e, _) in enumerate(a) if e > start), len(a))
    last = next((i for i, (s, e, _) in enumerate(a) if s >= end), len(a))
    lo, hi = len(b), 0
    opcodes = difflib.SequenceMatcher(a=[w for *_, w in a], b=b, autojunk=False).get_opcodes()
    for tag, a1, a2, b1, b2 in opcodes:
        touches = a1 < last and a2 > first if a1 < a2 else first < a1 < last  # an insertion inside the span
        if not touches:
            continue
        if tag == "equal":
            b1, b2 = b1 + max(a1, first) - a1, b1 + min(a2, last) - a1
        lo, hi = min(lo, b1), max(hi, b2)
    return " ".join(b[lo:hi]).strip(_EDGE_PUNCTUATION) if lo < hi else ""
