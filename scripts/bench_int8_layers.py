#!/usr/bin/env python3
"""Time vi2en's int8 linear layer on each engine torch offers, one layer shape at a time, one thread.

Why: which kernels pack an int8 layer is fixed when it is built (``translate.decoding.quantize``:
``INT8_ENGINE`` for the network's layers, ``OUTPUT_ENGINE`` for the output layer).  This script measures the
choice: for the shapes of the base-size models' layers (Marian / opus-mt-vi-en, T5 / envit5, NLLB-200-600M)
at the row counts a decoder step has (segments x beams), the median time of ``Int8Linear`` packed for fbgemm
and for oneDNN, and of ``torch._int_mm`` over a plain int8 table (the product that could share the token
table's rows with the output layer), each as a ratio to fbgemm's time in the same run.  Random weights:
the kernels' time does not depend on the values.

    python scripts/bench_int8_layers.py
    python scripts/bench_int8_layers.py --repeat 21 --shapes output
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import benchlib  # noqa: E402
from translate.decoding.quantize import Int8Linear  # noqa: E402

# (label, rows, in_features, out_features): a decoder step of 23 segments x 4 beams (NLLB: 31 x 4).
SHAPES = {
    "output": [
        ("Marian output layer (target rows)", 92, 512, 32_000),
        ("T5 output layer", 92, 512, 53_839),
        ("NLLB output layer", 124, 1024, 256_206),
    ],
    "network": [
        ("Marian self-attention q/k/v (stacked)", 92, 512, 1536),
        ("Marian 512 x 512 projection", 92, 512, 512),
        ("Marian feed-forward in", 92, 512, 2048),
        ("Marian feed-forward out", 92, 2048, 512),
        ("NLLB feed-forward in", 124, 1024, 4096),
        ("NLLB feed-forward out", 124, 4096, 1024),
    ],
}


def median_ms(call: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``call`` in milliseconds, after two warm-up calls."""
    call()
    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def int_mm(table: torch.Tensor, scales: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """``x @ table.T`` through ``torch._int_mm`` on a plain ``[out, in]`` int8 table: activations quantised per
    row (symmetric), the int32 result scaled back to float."""
    def product(x: torch.Tensor) -> torch.Tensor:
        row_scale = x.abs().amax(dim=1, keepdim=True).clamp_min(1e-12) / 127
        q = torch.round(x / row_scale).to(torch.int8)
        return torch._int_mm(q, table.t()).float().mul_(row_scale).mul_(scales)
    return product


def measure(label: str, rows: int, inputs: int, outputs: int, repeat: int) -> list[object]:
    layer = nn.Linear(inputs, outputs)
    x = torch.randn(rows, inputs)
    engines = [e for e in ("fbgemm", "onednn") if e in torch.backends.quantized.supported_engines]
    times = {e: median_ms(lambda layer8=Int8Linear.from_float(layer, e): layer8(x), repeat) for e in engines}
    table, scales = Int8Linear.from_float(layer, engines[0]).rows()
    del layer
    times["_int_mm"] = median_ms(lambda: int_mm(table, scales)(x), repeat)
    base = times[engines[0]]
    return [label, f"{rows} x {inputs} -> {outputs}",
            *(f"{times[e]:.2f} ({times[e] / base:.2f}x)" if e in times else "-" for e in ("fbgemm", "onednn", "_int_mm"))]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=11, help="timed calls per layer and engine (median shown)")
    parser.add_argument("--shapes", choices=[*SHAPES, "all"], default="all")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    start_load = benchlib.load_average()
    groups = list(SHAPES) if args.shapes == "all" else [args.shapes]
    rows = [measure(*shape, args.repeat) for group in groups for shape in SHAPES[group]]
    print("bench_int8_layers: one int8 linear layer, one thread, median ms (x fbgemm's time in this run)")
    print(f"load average at start: {start_load}")
    print(f"torch {torch.__version__}; quantised engines: {', '.join(torch.backends.quantized.supported_engines)}; "
          f"{args.repeat} timed calls each")
    print(benchlib.table(["layer", "shape", "fbgemm ms", "oneDNN ms", "_int_mm ms"], rows))
    print(f"load average at end: {benchlib.load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
