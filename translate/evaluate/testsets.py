"""The test sets that ``scripts/evaluate_model.py`` translates and scores, by name.

``flores``, ``tatoeba`` and ``iwslt`` come from ``../shared/eval`` (beside the project root; FLORES
also from the project's own copy in ``corpus/flores200-devtest``), ``domain`` from the project's
references ``corpus/references/*.tsv``. Every preparation applied to a set is recorded in
:attr:`EvalSet.notes`, because a score is only comparable with others made on the same text.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path

from .io import (
    Document,
    EvaluationInputError,
    documents_from_names,
    read_lines,
    read_segments_tsv,
    single_document,
)

@dataclass(frozen=True)
class EvalSet:
    """Aligned Vietnamese sources and English references, split into documents."""

    name: str
    sources: list[str]
    references: list[str]
    documents: tuple[Document, ...]
    origin: str
    notes: tuple[str, ...] = ()

    def head(self, limit: int) -> EvalSet:
        """The first ``limit`` segments (for quick runs); documents are cut to match."""
        if limit >= len(self.sources):
            return self
        documents = tuple(
            replace(d, end=min(d.end, limit)) for d in self.documents if d.start < limit
        )
        note = f"limited to the first {limit} of {len(self.sources)} segments"
        return EvalSet(self.name, self.sources[:limit], self.references[:limit], documents, self.origin,
                       (*self.notes, note))


def shared_dir(project_root: Path) -> Path:
    """``../shared`` beside the project root, where the read-only evaluation data lives."""
    return project_root.parent / "shared"


def _require(*paths: Path) -> None:
    """Fail with the missing file's path rather than a bare FileNotFoundError deep in a read."""
    for path in paths:
        if not path.is_file():
            raise EvaluationInputError(f"test set file {path} is missing")


def _pair(name: str, source: Path, reference: Path, notes: Sequence[str] = ()) -> EvalSet:
    """A line-aligned source/reference pair of files, as one document."""
    _require(source, reference)
    sources, references = read_lines(source), read_lines(reference)
    if len(sources) != len(references):
        raise EvaluationInputError(
            f"source {source} has {len(sources)} lines but reference {reference} has {len(references)} lines"
        )
    return EvalSet(name, sources, references, single_document(references, name),
                   f"{source} | {reference}", tuple(notes))


def _flores(project_root: Path) -> EvalSet:
    """FLORES-200 devtest; documents are the source articles (URLs in ``metadata_devtest.tsv``)."""
    candidates = [project_root / "corpus" / "flores200-devtest", shared_dir(project_root) / "eval" / "flores200-devtest"]
    folder = next((c for c in candidates if (c / "flores200.devtest.vi").is_file()), candidates[-1])
    pair = _pair("flores", folder / "flores200.devtest.vi", folder / "flores200.devtest.en",
                 ["FLORES-200 devtest (CC BY-SA 4.0); documents = source article URLs"])
    metadata = folder / "metadata_devtest.tsv"
    _require(metadata)
    urls = [row.split("\t", 1)[0] for row in read_lines(metadata)[1:]]
    if len(urls) != len(pair.references):
        raise EvaluationInputError(
            f"metadata {metadata} has {len(urls)} rows but reference has {len(pair.references)} lines"
        )
    return EvalSet(pair.name, pair.sources, pair.references, documents_from_names(urls), pair.origin, pair.notes)


def _tatoeba(project_root: Path) -> EvalSet:
    folder = shared_dir(project_root) / "eval" / "tatoeba-vie-eng"
    return _pair("tatoeba", folder / "tatoeba.vie-eng.vie", folder / "tatoeba.vie-eng.eng",
                 ["Tatoeba test v2021-08-07 (CC BY 2.0 FR)"])


def _iwslt(project_root: Path) -> EvalSet:
    """IWSLT'15 tst2012, whose text is Moses-tokenised with HTML entities.

    Both sides are HTML-unescaped and Moses-detokenised (sacremoses) so that the model reads normal
    text and BLEU is computed on detokenised references, as sacreBLEU requires.
    """
    try:
        from sacremoses import MosesDetokenizer
    except ImportError as error:
        raise EvaluationInputError("iwslt needs sacremoses: pip install 'vi2en[eval]'") from error

    folder = shared_dir(project_root) / "eval" / "iwslt15-tst2012"
    raw = _pair("iwslt", folder / "tst2012.vi", folder / "tst2012.en")
    detokenizers = {lang: MosesDetokenizer(lang=lang) for lang in ("vi", "en")}

    def clean(lines: list[str], lang: str) -> list[str]:
        return [detokenizers[lang].detokenize(html.unescape(line).split(), unescape=False) for line in lines]

    note = (f"IWSLT'15 tst2012 (CC BY-NC-ND, read from ../shared, not copied): source and reference "
            f"html.unescape'd and detokenised with sacremoses {version('sacremoses')} MosesDetokenizer")
    return EvalSet("iwslt", clean(raw.sources, "vi"), clean(raw.references, "en"), raw.documents, raw.origin,
                   (note,))


def _domain(project_root: Path) -> EvalSet:
    """The project's own references: every ``corpus/references/NAME.tsv`` (one article each)."""
    folder = project_root / "corpus" / "references"
    files = sorted(folder.glob("*.tsv")) if folder.is_dir() else []
    if not files:
        raise EvaluationInputError(f"no references in {folder} (expected NAME.tsv files with header 'vi<TAB>en')")
    sources: list[str] = []
    references: list[str] = []
    names: list[str] = []
    for path in files:
        vi, en = read_segments_tsv(path)
        sources.extend(vi)
        references.extend(en)
        names.extend([path.stem] * len(vi))
    # header_lines=1: a miss's line is the row's line in NAME.tsv, below its header
    documents = tuple(replace(document, header_lines=1) for document in documents_from_names(names))
    return EvalSet("domain", sources, references, documents, str(folder),
                   ("project references corpus/references/*.tsv; documents = articles",))


_LOADERS: dict[str, Callable[[Path], EvalSet]] = {
    "flores": _flores, "tatoeba": _tatoeba, "iwslt": _iwslt, "domain": _domain,
}
TESTSETS = tuple(_LOADERS)


def load_testset(name: str, project_root: Path) -> EvalSet:
    """Load test set ``name`` (one of :data:`TESTSETS`); a missing file is an ``EvaluationInputError``."""
    if name not in _LOADERS:
        raise EvaluationInputError(f"unknown test set {name!r}; choose from {', '.join(TESTSETS)}")
    return _LOADERS[name](project_root)
