"""The device and precision a run asks for, checked before any work; torch is imported only to look for
a GPU (``cuda``, ``auto``), so the default ``cpu`` is checked without it."""

from __future__ import annotations

from ..settings import CPU_PRECISIONS, CUDA_PRECISIONS, DEVICES, PRECISIONS


def resolve_device(device: str) -> str:
    """``"cpu"`` or ``"cuda"`` for a ``--device`` choice (``"auto"``: cuda when torch sees one);
    ``ValueError`` naming the option when the device is unknown or absent."""
    if device not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(map(repr, DEVICES))}, not {device!r}")
    if device == "cpu":
        return device
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for, but torch sees no CUDA device here "
                         f"(torch {torch.__version__}, built {'with' if torch.version.cuda else 'without'} CUDA); "
                         "use --device cpu or auto")
    return device


def check_precision(device: str, precision: str) -> None:
    """``ValueError`` naming the option when ``precision`` is not offered on ``device`` (``cpu``/``cuda``):
    int8 runs on torch's int8 CPU kernels (weights int8, activations quantised per call); float16/bfloat16
    are for GPUs (on a CPU they run, but slower than float32)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(map(repr, PRECISIONS))}, not {precision!r}")
    allowed = CPU_PRECISIONS if device == "cpu" else CUDA_PRECISIONS
    if precision not in allowed:
        raise ValueError(f"precision {precision!r} is not offered on {device}; there use one of "
                         f"{', '.join(map(repr, allowed))}")
