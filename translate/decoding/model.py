"""Find, load and prepare a translation model: a Hugging Face model id or a local directory.

Loading must fail fast and clearly on a machine without network access: one message that names the model and
says how to point vi2en at a local copy, instead of minutes of retries and a stack trace.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import torch
from huggingface_hub import HfApi
from huggingface_hub.errors import RepositoryNotFoundError
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase
from transformers.utils import SAFE_WEIGHTS_INDEX_NAME, SAFE_WEIGHTS_NAME, WEIGHTS_INDEX_NAME, WEIGHTS_NAME

from .activations import fuse_activations
from .families import Family, family_for
from .quantize import quantize_int8
from .device import check_precision, resolve_device
from .model_files import looks_local, missing_directory, model_directory, unavailable
from ..settings import PRECISIONS

HUB_PROBE_TIMEOUT = 10.0
"""Seconds to wait for the hub before declaring it unreachable (downloads themselves retry for minutes)."""

_WEIGHT_FILES = (SAFE_WEIGHTS_NAME, SAFE_WEIGHTS_INDEX_NAME, WEIGHTS_NAME, WEIGHTS_INDEX_NAME)
_TRUE = {"1", "ON", "YES", "TRUE"}


class ModelNotAvailable(Exception):
    """The model is neither a usable local directory, nor cached, nor downloadable right now."""


_DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16}


@dataclass(frozen=True)
class LoadedModel:
    """A model ready to translate: in eval mode, on its device, with its tokenizer and family adapter."""

    name: str
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    family: Family
    precision: str = "float32"
    device: torch.device = torch.device("cpu")
    #: What the decoders built over this model share: the prepared network, by output rows (see
    #: ``translate.decoding.decoder.decoding_network``), so that a second decoder costs no second copy.
    networks: dict = field(default_factory=dict, compare=False, repr=False)
    #: Nothing but vi2en's decoders will run this model: parts they keep their own copy of may be dropped.
    decoders_only: bool = False


def configure_threads(n: int | None) -> int:
    """Give torch ``n`` intra-op threads (default: the CPUs this process may use); returns the count.

    Decoding is one chain of small matrix products, so inter-op parallelism only adds contention: it is set to
    one thread.  torch accepts that setting only before its first parallel work; later calls leave it be.
    """
    threads = n or _available_cpus()
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    return threads


def load_model(name_or_path: str, *, precision: str = "float32", device: str = "cpu",
               decoders_only: bool = False) -> LoadedModel:
    """Load a model by hub id (cache first, then download) or from a local directory, onto ``device``.

    ``precision="int8"`` quantizes every ``nn.Linear`` dynamically and reads the token table by rows from the
    weights file, or keeps it as int8 rows (:mod:`translate.decoding.quantize`): the linear layers dominate
    decoding time on a CPU and the table its memory, so this saves much of both, at a small cost in quality
    (CPU only).  ``float16``/``bfloat16`` cast the weights (meant for GPUs; :func:`translate.decoding.device.check_precision` is the product's rule, this function also
    runs them on a CPU, which tests use to check the code path).  At every precision, activations written
    out in Python are swapped for torch's fused kernels of the same function
    (:mod:`translate.decoding.activations`).  ``decoders_only``: nothing else will run
    the model (its Hugging Face forward pass, ``generate``), so vi2en's Marian decoder may drop the parts
    it replaces by its own copies (``Translator.load`` sets it).  Raises ``ValueError`` for a device or
    precision that cannot be used, :class:`ModelNotAvailable` when the model cannot be had, and
    :class:`translate.decoding.families.UnsupportedModel` when it is of a family vi2en cannot drive.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(map(repr, PRECISIONS))}, not {precision!r}")
    place = resolve_device(device)
    if precision == "int8" and place != "cpu":
        check_precision(place, precision)
    if (problem := missing_directory(name_or_path)) is not None:
        raise ModelNotAvailable(problem)
    if looks_local(name_or_path):
        tokenizer, model = _load_directory(Path(name_or_path).expanduser())
    else:
        tokenizer, model = _load_hub_model(name_or_path)
    model.eval()
    fuse_activations(model)
    family = family_for(tokenizer, model)
    if precision == "int8":
        model = quantize_int8(model, _weight_files(name_or_path))
    elif precision in _DTYPES:
        model = model.to(_DTYPES[precision])
    model = model.to(place)
    return LoadedModel(name=name_or_path, model=model, tokenizer=tokenizer, family=family, precision=precision,
                       device=torch.device(place), decoders_only=decoders_only)


def _available_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _load_directory(path: Path) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    missing = [
        what
        for what, present in (
            ("config.json", (path / "config.json").is_file()),
            ("model weights", any((path / name).is_file() for name in _WEIGHT_FILES)),
            ("tokenizer files", (path / "tokenizer_config.json").is_file()),
        )
        if not present
    ]
    if missing:
        raise ModelNotAvailable(unavailable(str(path), f"the directory has no {', no '.join(missing)}"))
    try:
        return _from_pretrained(str(path), local_files_only=True)
    except OSError as err:
        raise ModelNotAvailable(unavailable(str(path), f"the directory is incomplete ({_first_line(err)})")) from err


def _load_hub_model(model_id: str) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """From the local cache if it is all there; otherwise download, once a quick probe says that can work."""
    try:
        return _from_pretrained(model_id, local_files_only=True)
    except OSError:
        pass
    if _hub_offline():
        raise ModelNotAvailable(unavailable(model_id, "it is not in the Hugging Face cache and HF_HUB_OFFLINE is set"))
    _probe_hub(model_id)
    try:
        return _from_pretrained(model_id, local_files_only=False)
    except OSError as err:
        raise ModelNotAvailable(unavailable(model_id, f"the download failed ({_first_line(err)})")) from err


def _from_pretrained(source: str, *, local_files_only: bool) -> tuple[PreTrainedTokenizerBase, PreTrainedModel]:
    """Tokenizer and model; ``OSError`` means files are missing (the caller knows whether to download)."""
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_files_only)
    except OSError:
        raise
    except Exception as err:  # unusable tokenizer files surface as TypeError, ValueError, ... from transformers
        reason = f"its tokenizer cannot be loaded ({type(err).__name__}: {_first_line(err)})"
        raise ModelNotAvailable(unavailable(source, reason)) from err
    try:
        model = AutoModelForSeq2SeqLM.from_pretrained(source, local_files_only=local_files_only)
    except OSError:
        raise
    except Exception as err:  # truncated or corrupt weights: SafetensorError, UnpicklingError, RuntimeError ...
        files = ", ".join(str(p) for p in _weight_files(source)) or "its weights file"
        reason = (f"the weights file {files} is damaged or incomplete ({type(err).__name__}: {_first_line(err)}); "
                  "copy or download it again")
        raise ModelNotAvailable(unavailable(source, reason)) from err
    return tokenizer, model


def _weight_files(name_or_path: str) -> list[Path]:
    folder = model_directory(name_or_path)
    if folder is None or not folder.is_dir():
        return []
    return [folder / name for name in _WEIGHT_FILES if (folder / name).is_file()] + sorted(
        p for p in folder.glob("*.safetensors") if p.name not in _WEIGHT_FILES
    )


def _hub_offline() -> bool:
    """Offline mode as set now; ``huggingface_hub`` reads these variables only once, at import."""
    return any(os.environ.get(var, "").upper() in _TRUE for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def _probe_hub(model_id: str) -> None:
    """One request with a short timeout, no retries: is the model on a reachable hub?"""
    try:
        HfApi().model_info(model_id, timeout=HUB_PROBE_TIMEOUT)
    except RepositoryNotFoundError as err:
        reason = "the Hugging Face hub has no such model (or it is private or gated: log in with `hf auth login`)"
        raise ModelNotAvailable(unavailable(model_id, reason)) from err
    except Exception as err:  # transport errors: their classes depend on the huggingface_hub version
        raise ModelNotAvailable(
            unavailable(model_id, f"it is not cached and the Hugging Face hub is unreachable ({_first_line(err)})")
        ) from err


def _first_line(err: BaseException) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
