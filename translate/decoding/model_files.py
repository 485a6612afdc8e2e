"""Which model a run uses and the identity of its files, without importing torch or transformers.

A rerun whose documents are all done never loads the model, but its options still name the model and
fingerprint its files (the journal's key): this module is that much, so such a rerun answers at once.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..settings import DEFAULT_MODEL, MODEL_ENV


def resolve_model_name(cli_value: str | None) -> str:
    """The model to use: the command line wins, then ``$VI2EN_MODEL``, then :data:`DEFAULT_MODEL`."""
    return cli_value or os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def looks_local(name: str) -> bool:
    """A path, not a hub id (``name`` or ``org/name``): it exists, or could only be a path."""
    path = Path(name).expanduser()
    return path.exists() or path.is_absolute() or name.startswith((".", "~")) or name.count("/") > 1


def model_directory(name_or_path: str) -> Path | None:
    """The directory the model's files are in: the local one, or the Hugging Face cache's snapshot."""
    if looks_local(name_or_path):
        return Path(name_or_path).expanduser()
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(name_or_path, "config.json")
    return Path(cached).parent if isinstance(cached, str) else None


def model_files_fingerprint(name_or_path: str) -> str:
    """Identity of the model's files as they are now: name, size and modification time of each file of
    its directory (config, weights, tokenizer).  New weights copied over the old ones at the same path
    change it, so a resumed run retranslates instead of calling old outputs done."""
    folder = model_directory(name_or_path)
    if folder is None or not folder.is_dir():
        return f"unresolved:{name_or_path}"
    parts = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        stat = path.stat()  # follows the cache's symlinks to the blobs
        parts.append(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def unavailable(model: str, reason: str) -> str:
    """The one-line error: what is missing, and how to point vi2en at (or make) a local copy."""
    hub_id, local_dir = (DEFAULT_MODEL, model) if looks_local(model) else (model, "DIR")
    return (
        f"Model {model!r} is not available: {reason}. "
        f"Point vi2en at a local copy with --model /path/to/dir or the {MODEL_ENV} environment variable; "
        f"to make one, run e.g. `hf download {hub_id} --local-dir {local_dir}` "
        f"(older huggingface_hub: `huggingface-cli download ...`) on a machine with internet access."
    )


def missing_directory(name_or_path: str) -> str | None:
    """:func:`unavailable`'s message for a model given as a path that is no directory, else None: known
    before anything is loaded, so the command can say so at once."""
    if looks_local(name_or_path) and not Path(name_or_path).expanduser().is_dir():
        return unavailable(name_or_path, "no such directory")
    return None
