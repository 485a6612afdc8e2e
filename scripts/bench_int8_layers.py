#!/usr/bin/env python3
"""Time vi2en's int8 linear layer on each engine torch offers, one layer shape at a time, one thread.

Why: which kernels pack an int8 layer is fixed when it is built (``translate.decoding.quantize``:
``INT8_ENGINE`` for the network's layers, ``OUTPUT_ENGINE`` for the output layer).  This script measures the
choice: for the shapes of the base-size models' layers (Marian / opus-mt-vi-en, T5 / envit5, NLLB-200-600M)
at the row counts a decoder step has (segments x beams), the median time of ``Int8Linear`` packed for fbgemm
and for oneDNN, and of ``torch._int_mm`` over a plain int8 table (the product that could share the token
table's rows with the output layer), each as a ratio to the first product's time in the same run (fbgemm's
unless ``--products`` says otherwise), and how far one call raises the process's peak memory (the output
included: fbgemm's product holds an int32 buffer beside it).  The header names the CPU's int8 instructions,
which decide the winner.  Random weights:
the kernels' time does not depend on the values.

    python scripts/bench_int8_layers.py
    python scripts/bench_int8_layers.py --repeat 21 --shapes output --products fbgemm,onednn
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


PRODUCTS = ("fbgemm", "onednn", "_int_mm")
"""What the script can time: ``Int8Linear`` packed for each engine torch offers, and ``torch._int_mm``."""


def median_ms(calls: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median wall time of each call in milliseconds, after two warm-up calls each.  The calls take turns
    (one of each per round), so a machine that slows down or speeds up during the run (another tenant of
    a virtual machine's host) weighs on every product alike rather than on the one timed at that moment."""
    for call in calls.values():
        call()
        call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeat):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: 1000 * statistics.median(spent) for name, spent in times.items()}


def int_mm(table: torch.Tensor, scales: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """``x @ table.T`` through ``torch._int_mm`` on a plain ``[out, in]`` int8 table: activations quantised per
    row (symmetric), the int32 result scaled back to float."""
    def product(x: torch.Tensor) -> torch.Tensor:
        row_scale = x.abs().amax(dim=1, keepdim=True).clamp_min(1e-12) / 127
        q = torch.round(x / row_scale).to(torch.int8)
        return torch._int_mm(q, table.t()).float().mul_(row_scale).mul_(scales)
    return product


def measure(label: str, rows: int, inputs: int, outputs: int, repeat: int, products: Sequence[str]) -> list[object]:
    """One table row: the layer's median time on each of ``products``, as ratios to the first one's."""
    layer = nn.Linear(inputs, outputs)
    x = torch.randn(rows, inputs)
    calls: dict[str, Callable[[], object]] = {}
    for product in products:
        if product == "_int_mm":
            table, scales = Int8Linear.from_float(layer).rows()
            calls[product] = lambda run=int_mm(table, scales): run(x)
        else:
            calls[product] = lambda layer8=Int8Linear.from_float(layer, product): layer8(x)
    del layer
    times = median_ms(calls, repeat)
    base = times[products[0]]
    grown = [benchlib.call_peak_growth_mb(calls[p]) for p in products]
    return [label, f"{rows} x {inputs} -> {outputs}", *(f"{times[p]:.2f} ({times[p] / base:.2f}x)" for p in products),
            " / ".join("-" if mb is None else f"{mb:.0f}" for mb in grown)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=11, help="timed calls per layer and product (median shown)")
    parser.add_argument("--shapes", choices=[*SHAPES, "all"], default="all")
    available = [p for p in PRODUCTS if p == "_int_mm" or p in torch.backends.quantized.supported_engines]
    parser.add_argument("--products", default=",".join(available),
                        help="comma-separated, of %(default)s (what this torch offers); the first is the baseline of "
                             "the ratios (_int_mm has no fast kernel without VNNI: there it took 30 s per NLLB call)")
    args = parser.parse_args(argv)
    products = list(dict.fromkeys(p for p in args.products.split(",") if p))
    unknown = [p for p in products if p not in available]
    if unknown or not products:
        parser.error(f"--products: {', '.join(unknown) or 'none given'}; this torch offers {', '.join(available)}")
    torch.set_num_threads(1)
    start_load = benchlib.load_average()
    groups = list(SHAPES) if args.shapes == "all" else [args.shapes]
    rows = [measure(*shape, args.repeat, products) for group in groups for shape in SHAPES[group]]
    print(f"bench_int8_layers: one int8 linear layer, one thread, median ms (x {products[0]}'s time in this run)")
    print(f"load average at start: {start_load}")
    print(f"cpu: {benchlib.int8_instructions()}")
    print(f"torch {torch.__version__}; quantised engines: "
          f"{', '.join(torch.backends.quantized.supported_engines)}; {args.repeat} timed calls each, taking turns")
    names = {"fbgemm": "fbgemm ms", "onednn": "oneDNN ms", "_int_mm": "_int_mm ms"}
    print(benchlib.table(["layer", "shape", *(names[p] for p in products), "MB a call, " + " / ".join(products)], rows))
    print(f"load average at end: {benchlib.load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
