"""Where glossary files come from: the one rule the CLI, the API and the server share.

A glossary argument is a path, or ``"builtin"`` for the curated glossary shipped with the package
(``glossary/data/*.tsv``, see ``glossary.default_paths``).  One path or several may be given; later
files take precedence over earlier ones.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence, Union

from glossary import default_paths

BUILTIN = "builtin"
GlossarySpec = Union[str, os.PathLike, Sequence[Union[str, os.PathLike]]]


def glossary_paths(spec: GlossarySpec) -> list[Path]:
    """The files named by ``spec``: one path, ``"builtin"``, or a sequence of them, in order.

    A single string is one path (never read character by character).
    """
    values = [spec] if isinstance(spec, (str, os.PathLike)) else list(spec)
    paths: list[Path] = []
    for value in values:
        if not isinstance(value, (str, os.PathLike)):
            raise ValueError(f"a glossary is a path or {BUILTIN!r}, not {value!r}")
        paths.extend(default_paths() if str(value) == BUILTIN else [Path(value)])
    return paths
