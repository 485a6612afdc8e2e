"""Reading hypotheses, references and sources for evaluation.

Each side is either one file (one segment per line) or a folder of documents whose files are
aligned with the other sides by document name: the file name without its extension and without a
``.en``/``.vi`` language tag (``doc1.txt`` ↔ ``doc1.en`` ↔ ``doc1.en.txt`` ↔ ``doc1.vi.txt``). Lines are read
exactly as the sacrebleu command-line tool reads them (UTF-8, split on ``\\n`` only, trailing
whitespace stripped), so that our scores equal the CLI's on the same files.

Every mismatch is an :class:`EvaluationInputError` naming both counts and both files: a silently
shortened corpus gives a plausible-looking but wrong score, which is worse than no score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


class EvaluationInputError(ValueError):
    """Inputs that cannot be scored as given (missing, empty, misaligned)."""


@dataclass(frozen=True)
class Document:
    """A named run of consecutive segments ``[start, end)`` of the corpus."""

    name: str
    start: int
    end: int

    @property
    def size(self) -> int:
        """Number of segments in the document."""
        return self.end - self.start


@dataclass(frozen=True)
class EvalInputs:
    """Everything one evaluation needs, already checked for alignment.

    ``references`` uses sacrebleu's layout: one stream per reference, each as long as every
    hypothesis list, so it can be passed to sacrebleu's metrics unchanged.
    """

    hypotheses: dict[str, list[str]]
    references: list[list[str]]
    sources: list[str] | None
    documents: tuple[Document, ...]

    def __post_init__(self) -> None:
        """Refuse misaligned inputs built in code (e.g. by a translation run), not only read from files."""
        if not self.hypotheses or not self.references or not self.references[0]:
            raise EvaluationInputError("need at least one hypothesis and one non-empty reference")
        size = len(self.references[0])
        sides = {f"hypothesis {name}": lines for name, lines in self.hypotheses.items()}
        sides.update({f"reference {number}": stream for number, stream in enumerate(self.references, 1)})
        if self.sources is not None:
            sides["source"] = self.sources
        for role, lines in sides.items():
            if len(lines) != size:
                raise EvaluationInputError(f"{role} has {len(lines)} segments but reference 1 has {size}")
        ends = [0] + [document.end for document in self.documents]
        starts = [document.start for document in self.documents]
        if starts != ends[:-1] or ends[-1] != size or any(d.size < 1 for d in self.documents):
            raise EvaluationInputError(f"documents do not cover segments 0..{size} in order, each non-empty")


def read_lines(path: Path) -> list[str]:
    """Read one segment per line the way ``sacrebleu`` does (``newline="\\n"``, ``rstrip()``).

    A file that is not UTF-8 is an :class:`EvaluationInputError` naming the file, the line and the byte
    offset, with the command that converts the usual culprit (the Vietnamese Windows code page).
    """
    try:
        with open(path, encoding="utf-8", newline="\n") as handle:
            return [line.rstrip() for line in handle]
    except UnicodeDecodeError:
        raw = path.read_bytes()
        offset = _first_bad_byte(raw)
        line = raw.count(b"\n", 0, offset) + 1
        raise EvaluationInputError(
            f"{path}: not valid UTF-8: byte 0x{raw[offset]:02X} at byte offset {offset} (line {line}); "
            f"a file in the Windows code page can be converted with: iconv -f cp1258 -t utf-8 {path}"
        ) from None
    except OSError as error:
        raise EvaluationInputError(f"{path}: cannot read: {error.strerror}") from None


def _first_bad_byte(raw: bytes) -> int:
    """Offset of the first byte that is not UTF-8 (the decoder's own offset is per chunk read)."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    return 0


def single_document(lines: Sequence[str], name: str = "all") -> tuple[Document, ...]:
    """The document layout of a plain file: one document spanning every line."""
    return (Document(name, 0, len(lines)),)


def documents_from_names(names: Sequence[str]) -> tuple[Document, ...]:
    """Group consecutive segments with the same document name (e.g. FLORES URLs) into documents.

    A name that comes back after another one would make two documents with one name; that is an
    error rather than a silent merge of unrelated segments.
    """
    documents: list[Document] = []
    for index, name in enumerate(names):
        if documents and documents[-1].name == name:
            documents[-1] = Document(name, documents[-1].start, index + 1)
            continue
        if any(document.name == name for document in documents):
            raise EvaluationInputError(f"document {name!r} is not contiguous (again at segment {index})")
        documents.append(Document(name, index, index + 1))
    return tuple(documents)


LANGUAGE_TAGS = frozenset({".en", ".vi"})


def document_name(path: Path) -> str:
    """The name that aligns a document's files across sides: ``a.en.txt`` and ``a.vi.txt`` are ``a``.

    Translations are usually named after their source with a language tag, so the tag must not
    keep a hypothesis from meeting its reference.
    """
    name = Path(path.stem)
    return name.stem if name.suffix in LANGUAGE_TAGS else name.name


def _folder_files(folder: Path) -> dict[str, Path]:
    """Map document name → path for the visible files of a document folder."""
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        name = document_name(path)
        if name in files:
            raise EvaluationInputError(
                f"{folder}: {files[name].name} and {path.name} are the same document {name!r}"
            )
        files[name] = path
    if not files:
        raise EvaluationInputError(f"{folder}: folder has no documents")
    return files


def _read_side(path: Path, role: str, names: Sequence[str] | None) -> list[tuple[Path, list[str]]]:
    """Read one side: a file gives one part; a folder one part per document, in ``names`` order."""
    if not path.exists():
        raise EvaluationInputError(f"{role} {path} does not exist")
    if path.is_file():
        return [(path, read_lines(path))]
    files = _folder_files(path)
    wanted = list(files) if names is None else list(names)
    missing = [name for name in wanted if name not in files]
    extra = [name for name in files if name not in wanted]
    if missing or extra:
        raise EvaluationInputError(
            f"{role} folder {path} does not match the reference documents: "
            f"missing {missing or 'none'}, unexpected {extra or 'none'}"
        )
    return [(files[name], read_lines(files[name])) for name in wanted]


def read_inputs(
    hypotheses: Sequence[Path], references: Sequence[Path], source: Path | None = None
) -> EvalInputs:
    """Read and align hypotheses (one per system), references (one or more) and an optional source.

    All sides must be of the same kind: all files or all folders. With folders, the first
    reference folder decides the documents and their order (sorted by name); each document must
    have the same number of lines on every side.
    """
    if not hypotheses or not references:
        raise EvaluationInputError("need at least one hypothesis and one reference")
    paths = [*hypotheses, *references, *([source] if source else [])]
    if len({path.is_dir() for path in paths if path.exists()}) > 1:
        raise EvaluationInputError("mix of files and folders: give all sides as files or all as folders")

    ref_parts = _read_side(references[0], "reference", None)
    for ref_path, ref_lines in ref_parts:
        if not ref_lines:
            raise EvaluationInputError(f"reference {ref_path} is empty")
    if references[0].is_dir():
        names: list[str] | None = [document_name(path) for path, _ in ref_parts]
        documents = _layout([(document_name(path), len(lines)) for path, lines in ref_parts])
    else:
        names = None
        documents = single_document(ref_parts[0][1])

    def read_aligned(path: Path, role: str) -> list[str]:
        lines: list[str] = []
        for (part_path, part), (ref_path, ref_lines) in zip(_read_side(path, role, names), ref_parts):
            if len(part) != len(ref_lines):
                raise EvaluationInputError(
                    f"{role} {part_path} has {len(part)} lines but reference {ref_path} has "
                    f"{len(ref_lines)} lines"
                )
            lines.extend(part)
        return lines

    reference_streams = [read_aligned(path, "reference") for path in references]
    systems: dict[str, list[str]] = {}
    for path in hypotheses:
        if str(path) in systems:
            raise EvaluationInputError(f"hypothesis {path} given twice")
        systems[str(path)] = read_aligned(path, "hypothesis")
    sources = read_aligned(source, "source") if source else None
    return EvalInputs(systems, reference_streams, sources, documents)


def _layout(sizes: Sequence[tuple[str, int]]) -> tuple[Document, ...]:
    """Consecutive documents from (name, number of segments) pairs."""
    documents: list[Document] = []
    start = 0
    for name, size in sizes:
        documents.append(Document(name, start, start + size))
        start += size
    return tuple(documents)
