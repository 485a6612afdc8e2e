"""Every option that shapes a translation, in one frozen value with one signature.

The command line builds a :class:`TranslationOptions` from its arguments, :meth:`translate.Translator.load`
from its keywords; both validate here, where the options enter (a clear ``ValueError`` naming the
option, never a failure deep in the search).  :meth:`TranslationOptions.signature` is what the resume
journal hashes, the run report records and the benchmarks print: two runs with the same signature are
meant to give the same output, and any change to the model's files, the glossary files, the memory
files or an option changes it.

Not here: what only changes the speed (threads, the batch budget), or the output's file format.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import reprlib
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, Sequence

from glossary.entry import RENDERING_POLICIES

from .glossary_files import BUILTIN, GlossarySpec, glossary_paths
from .memory import FUZZY_THRESHOLD
from .settings import ACRONYM_MODES, DEVICES, GLOSSARY_MODES, PRECISIONS


@dataclass(frozen=True)
class Signature:
    """The identity of a set of options: ``digest`` (16 hex digits) is a hash of ``fields``."""

    digest: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class TranslationOptions:
    """The options that shape the output.  Build with :meth:`resolve` to fill in the files' identities.

    ``model`` is the model's id or directory and ``model_files`` a fingerprint of its files (see
    :func:`translate.decoding.model_files.model_files_fingerprint`); ``glossary``/``tm`` are the files read, in
    order, with their SHA-256 in ``glossary_sha256``/``tm_sha256``.  ``device`` is ``"cpu"`` or
    ``"cuda"`` once built (``"auto"`` is resolved on construction); ``precision`` must run on it
    (int8 on CPU only, float16/bfloat16 on CUDA only).  The rest are the options of
    :class:`translate.Translator`.
    """

    model: str
    model_files: str = ""
    precision: str = "float32"
    device: str = "cpu"
    beams: int = 4
    glossary: tuple[str, ...] = ()
    glossary_sha256: tuple[str, ...] = ()
    glossary_mode: str = "hard"
    renderings: str = "approved"
    glossary_date: date | None = None
    acronyms: str = "keep"
    explain: bool = False
    tm: tuple[str, ...] = ()
    tm_sha256: tuple[str, ...] = ()
    tm_threshold: float = FUZZY_THRESHOLD

    def __post_init__(self) -> None:
        from .decoding.device import check_precision, resolve_device

        if not isinstance(self.model, str) or not self.model:
            raise ValueError(f"model must be a model id or directory, not {self.model!r}")
        _choice("precision", self.precision, PRECISIONS)
        _choice("device", self.device, DEVICES)
        _choice("glossary_mode", self.glossary_mode, GLOSSARY_MODES)
        _choice("renderings", self.renderings, RENDERING_POLICIES)
        _choice("acronyms", self.acronyms, ACRONYM_MODES)
        check_count("beams", self.beams)
        if not isinstance(self.explain, bool):
            raise ValueError(f"explain must be True or False, not {self.explain!r}")
        check_similarity("tm_threshold", self.tm_threshold)
        for name in ("glossary", "glossary_sha256", "tm", "tm_sha256"):
            value = getattr(self, name)
            if isinstance(value, (str, os.PathLike)) or not all(isinstance(v, (str, os.PathLike)) for v in value):
                raise ValueError(f"{name} must be a sequence of paths or hashes, not {value!r}")
            object.__setattr__(self, name, tuple(str(v) for v in value))
        for files, hashes in (("glossary", "glossary_sha256"), ("tm", "tm_sha256")):
            if getattr(self, hashes) and len(getattr(self, hashes)) != len(getattr(self, files)):
                raise ValueError(f"{hashes} must hold one hash per file of {files}")
        object.__setattr__(self, "glossary_date", parse_date(self.glossary_date, "glossary_date"))
        object.__setattr__(self, "tm_threshold", float(self.tm_threshold))
        device = resolve_device(self.device)
        check_precision(device, self.precision)
        object.__setattr__(self, "device", device)

    @classmethod
    def resolve(
        cls,
        model: str | os.PathLike[str] | None = None,
        *,
        glossary: GlossarySpec = BUILTIN,
        glossary_mode: str = "hard",
        tm: Sequence[str | os.PathLike[str]] = (),
        **options: Any,
    ) -> "TranslationOptions":
        """Options for these files as they are now: the model's name resolved (``$VI2EN_MODEL``, the
        default model), its files fingerprinted, the glossary spec (``"builtin"``, a path or several;
        none when ``glossary_mode="off"``) and the memory files listed and hashed.  ``options`` are the
        other fields."""
        from .decoding.model_files import model_files_fingerprint, resolve_model_name

        name = resolve_model_name(str(model) if model is not None else None)
        paths = glossary_paths(glossary) if glossary_mode != "off" else []
        return cls(
            model=name,
            model_files=model_files_fingerprint(name),
            glossary=tuple(str(p) for p in paths),
            glossary_sha256=tuple(file_sha256(p) for p in paths),
            glossary_mode=glossary_mode,
            tm=tuple(str(p) for p in tm),
            tm_sha256=tuple(file_sha256(Path(p)) for p in tm),
            **options,
        )

    def signature(self) -> Signature:
        """A stable short digest of every field (and the fields themselves, JSON-ready)."""
        values = {f.name: _plain(getattr(self, f.name)) for f in fields(self)}
        canonical = json.dumps(values, sort_keys=True, ensure_ascii=True)
        return Signature(hashlib.sha256(canonical.encode("ascii")).hexdigest()[:16], values)


#: The one spelling of a date vi2en accepts from people and programs (options, requests, arguments):
#: ISO 8601's extended calendar form only.  ``date.fromisoformat`` alone would also take ``20250601``
#: and week dates (``2025-W23-1``) on Python >= 3.11 but not on 3.10, so the shape is checked first.
DATE_FORMAT = "YYYY-MM-DD"
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(value: date | str | None, name: str | None) -> date | None:
    """A date given as a ``date`` or a string ``YYYY-MM-DD`` (``"2025-06-01"``); None stays None.

    Anything else is a ``ValueError`` saying what was given and what is accepted, naming ``name``
    (the option or field; None when the caller names it, as argparse does)."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    reason = ""
    if isinstance(value, str) and _DATE_RE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError as error:  # the right shape, but no such day: say which part is wrong
            reason = f" ({error})"
    raise ValueError(_must_be(name, f"a date {DATE_FORMAT} (such as 2025-07-01)", value) + reason)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, or ``"missing"`` when it cannot be read (loading it reports why)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return "missing"
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def check_count(name: str | None, value: object) -> None:
    """Refuse, naming the option (None: the caller names it), a count that is not a whole number of
    at least 1 (``beams=0``)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(_must_be(name, "a whole number of at least 1", value))


def check_similarity(name: str | None, value: object) -> None:
    """Refuse, naming the option (None: the caller names it), a similarity score outside 0-100."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise ValueError(_must_be(name, "a similarity from 0 to 100", value))


def _must_be(name: str | None, accepted: str, value: object) -> str:
    """The message "NAME must be ACCEPTED, not VALUE"; a long value is cut short (it may come from a request)."""
    return f"{name + ' ' if name else ''}must be {accepted}, not {reprlib.repr(value)}"


def _choice(name: str, value: object, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, not {value!r}")
