"""Batch runs: many input documents in, mirrored outputs and one report out.

This is the layer the ``vi2en translate`` command drives: it reads inputs lazily
(``translate.inputs``), skips documents a previous run finished (``translate.journal``), streams the
rest through the :class:`~translate.pipeline.Translator`, writes each output atomically the moment it
is ready, and keeps a :class:`RunReport` so that nothing — an unreadable file, an unmet glossary term,
a segment-count mismatch — goes unmentioned.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence, TextIO

from tqdm import tqdm

from .inputs import InputProblem, SourceDocument, read_documents
from .journal import Journal, atomic_write_text, fingerprint
from .pipeline import DocumentResult, Translator
from .tmx import document_tmx
from .xliff import xliff12, xliff21


@dataclass
class RunReport:
    """Counts and problems of one run; ``exit_code`` is what the CLI returns."""

    documents: int = 0
    translated: int = 0
    skipped: int = 0
    segments: int = 0
    segments_with_terms: int = 0
    terms_required: int = 0
    terms_met: int = 0
    double_renderings: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    unmet: list[tuple[str, int, str, list[str]]] = field(default_factory=list)
    mismatches: list[tuple[str, str]] = field(default_factory=list)
    glossary_mode: str = "off"
    memory: bool = False  # a translation memory was given (--tm)
    memory_exact: int = 0
    memory_offers: int = 0
    decoded: int = 0
    memory_stale: list[tuple[str, int]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 all good; 1 some document failed, a term is unmet in hard mode, or segments mismatched."""
        hard_unmet = self.glossary_mode == "hard" and bool(self.unmet)
        return 1 if self.failed or hard_unmet or self.mismatches else 0

    def add(self, result: DocumentResult) -> None:
        self.translated += 1
        self.segments += len(result.segments)
        out_lines = len(result.text.split("\n"))
        if out_lines != result.source_lines:
            self.mismatches.append((result.doc_id, f"{result.source_lines} source lines, {out_lines} in the translation"))
        for seg in result.segments:
            if seg.terms:
                self.segments_with_terms += 1
            self.terms_required += len(seg.terms)
            self.terms_met += sum(t.met for t in seg.terms)
            self.double_renderings += len(seg.double_renderings)
            self.unmet.extend((result.doc_id, seg.index, t.source, t.required) for t in seg.terms if not t.met)
            self.memory_exact += seg.memory == "exact"
            self.memory_offers += len(seg.memory_offers)
            self.decoded += seg.memory != "exact" and bool(seg.source.strip())
            if seg.memory == "stale":
                self.memory_stale.append((result.doc_id, seg.index))

    def summary(self) -> list[str]:
        lines = [
            f"documents: {self.documents} ({self.translated} translated, {self.skipped} already done, {len(self.failed)} failed)",
            f"segments: {self.segments}",
        ]
        if self.glossary_mode != "off":
            share = f"{100 * self.terms_met / self.terms_required:.1f}%" if self.terms_required else "n/a"
            lines.append(
                f"glossary ({self.glossary_mode}): {self.segments_with_terms} segments with terms, "
                f"{self.terms_required} terms required, {self.terms_met} met ({share}), "
                f"{self.double_renderings} possible double renderings"
            )
        if self.memory:
            lines.append(
                f"translation memory: {self.memory_exact} exact matches reused, {self.memory_offers} fuzzy offers, "
                f"{self.decoded} segments decoded ({len(self.memory_stale)} exact matches lacked a glossary rendering)"
            )
        lines += [f"stale memory: {doc} segment {i}: the memory's translation lacks a required glossary rendering; decoded instead"
                  for doc, i in self.memory_stale]
        lines += [f"unmet term: {doc} segment {i}: {src!r} → {' | '.join(req)}" for doc, i, src, req in self.unmet]
        lines += [f"segment mismatch: {doc}: {msg}" for doc, msg in self.mismatches]
        lines += [f"warning: {doc}: {msg}" for doc, msg in self.warnings]
        lines += [f"failed: {doc}: {msg}" for doc, msg in self.failed]
        return lines


def run_batch(
    translator: Translator,
    inputs: Sequence[str | Path],
    outdir: Path | None,
    *,
    options: Mapping[str, object],
    lines: bool = False,
    output_format: str = "text",
    stdout: TextIO | None = None,
    quiet: bool = False,
) -> RunReport:
    """Translate every readable document of ``inputs``; outputs mirror input names under ``outdir``.

    Without ``outdir`` the translations go to ``stdout`` (no resuming then); its default is ``sys.stdout``
    as it is at call time, not at import, so a redirected stdout is honoured.  ``options`` are the settings
    that shape the output (model, glossary, beams …): they enter each document's fingerprint.
    """
    stdout = stdout if stdout is not None else sys.stdout
    report = RunReport(
        glossary_mode=translator.glossary_mode if translator.glossary is not None else "off", memory=translator.memory is not None
    )
    journal = Journal(outdir) if outdir is not None else None
    pending: dict[str, tuple[SourceDocument, Path | None, str]] = {}

    def to_translate() -> Iterator[tuple[str, str]]:
        for item in read_documents(inputs):
            report.documents += 1
            if isinstance(item, InputProblem):
                report.failed.append((item.doc_id, item.message))
                continue
            report.warnings.extend((item.doc_id, w) for w in item.warnings)
            target = _output_path(outdir, item, output_format) if outdir is not None else None
            key = fingerprint(item.text, {**options, "lines": lines, "format": output_format})
            if journal is not None and target is not None and journal.is_done(target, key):
                report.skipped += 1
                continue
            pending[item.doc_id] = (item, target, key)
            yield item.doc_id, item.text

    with tqdm(unit="seg", disable=True if quiet else None, desc="translating", file=sys.stderr) as bar:
        for result in translator.translate_documents(to_translate(), lines=lines, progress=bar.update):
            _, target, key = pending.pop(result.doc_id)
            report.add(result)
            text = OUTPUT_FORMATS[output_format][1](result)
            if target is None:
                stdout.write(text)
                stdout.flush()
            else:
                atomic_write_text(target, text)
                assert journal is not None
                journal.record(target, key, text)
    return report


def _output_path(outdir: Path, item: SourceDocument, output_format: str) -> Path:
    suffix = OUTPUT_FORMATS[output_format][0]
    return outdir / (item.output_relpath.with_suffix(suffix) if suffix else item.output_relpath)


def _text(result: DocumentResult) -> str:
    return result.text if result.text.endswith("\n") else result.text + "\n"


def _jsonl(result: DocumentResult) -> str:
    return "".join(json.dumps(s.to_json(), ensure_ascii=False) + "\n" for s in result.segments)


#: ``--format`` name → (output suffix, None = the input's; writer of one document's output).
OUTPUT_FORMATS: dict[str, tuple[str | None, Callable[[DocumentResult], str]]] = {
    "text": (None, _text),
    "jsonl": (".jsonl", _jsonl),
    "xliff": (".xlf", xliff21),
    "xliff12": (".xlf", xliff12),
    "tmx": (".tmx", document_tmx),
}
