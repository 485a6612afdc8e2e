"""Reading hypotheses, references and sources for evaluation.

Each side is either one file (one segment per line) or a folder of documents whose files are
aligned with the other sides by document name: the file name without its extension and without a
``.en``/``.vi`` language tag (``doc1.txt`` ↔ ``doc1.en`` ↔ ``doc1.en.txt`` ↔ ``doc1.vi.txt``). Lines are read
exactly as the sacrebleu command-line tool reads them (UTF-8, split on ``\\n`` only, trailing
whitespace stripped), so that our scores equal the CLI's on the same files.

A folder may also hold aligned-segment files, ``NAME.tsv`` with the header ``vi<TAB>en`` (the
corpus's ``corpus/references/``): the source side reads their ``vi`` column, the other sides their
``en`` column. Which file of a folder is a document's file (:func:`_pick`): a file tagged with the
other language is never taken (``NAME.en.txt`` is not a source), and a plain text file is preferred
to a ``.tsv``, because ``vi2en translate`` writes whole documents, line for line. So
``--ref corpus/references`` means the ``NAME.en.txt`` articles, while ``--src corpus/references``
means the ``vi`` column of the ``NAME.tsv`` files.

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
    """A named run of consecutive segments ``[start, end)`` of the corpus.

    ``header_lines`` is how many lines of the document's reference file come before its first
    segment (1 for a ``.tsv`` with its header), so that messages can name the file's own line.
    """

    name: str
    start: int
    end: int
    header_lines: int = 0

    @property
    def size(self) -> int:
        """Number of segments in the document."""
        return self.end - self.start

    def line(self, segment: int) -> int:
        """The 1-based line of the document's file that holds corpus segment ``segment``."""
        return segment - self.start + 1 + self.header_lines


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
    notes: tuple[str, ...] = ()  # how folders were read (which file kind), for the report

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
SEGMENTS_SUFFIX = ".tsv"
SEGMENTS_HEADER = ["vi", "en"]


def document_name(path: Path) -> str:
    """The name that aligns a document's files across sides: ``a.en.txt`` and ``a.vi.txt`` are ``a``.

    Translations are usually named after their source with a language tag, so the tag must not
    keep a hypothesis from meeting its reference.
    """
    name = Path(path.stem)
    return name.stem if name.suffix in LANGUAGE_TAGS else name.name


def _language_tag(path: Path) -> str | None:
    """``"en"`` for ``a.en.txt`` or ``a.en``, ``"vi"`` for ``a.vi.txt``; ``None`` when untagged."""
    for suffix in (Path(path.stem).suffix, path.suffix):
        if suffix in LANGUAGE_TAGS:
            return suffix[1:]
    return None


def read_segments_tsv(path: Path) -> tuple[list[str], list[str]]:
    """The (Vietnamese, English) columns of an aligned-segment file: header ``vi<TAB>en``, a row a segment."""
    lines = read_lines(path)
    if not lines or lines[0].split("\t") != SEGMENTS_HEADER:
        found = repr(lines[0]) if lines else "an empty file"
        raise EvaluationInputError(f"{path}:1: header must be 'vi<TAB>en', found {found}")
    columns: tuple[list[str], list[str]] = ([], [])
    for number, row in enumerate(lines[1:], start=2):
        cells = row.split("\t")
        if len(cells) != 2:
            raise EvaluationInputError(f"{path}:{number}: expected 2 tab-separated cells, found {len(cells)}")
        columns[0].append(cells[0])
        columns[1].append(cells[1])
    return columns


@dataclass(frozen=True)
class _Part:
    """One document's lines on one side, and where they came from."""

    path: Path
    lines: list[str]
    header_lines: int  # lines of the file before the first segment


def _read_part(path: Path, language: str) -> _Part:
    """A document file's segments in ``language`` (a ``.tsv`` has both; a text file is one side)."""
    if path.suffix == SEGMENTS_SUFFIX:
        vi, en = read_segments_tsv(path)
        return _Part(path, vi if language == "vi" else en, 1)
    return _Part(path, read_lines(path), 0)


def _pick(folder: Path, name: str, paths: Sequence[Path], language: str) -> Path | None:
    """The file that is document ``name`` on a side in ``language`` (``None``: only other-language files).

    A text file wins over a ``.tsv`` (whole documents, as ``vi2en translate`` writes them); two text
    files for one document are an error rather than a guess.
    """
    usable = [path for path in paths if _language_tag(path) in (None, language)]
    texts = [path for path in usable if path.suffix != SEGMENTS_SUFFIX]
    if len(texts) > 1:
        raise EvaluationInputError(f"{folder}: {texts[0].name} and {texts[1].name} are the same document {name!r}")
    return (texts or usable or [None])[0]


def _folder_files(folder: Path, language: str) -> tuple[dict[str, Path], list[Path]]:
    """Map document name → path for the visible files of a document folder, for a side in ``language``.

    Also returns the files left unread (e.g. the ``.tsv`` beside each ``.en.txt``), for the report's notes.
    """
    candidates: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        candidates.setdefault(document_name(path), []).append(path)
    files = {name: picked for name, paths in candidates.items()
             if (picked := _pick(folder, name, paths, language)) is not None}
    if not files:
        raise EvaluationInputError(f"{folder}: folder has no documents")
    unused = [path for paths in candidates.values() for path in paths if path not in files.values()]
    return files, unused


def _kinds(paths: Sequence[Path]) -> str:
    """File kinds by their suffixes with any language tag: ``.en.txt/.tsv``."""
    return "/".join(sorted({"".join(path.suffixes[-2:]) if _language_tag(path) else path.suffix for path in paths}))


def _read_side(path: Path, role: str, names: Sequence[str] | None) -> tuple[list[_Part], str | None]:
    """Read one side: a file gives one part; a folder one part per document, in ``names`` order.

    The second value notes which files of a folder were not read, if any.
    """
    if not path.exists():
        raise EvaluationInputError(f"{role} {path} does not exist")
    language = "vi" if role == "source" else "en"
    if path.is_file():
        return [_read_part(path, language)], None
    files, unused = _folder_files(path, language)
    wanted = list(files) if names is None else list(names)
    missing = [name for name in wanted if name not in files]
    extra = [name for name in files if name not in wanted]
    if missing or extra:
        raise EvaluationInputError(
            f"{role} folder {path} does not match the reference documents: "
            f"missing {missing or 'none'}, unexpected {extra or 'none'}"
        )
    note = (f"{role} folder {path}: read its {_kinds(list(files.values()))} files, "
            f"not its {len(unused)} {_kinds(unused)} file(s)") if unused else None
    return [_read_part(files[name], language) for name in wanted], note


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

    ref_parts, _ = _read_side(references[0], "reference", None)
    for part in ref_parts:
        if not part.lines:
            raise EvaluationInputError(f"reference {part.path} is empty")
    if references[0].is_dir():
        names: list[str] | None = [document_name(part.path) for part in ref_parts]
        documents = _layout([(document_name(part.path), len(part.lines), part.header_lines) for part in ref_parts])
    else:
        names = None
        documents = (Document("all", 0, len(ref_parts[0].lines), ref_parts[0].header_lines),)
    notes: list[str] = []

    def read_aligned(path: Path, role: str) -> list[str]:
        parts, note = _read_side(path, role, names)
        if note and note not in notes:
            notes.append(note)
        lines: list[str] = []
        for part, ref in zip(parts, ref_parts):
            if len(part.lines) != len(ref.lines):
                hint = ("; a .tsv holds aligned segments, a text file a whole document: give files of one kind"
                        if _unit(part) != _unit(ref) else "")
                raise EvaluationInputError(
                    f"{role} {part.path} has {len(part.lines)} {_unit(part)} but reference {ref.path} has "
                    f"{len(ref.lines)} {_unit(ref)}{hint}"
                )
            lines.extend(part.lines)
        return lines

    reference_streams = [read_aligned(path, "reference") for path in references]
    systems: dict[str, list[str]] = {}
    for path in hypotheses:
        if str(path) in systems:
            raise EvaluationInputError(f"hypothesis {path} given twice")
        systems[str(path)] = read_aligned(path, "hypothesis")
    sources = read_aligned(source, "source") if source else None
    return EvalInputs(systems, reference_streams, sources, documents, tuple(notes))


def _unit(part: _Part) -> str:
    """What a part's count counts: lines of a text file, segments (rows) of a ``.tsv``."""
    return "segments" if part.header_lines else "lines"


def _layout(sizes: Sequence[tuple[str, int, int]]) -> tuple[Document, ...]:
    """Consecutive documents from (name, number of segments, header lines) triples."""
    documents: list[Document] = []
    start = 0
    for name, size, header_lines in sizes:
        documents.append(Document(name, start, start + size, header_lines))
        start += size
    return tuple(documents)
