"""A token table read by rows from the model's weights file, for int8 decoding.

Why: with int8 weights the output layer is packed into a copy of its own (oneDNN's format cannot be read by
row, see ``translate.decoding.quantize``), and what is left of the token table is read only by rows: a
batch's source tokens, and the tokens the search feeds back, a few hundred rows a step.  An int8 copy keeps
every row in the process's memory (NLLB-600M: 256,206 rows of 1,024, 262 MB); read from the file, a lookup
holds only the rows it returns, with the checkpoint's own values (exact, where the int8 copy rounded them).
The file is read with ``preadv`` (one call per distinct row), not mapped into memory: the kernel maps a
file's cached pages a whole folio at a time, so a mapping read at a few hundred scattered rows soon holds
most of the table after all.

Only a safetensors file is read, and only when it holds exactly the values the model loaded (checked at
load, a block of rows at a time); a table the loader changed, a checkpoint in another format (torch's
``pytorch_model.bin``) or a system without ``preadv`` (Windows) keep the int8 copy.  The file stays open,
read-only, for the model's lifetime; search processes forked from the loading one keep the descriptor
(:func:`descriptors_of`).  A file rewritten in place while open (new weights copied over the old) is
refused at the next lookup, which names it: its rows are no longer the loaded model's.
"""

from __future__ import annotations

import json
import os
import struct
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from torch import nn

__all__ = ["FileTable", "OpenFile", "RowTable", "TableInFile", "descriptors_of", "find_table"]

_SAFETENSORS_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
MAX_HEADER = 100_000_000
"""The largest safetensors header (bytes) its format allows: a larger length means the file is not one."""
CHECK_ROWS = 4096
"""Rows compared with the loaded table at a time (NLLB-600M: 16 MB read per block)."""


class RowTable(nn.Module):
    """What stands in for a model's token table (an ``nn.Embedding`` or its scaled subclasses): ``rows``
    gives float32 rows, :meth:`forward` applies the replaced module's ``embed_scale`` as it did (mBART's,
    M2M-100's scaled tables; 1.0 for a plain one, whose model scales outside it or not at all)."""

    def __init__(self, replaced: nn.Embedding) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = replaced.weight.shape
        self.padding_idx = replaced.padding_idx
        self.embed_scale = float(getattr(replaced, "embed_scale", 1.0))

    def rows(self, ids: torch.Tensor) -> torch.Tensor:
        """The float32 rows of ``ids`` (``[..., d]``), without ``embed_scale``."""
        raise NotImplementedError

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        out = self.rows(ids)
        return out * self.embed_scale if self.embed_scale != 1.0 else out


class OpenFile:
    """A weights file open read-only, as it was when opened (identity, size, modification time), closed when
    the last holder lets go of this object.  A copy of a model (``copy.deepcopy``) shares it rather than
    closing it twice; it cannot be pickled (a descriptor means nothing in another process)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        self.close = weakref.finalize(self, os.close, self.descriptor)
        self._identity = self._now()

    @property
    def size(self) -> int:
        """The file's size in bytes when it was opened."""
        return self._identity[2]

    def _now(self) -> tuple[int, int, int, int]:
        stat = os.fstat(self.descriptor)
        return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns

    def check_unchanged(self) -> None:
        """Refuse a file rewritten since it was opened (a file replaced by another one, as a download does,
        leaves this one open and unchanged)."""
        if self._now() != self._identity:
            raise OSError(f"{self.path}: the model's weights file was rewritten while vi2en had it loaded, so "
                          "its token table is no longer the loaded model's; restart vi2en to load the new weights")

    def read_into(self, raw: np.ndarray, offset: int) -> None:
        """Fill ``raw`` (bytes) from ``offset``, reading again after a partial read; the end of the file first
        is an error naming the file."""
        view = memoryview(raw).cast("B")
        done = 0
        while done < len(view):
            got = os.preadv(self.descriptor, [view[done:]], offset + done)
            if got == 0:
                raise OSError(f"{self.path}: the model's weights file ended at byte {offset + done}, inside its "
                              "token table: was it cut short while vi2en had it loaded? Restart vi2en.")
            done += got

    def __deepcopy__(self, memo: dict[int, object]) -> "OpenFile":
        return self

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError(f"an open weights file ({self.path}) cannot be pickled")


@dataclass(frozen=True)
class TableInFile:
    """Where a ``rows x width`` table of ``dtype`` lies in an open weights file: the byte offset of row 0 (rows
    follow each other, row-major); ``loaded``: the dtype the model had loaded it in, which lookups round to."""

    file: OpenFile
    offset: int
    rows: int
    width: int
    dtype: torch.dtype
    loaded: torch.dtype

    @property
    def row_bytes(self) -> int:
        return self.width * self.dtype.itemsize

    def read(self, first: int, count: int) -> torch.Tensor:
        """Rows ``first .. first + count - 1`` as stored (``[count, width]``, the file's dtype)."""
        out = torch.empty(count, self.width, dtype=self.dtype)
        self.file.read_into(out.view(torch.uint8).numpy(), self.offset + first * self.row_bytes)
        return out

    def gather(self, ids: list[int]) -> torch.Tensor:
        """The rows ``ids`` as the model had them (``[len(ids), width]``, in ``loaded``), one read per row."""
        self.file.check_unchanged()
        out = torch.empty(len(ids), self.width, dtype=self.dtype)
        raw = out.view(torch.uint8).numpy()
        for place, row in enumerate(ids):
            self.file.read_into(raw[place], self.offset + row * self.row_bytes)
        return out.to(self.loaded)


class FileTable(RowTable):
    """A token table whose rows are read from the weights file (see the module docstring)."""

    def __init__(self, stored: TableInFile, replaced: nn.Embedding) -> None:
        super().__init__(replaced)
        self.stored = stored

    @property
    def descriptor(self) -> int:
        """The open weights file: a process forked to search with this model must keep it open."""
        return self.stored.file.descriptor

    def rows(self, ids: torch.Tensor) -> torch.Tensor:
        """The float32 rows of ``ids``, without ``embed_scale``; each distinct id is read once."""
        distinct, where = torch.unique(ids.reshape(-1), return_inverse=True)  # sorted
        wanted = distinct.tolist()
        if wanted and (wanted[0] < 0 or wanted[-1] >= self.num_embeddings):
            raise IndexError(f"token ids must lie in 0 .. {self.num_embeddings - 1}")
        rows = self.stored.gather(wanted).float().index_select(0, where)
        return rows.view(*ids.shape, self.embedding_dim)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}, read from {self.stored.file.path} ({self.stored.dtype})"


def descriptors_of(model: nn.Module) -> list[int]:
    """The weights files ``model``'s :class:`FileTable` modules read (each once)."""
    return sorted({m.descriptor for m in model.modules() if isinstance(m, FileTable)})


def find_table(files: Sequence[Path | str], names: Sequence[str], loaded: torch.Tensor) -> TableInFile | None:
    """The table stored under one of ``names`` in one of the safetensors ``files`` that holds exactly
    ``loaded``'s values, opened; else ``None``, and nothing left open.  Other files (a shard index,
    ``pytorch_model.bin``) and files that are not whole safetensors files are passed over."""
    if not hasattr(os, "preadv"):
        return None
    for path in map(Path, files):
        if path.suffix != ".safetensors":
            continue
        try:
            file = OpenFile(path)
        except OSError:
            continue
        try:
            stored = _located(file, names, loaded.dtype)
            if stored is not None and _holds(stored, loaded):
                return stored
        except (OSError, ValueError, KeyError, TypeError, struct.error):
            pass
        file.close()
    return None


def _located(file: OpenFile, names: Sequence[str], loaded: torch.dtype) -> TableInFile | None:
    """The named 2-D table of a safetensors file (8-byte little-endian header length, a JSON header, then
    the data, which the header's ``data_offsets`` index from its end), if it lies wholly inside the file."""
    (length,) = struct.unpack("<Q", os.pread(file.descriptor, 8, 0))
    if length > MAX_HEADER or 8 + length > file.size:
        return None
    header = json.loads(os.pread(file.descriptor, length, 8))
    name = next((n for n in names if n in header), None)
    if name is None or header[name].get("dtype") not in _SAFETENSORS_DTYPES:
        return None
    entry = header[name]
    (rows, width), (start, end) = entry["shape"], entry["data_offsets"]
    dtype = _SAFETENSORS_DTYPES[entry["dtype"]]
    if end - start != rows * width * dtype.itemsize or 8 + length + end > file.size:
        return None
    return TableInFile(file, 8 + length + start, rows, width, dtype, loaded)


def _holds(stored: TableInFile, loaded: torch.Tensor) -> bool:
    """Whether the stored table, in ``loaded``'s dtype, equals ``loaded``, compared a block of rows at a time."""
    if (stored.rows, stored.width) != tuple(loaded.shape):
        return False
    for first in range(0, stored.rows, CHECK_ROWS):
        count = min(CHECK_ROWS, stored.rows - first)
        if not torch.equal(stored.read(first, count).to(loaded.dtype), loaded[first : first + count]):
            return False
    return True
