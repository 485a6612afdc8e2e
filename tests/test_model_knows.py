"""A model that already knows: the glossary must not damage a translation that was already right.

Issue 11, item 8.  Random-weight test models know nothing, so they cannot show what the constraint layer
does to a good translation.  Here a tiny Marian model is trained, in seconds, to reproduce short corpus
segments that hold terms of the built-in glossary (``scripts/train_tiny_model.py``); its unconstrained
output is then the reference, written in the house style, so with the glossary on (hard mode, the default
search) a user may expect:

* BLEU within 1 point of the unconstrained output;
* no double renderings in the segment records;
* the reference itself wherever the reference already uses the approved rendering of every required term.

The first test checks that the model did learn (else the others would mean nothing) and prints the figures
(``pytest -s``).  Segments are translated one article per document, as a user translates articles.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from sacrebleu.metrics import BLEU

from glossary import Glossary, default_paths, load_glossary
from glossary.requirements import count_rendering, requirements_for
from translate.decoding.beam_search import SearchOptions
from translate.evaluate.testsets import load_testset
from translate.decoding.model import LoadedModel, load_model
from translate.pipeline import SegmentRecord, Translator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from train_tiny_model import train_memorising_model  # noqa: E402  (scripts/ is not a package)

SEGMENTS = 20
"""How many corpus pairs the model learns: the shortest that hold a glossary term."""
STEPS = 400
"""Upper bound on training steps; the trainer stops once every reference token is learned (~170 steps)."""
SEED = 0
LEARNED = 0.9
"""Share of segments the unconstrained model must reproduce exactly for the other tests to mean anything."""
MODES = ("off", "hard")


@dataclass(frozen=True)
class Case:
    """A corpus segment the model learns, with its article and whether its reference uses approved renderings."""

    article: str
    source: str
    reference: str
    unapproved: tuple[str, ...]
    """Required terms whose approved rendering the reference does not use ("vi = approved en")."""

    @property
    def approved(self) -> bool:
        return not self.unapproved


@dataclass(frozen=True)
class Run:
    """The segment records of one glossary mode, in case order."""

    mode: str
    records: list[SegmentRecord]

    @property
    def targets(self) -> list[str]:
        return [record.target for record in self.records]


def unapproved_terms(source: str, reference: str, glossary: Glossary) -> list[str]:
    """Required terms ("vi = approved en") whose approved rendering ``reference`` holds less often than needed."""
    requirements = requirements_for(source, glossary.matcher())
    needed = Counter(r.entry.en for r in requirements)
    return sorted({f"{r.source_text} = {r.entry.en}" for r in requirements
                   if count_rendering(reference, (r.entry.en,)) < needed[r.entry.en]})


def known_cases(glossary: Glossary, n: int) -> list[Case]:
    """The ``n`` shortest reference pairs (source + reference words) that hold a term; ties in corpus order."""
    testset = load_testset("domain", ROOT)
    article = {i: doc.name for doc in testset.documents for i in range(doc.start, doc.end)}
    matcher = glossary.matcher()
    with_terms = [i for i, source in enumerate(testset.sources) if requirements_for(source, matcher)]
    chosen = sorted(with_terms, key=lambda i: (len(testset.sources[i].split()) + len(testset.references[i].split()), i))
    return [
        Case(article[i], testset.sources[i], testset.references[i],
             tuple(unapproved_terms(testset.sources[i], testset.references[i], glossary)))
        for i in sorted(chosen[:n])
    ]


def bleu(run: Run, cases: list[Case]) -> float:
    return BLEU().corpus_score(run.targets, [[case.reference for case in cases]]).score


@pytest.fixture(scope="module")
def builtin() -> Glossary:
    return load_glossary(*default_paths())


@pytest.fixture(scope="module")
def cases(builtin: Glossary) -> list[Case]:
    return known_cases(builtin, SEGMENTS)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, cases: list[Case]) -> tuple[LoadedModel, float]:
    """The memorising model and the CPU seconds its training took."""
    started = time.process_time()
    path = train_memorising_model(tmp_path_factory.mktemp("knows"), [(c.source, c.reference) for c in cases],
                                  steps=STEPS, seed=SEED)
    seconds = time.process_time() - started
    return load_model(str(path)), seconds


@pytest.fixture(scope="module")
def runs(trained: tuple[LoadedModel, float], builtin: Glossary, cases: list[Case]) -> dict[str, Run]:
    """Every case translated with the glossary off and hard, each article's cases as one document."""
    groups: dict[str, list[int]] = {}
    for i, case in enumerate(cases):
        groups.setdefault(case.article, []).append(i)
    documents = [(article, "\n".join(cases[i].source for i in members)) for article, members in groups.items()]
    result = {}
    for mode in MODES:
        translator = Translator(trained[0], builtin, glossary_mode=mode, search=SearchOptions())
        records: list[SegmentRecord | None] = [None] * len(cases)
        for document in translator.translate_documents(documents, lines=True):
            for i, record in zip(groups[document.doc_id], document.segments, strict=True):
                records[i] = record
        result[mode] = Run(mode, [record for record in records if record is not None])
    return result


def differences(cases: list[Case], runs: dict[str, Run], which: list[int]) -> str:
    return "\n".join(
        f"  [{case.article}] {case.source}\n    reference: {case.reference}\n"
        + "".join(f"    {mode:>9}: {runs[mode].targets[i]}\n" for mode in MODES)
        for i, case in enumerate(cases) if i in which
    )


def test_the_model_knows_its_segments(trained: tuple[LoadedModel, float], cases: list[Case],
                                      runs: dict[str, Run]) -> None:
    """Guards the others: the unconstrained model reproduces its references, and enough use approved renderings."""
    off, hard = runs["off"], runs["hard"]
    exact = {mode: sum(t == c.reference for t, c in zip(runs[mode].targets, cases)) for mode in MODES}
    approved = [i for i, case in enumerate(cases) if case.approved]
    approved_exact = sum(hard.targets[i] == cases[i].reference for i in approved)
    print(f"\nmodel that already knows: {len(cases)} segments from {len({c.article for c in cases})} articles, "
          f"trained in {trained[1]:.1f} s CPU; BLEU off {bleu(off, cases):.1f}, hard {bleu(hard, cases):.1f}; "
          f"exact matches off {exact['off']}/{len(cases)}, hard {exact['hard']}/{len(cases)}; "
          f"references in approved renderings {len(approved)}, hard output equal to them {approved_exact}/{len(approved)}; "
          f"double renderings in hard records {sum(len(r.double_renderings) for r in hard.records)}")
    for case in cases:
        if case.unapproved:
            print(f"  reference not in the approved rendering: {case.reference!r} ({'; '.join(case.unapproved)})")
    missed = [i for i, (t, c) in enumerate(zip(off.targets, cases)) if t != c.reference]
    assert exact["off"] >= LEARNED * len(cases), (
        f"the model did not learn its segments ({exact['off']}/{len(cases)} exact), so the glossary tests mean "
        f"nothing:\n{differences(cases, runs, missed)}"
    )
    assert len(approved) >= len(cases) // 3, "too few references in the approved renderings to test the guarantee"


def test_the_glossary_keeps_bleu(cases: list[Case], runs: dict[str, Run]) -> None:
    off, hard = bleu(runs["off"], cases), bleu(runs["hard"], cases)
    changed = [i for i in range(len(cases)) if runs["hard"].targets[i] != runs["off"].targets[i]]
    assert hard >= off - 1.0, f"BLEU hard {hard:.1f} < off {off:.1f} - 1:\n{differences(cases, runs, changed)}"


def test_the_glossary_adds_no_double_renderings(cases: list[Case], runs: dict[str, Run]) -> None:
    doubled = {i: r.double_renderings for i, r in enumerate(runs["hard"].records) if r.double_renderings}
    assert doubled == {}, differences(cases, runs, list(doubled))


def test_where_the_reference_uses_the_approved_renderings_the_output_is_the_reference(
    cases: list[Case], runs: dict[str, Run]
) -> None:
    changed = [i for i, case in enumerate(cases) if case.approved and runs["hard"].targets[i] != case.reference]
    assert changed == [], f"{len(changed)} references damaged by the glossary:\n{differences(cases, runs, changed)}"
