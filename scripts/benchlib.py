"""Shared machinery of the speed benchmarks (``bench_translate``, ``bench_constraints``, ``bench_engines``).

The machine these run on is shared, so every script follows the same measurement rules, all implemented here:

* **One worker process per engine.**  Each engine (the product's decoder, HF ``generate``, CTranslate2, ...) is
  loaded in a fresh interpreter running the same script with ``--worker``; the parent only sends "run" and
  collects timings.  Engines thus never share an allocator, and the peak resident memory of a run is that
  engine's own: the kernel's high-water mark (``VmHWM``), reset at the start of each run (psutil sampling
  where that reset is not available).  ``tracemalloc`` would miss torch's allocations entirely.
* **Interleaved rounds.**  Round *r* runs every engine once, in an order rotated by *r*, so a burst of load from
  other users hits all engines alike; each worker first warms up on two segments.  Reported: the best (min) and
  median wall time, CPU time (all threads; CPU well below threads x wall means the run waited for a core), ratios
  of best times, and the median of per-round ("paired") ratios, which cancels slow drifts of the load.
* **Equal work.**  Random-weight models never emit EOS on their own, so every engine produces exactly
  ``--new-tokens`` (T) target tokens per hypothesis; :func:`product_search`, :func:`hf_length` and
  ``bench_engines.ct2_length`` pin each engine's length with its own semantics (checked: on the same batch the
  three return identical token ids).  Target tokens are counted from what each engine returned, EOS excluded.
* The load average is printed at the start and the end; ``--json`` prints one JSON document instead.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from glossary import Entry, EntryType, Glossary, default_paths, load_glossary  # noqa: E402
from glossary.tokens import tokenize  # noqa: E402  (the matcher's own syllables: generated terms match as planned)
from translate.arg_types import positive_int  # noqa: E402
from translate.settings import DEFAULT_BATCH_TOKENS  # noqa: E402  (no torch: the settings module imports nothing heavy)

if TYPE_CHECKING:  # torch and transformers load only in the workers that need them
    from translate.decoding.beam_search import SearchOptions
    from translate.decoding.decoder import Decoder
    from translate.decoding.model import LoadedModel

FLORES_VI = ROOT / "corpus" / "flores200-devtest" / "flores200.devtest.vi"
REFERENCES = ROOT / "corpus" / "references"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "vi2en"
DEFAULT_MODEL = CACHE / "bench-marian-base"
BENCH_ARCHS = ("marian", "mbart", "mbart50", "m2m100", "m2m100-original", "t5", "nllb")
"""make_tiny_model.py's archs: together they reach every family the product drives (``m2m100`` is NLLB's
tokenizer on opus-mt's dimensions, family ``nllb``; ``m2m100-original`` is M2M-100's own, family ``m2m100``)."""
WARMUP_SEGMENTS = 2
MB = 1024 * 1024


# -- command line ------------------------------------------------------------------------------------------


def add_common_arguments(parser: argparse.ArgumentParser, *, repeat: int | None = 3) -> None:
    """The options every benchmark takes (see the module docstring for what they pin)."""
    parser.add_argument("--model", type=Path, help=f"model directory (default: a random-weights base-size model "
                        f"of --arch, built once into {CACHE}/bench-ARCH-base)")
    parser.add_argument("--arch", choices=BENCH_ARCHS, default="marian",
                        help="layout of the default model (default marian; make_tiny_model.py --arch: m2m100 is NLLB's "
                        "tokenizer, m2m100-original M2M-100's); its dimensions are opus-mt-vi-en's, nllb's "
                        "NLLB-200-distilled-600M's (make_tiny_model.py --size base)")
    parser.add_argument("--segments", type=int, default=48, help="number of segments (default 48)")
    parser.add_argument("--corpus", action="store_true",
                        help="use the domain corpus (corpus/references/*.tsv) instead of FLORES devtest")
    parser.add_argument("--beams", type=int, default=4)
    parser.add_argument("--new-tokens", type=int, default=40, help="target tokens every hypothesis gets (default 40)")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads of every engine (default 2)")
    parser.add_argument("--batch-tokens", type=positive_int, default=DEFAULT_BATCH_TOKENS,
                        help=f"the product's batch budget (vi2en --batch-tokens; default {DEFAULT_BATCH_TOKENS}): it "
                        "makes the batches every engine is given")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="where every engine runs (default cpu; cuda: see scripts/device_check.sh)")
    parser.add_argument("--repeat", type=int, default=repeat, help=f"measured rounds (default {repeat})")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of tables")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # internal: run one engine, driven over stdin/stdout


# -- inputs ------------------------------------------------------------------------------------------------


def ensure_model(path: Path | None, arch: str = "marian") -> Path:
    """``path``, or the cached base-size model of ``arch``, built (atomically; ~20 s, nllb ~1 min) on first use."""
    if path is not None:
        return path
    model = DEFAULT_MODEL if arch == "marian" else CACHE / f"bench-{arch}-base"
    if (model / "config.json").is_file():
        return model
    sys.path.insert(0, str(SCRIPTS))
    from make_tiny_model import make_tiny_model

    print(f"building a random-weights base-size {arch} model into {model} ...", file=sys.stderr)
    tmp = model.with_name(f"{model.name}.tmp{os.getpid()}")
    make_tiny_model(tmp, arch, "base")
    try:
        tmp.rename(model)
    except OSError:  # another run finished first
        shutil.rmtree(tmp)
    return model


def load_segments(count: int, corpus: bool = False) -> list[str]:
    """The first ``count`` Vietnamese segments of FLORES devtest (or of the domain corpus), reused cyclically."""
    if corpus:
        lines = []
        for path in sorted(REFERENCES.glob("*.tsv")):
            with path.open(encoding="utf-8", newline="") as handle:
                lines += [row["vi"] for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]
    else:
        lines = FLORES_VI.read_text(encoding="utf-8").splitlines()
    return cycled([line for line in lines if line.strip()], count)


def cycled(items: Sequence[str], count: int) -> list[str]:
    return list(itertools.islice(itertools.cycle(items), count))


def real_renderings() -> list[str]:
    """English renderings of the shipped glossary that every model can spell: ASCII, 2-5 words."""
    entries = load_glossary(*default_paths()).entries
    return sorted({e.en for e in entries if e.en.isascii() and 2 <= len(e.en.split()) <= 5})


def make_glossary(segments: Sequence[str], per_segment: int = 2, seed: int = 0) -> Glossary:
    """A glossary that gives each segment about ``per_segment`` terms: a realistic constraint load.

    Terms are 2-3-syllable spans of the segment that occur in no other segment of the run (so each one is
    required once), paired with English renderings of real glossary entries (multi-token constraints).
    Deterministic, so every worker builds the same glossary.
    """
    rng = random.Random(seed)
    renderings = real_renderings()
    unique = list(dict.fromkeys(segments))
    grams = [_ngrams(text) for text in unique]
    segments_with = Counter(key for spans in grams for key in {k for k, _, _ in spans})
    entries = []
    for text, spans in zip(unique, grams):
        in_text = Counter(key for key, _, _ in spans)
        candidates = [s for s in spans if segments_with[s[0]] == 1 and in_text[s[0]] == 1]
        rng.shuffle(candidates)
        taken: list[tuple[int, int]] = []
        for _, start, end in candidates:
            if len(taken) < per_segment and all(end <= s or e <= start for s, e in taken):
                taken.append((start, end))
        for (start, end), en in zip(sorted(taken), rng.sample(renderings, len(taken))):
            entries.append(Entry(text[start:end], en, EntryType.OTHER, source="bench: generated for this run"))
    return Glossary(entries)


def _ngrams(text: str) -> list[tuple[tuple[str, ...], int, int]]:
    """(syllable keys, start, end) of every run of 2-3 consecutive alphabetic syllables of ``text``."""
    tokens = tokenize(text)
    out = []
    for n in (2, 3):
        for i in range(len(tokens) - n + 1):
            run = tokens[i : i + n]
            if all(t.is_word and t.text.isalpha() for t in run):
                out.append((tuple(t.key for t in run), run[0].start, run[-1].end))
    return out


# -- engines -----------------------------------------------------------------------------------------------


@dataclass
class Output:
    """What one run of an engine produced: the translations, target tokens (EOS excluded), extra figures."""

    texts: list[str]
    tokens: int
    extra: dict[str, Any] = field(default_factory=dict)


Engine = Callable[[list[str]], Output]


def load(args: argparse.Namespace, precision: str = "float32", *, product: bool = False) -> LoadedModel:
    """The product's model loading (``translate.decoding.model``), with ``--threads`` intra-op threads, on
    ``--device`` (the precision checked as the product checks it: int8 on CPU, float16/bfloat16 on CUDA).
    ``product``: loaded as ``Translator.load`` loads it, for vi2en's decoders only (no HF forward pass)."""
    from translate.decoding.device import check_precision
    from translate.decoding.model import configure_threads, load_model

    check_precision(args.device, precision)
    configure_threads(args.threads)
    return load_model(str(args.model), precision=precision, device=args.device, decoders_only=product)


def product_search(args: argparse.Namespace) -> SearchOptions:
    """Our search pinned to T tokens: EOS is banned for T steps, then forced as token T+1 (the budget's last)."""
    from translate.decoding.beam_search import SearchOptions

    return SearchOptions(beams=args.beams, max_new_tokens=args.new_tokens + 1, min_new_tokens=args.new_tokens)


def hf_length(args: argparse.Namespace) -> dict[str, int]:
    """``generate`` counts the EOS its ``forced_eos_token_id`` puts last: T tokens + EOS is T+1 new tokens."""
    return {"min_new_tokens": args.new_tokens + 1, "max_new_tokens": args.new_tokens + 1}


@dataclass(frozen=True)
class Search:
    """One batch search the product ran: its worker, its start and end (seconds from the run's start), the
    batch's segments and the target tokens of the hypotheses it returned (EOS excluded)."""

    worker: str
    start: float
    end: float
    segments: int
    tokens: int


@contextmanager
def recording_searches(decoder: Decoder) -> Iterator[list[Search]]:
    """Record every batch search ``decoder`` runs while inside (in the order its results arrive).

    The decoder hands back text only, and re-tokenising text does not give the searched tokens back, so the
    figures come from the decoder's own ``on_search`` report (in whichever worker, thread or process, searched
    the batch).  The times give the run's timeline: which worker searched which batch when, and how long each
    waited at the end for the others.
    """
    searches: list[Search] = []
    origin = time.perf_counter()

    def record(span: Any, hypotheses: Any) -> None:
        searches.append(Search(span.worker, span.start - origin, span.end - origin, len(hypotheses),
                               sum(len(h.tokens) for h in hypotheses)))

    decoder.on_search = record
    try:
        yield searches
    finally:
        decoder.on_search = None


def timeline(searches: Sequence[Search]) -> list[dict[str, Any]]:
    """Per worker (process or thread, in order of first start): its searches as ``[segments, start, end]`` and
    the seconds it waited after its last search until the run's last search ended."""
    end = max((s.end for s in searches), default=0.0)
    threads: dict[str, list[Search]] = {}
    for item in sorted(searches, key=lambda s: s.start):
        threads.setdefault(item.worker, []).append(item)
    return [{"searches": [[s.segments, round(s.start, 3), round(s.end, 3)] for s in own],
             "idle_at_end": round(end - max(s.end for s in own), 3)} for own in threads.values()]


def describe_timeline(engine: str, lines: Sequence[dict[str, Any]]) -> str:
    """``timeline``'s figures as one printed line per worker."""
    out = [f"{engine} timeline of its best run (segments: start-end s):"]
    for number, worker in enumerate(lines, 1):
        spans = ", ".join(f"{segments}: {start:.2f}-{end:.2f}" for segments, start, end in worker["searches"])
        out.append(f"  worker {number}: {spans}; idle at the end {worker['idle_at_end']:.2f} s")
    return "\n".join(out)


def product_decoder(loaded: LoadedModel, args: argparse.Namespace) -> Decoder:
    """The product's decoder with the run's search and batch budget; its ``plan`` makes every engine's batches."""
    from translate.decoding.decoder import Decoder

    return Decoder(loaded, product_search(args), max_batch_tokens=args.batch_tokens)


def decoder_engine(loaded: LoadedModel, args: argparse.Namespace) -> Engine:
    """The product's batch decoder over all segments at once (length-sorted batches, no glossary)."""
    from translate.decoding.decoder import DecodeRequest

    decoder = product_decoder(loaded, args)
    plan = decoder.plan

    def run(segments: list[str]) -> Output:
        with recording_searches(decoder) as searches:
            decoded = decoder.decode([DecodeRequest(s) for s in segments])
        sizes = [len(b) for b in plan(segments)]
        return Output([d.text for d in decoded], sum(s.tokens for s in searches),
                      {"batch_sizes": sizes, "timeline": timeline(searches)})

    return run


def translator_engine(
    loaded: LoadedModel, args: argparse.Namespace, glossary: Glossary | None, *, alone: bool = False, doc_size: int = 0,
    workers: str = "auto",
) -> Engine:
    """The whole pipeline (``Translator.translate_documents``, line mode) with ``glossary`` in hard mode.

    ``alone``: one call per segment (the naive use: no batching across segments).  Otherwise one streaming call
    over documents of ``doc_size`` lines (0: a single document).  Term figures come from the segment records.
    ``workers``: the decoder's search workers (``translate.decoding.search_workers``).
    """
    from translate.pipeline import Translator

    mode = "hard" if glossary is not None else "off"
    translator = Translator(loaded, glossary, glossary_mode=mode, search=product_search(args),
                            max_batch_tokens=args.batch_tokens, search_workers=workers)
    signature = translator.options.signature().digest

    def documents(segments: list[str]) -> Iterator[tuple[str, str]]:
        size = doc_size or len(segments)
        for start in range(0, len(segments), size):
            yield f"doc{start}", "\n".join(segments[start : start + size])

    def run(segments: list[str]) -> Output:
        # Each result is reduced to its figures as it arrives and then dropped, as a streaming user (the CLI
        # writing its output) drops it: holding 10,000 segments' records (~2 kB each) would be the harness's
        # memory growth, not the product's.
        texts, required, met, with_terms = [], 0, 0, 0
        with recording_searches(translator.decoder) as searches:
            if alone:
                results = (r for s in segments for r in translator.translate_documents([("one", s)], lines=True))
            else:
                results = translator.translate_documents(documents(segments), lines=True)
            for result in results:
                for record in result.segments:
                    texts.append(record.target)
                    required, met = required + len(record.terms), met + sum(t.met for t in record.terms)
                    with_terms += bool(record.terms)
        extra = {"terms_required": required, "terms_met": met,
                 "segments_with_terms": with_terms} if glossary is not None else {}
        # The product's own options signature (translate.options), as its journal and reports record it, and the
        # family it chose for the model (translate.decoding.families): what was measured, not what was asked for.
        return Output(texts, sum(s.tokens for s in searches),
                      {**extra, "options_signature": signature, "family": loaded.family.name,
                       "timeline": timeline(searches)})

    return run


def hf_engine(loaded: LoadedModel, args: argparse.Namespace, *, batched: bool) -> Engine:
    """HF ``generate`` (beam search, same beams and length) on the product's batches, or one call per segment."""
    import torch

    family, model = loaded.family, loaded.model
    plan = product_decoder(loaded, args).plan
    options = {"num_beams": args.beams, "do_sample": False, **hf_length(args)}

    def run(segments: list[str]) -> Output:
        batches = plan(segments) if batched else [[i] for i in range(len(segments))]
        texts, tokens = [""] * len(segments), 0
        for batch in batches:
            encoded = {k: v.to(loaded.device) for k, v in family.encode_sources([segments[i] for i in batch]).items()}
            with torch.inference_mode():
                out = model.generate(**encoded, **options)
            for index, row in zip(batch, out[:, 1:].tolist()):  # generate puts the start token first
                ids = [t for t in row if t not in (family.eos_token_id, family.pad_token_id)]
                texts[index], tokens = family.decode(ids), tokens + len(ids)
        return Output(texts, tokens, {"batch_sizes": [len(b) for b in batches]} if batched else {})

    return run


# -- memory ------------------------------------------------------------------------------------------------


def _status_kb(field_name: str, pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise OSError(f"no {field_name} in /proc/{pid}/status")


def rss_now() -> int:
    """Resident memory of this process, in bytes."""
    try:
        return _status_kb("VmRSS") * 1024
    except OSError:
        import psutil

        return psutil.Process().memory_info().rss


def call_peak_growth_mb(call: Callable[[], object]) -> float | None:
    """How far one ``call`` raises this process's peak resident memory, in MB (what it returns included), or
    None where the peak cannot be reset (Linux's ``/proc/self/clear_refs``).  The C allocator's freed pages are
    handed back first, so that what the call allocates shows rather than reusing what earlier calls freed."""
    from translate.decoding.allocator import return_freed_memory

    return_freed_memory()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from the current size
        before = _status_kb("VmHWM")
    except OSError:
        return None
    result = call()
    del result
    return (_status_kb("VmHWM") - before) / 1024


def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (forked by any of its threads); none once it has ended."""
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids.extend(int(k) for k in task.read_text().split())
        except OSError:
            continue
    return kids


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants: an engine's worker and the search processes it forked."""
    tree, todo = [], [pid]
    while todo:
        tree.append(current := todo.pop())
        todo.extend(_children(current))
    return tree


def search_processes() -> list[int]:
    """The processes this worker's engine forked (vi2en's search workers), and theirs."""
    return process_tree(os.getpid())[1:]


def _private_bytes(pid: int) -> int:
    """Memory only ``pid`` holds (its private pages: allocated since the fork, or copied on write), in bytes."""
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    return sum(int(line.split()[1]) * 1024 for line in rollup.splitlines() if line.startswith("Private_"))


def children_cpu_seconds() -> float:
    """CPU seconds (user + system) used so far by this process's live descendants (its search processes)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for member in search_processes():
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat
    return total / tick


def engine_memory() -> int:
    """Memory of this worker now: its own RSS, plus what each of its search processes holds alone (their pages
    shared with this one, the model among them, are in its RSS already)."""
    return rss_now() + sum(_private_bytes(child) for child in search_processes())


class PeakMemory:
    """Peak memory of this worker and its search processes over a ``with`` block (``.peak``, bytes).

    This process: the kernel's high-water mark (``VmHWM``), reset on entry through ``/proc/self/clear_refs``:
    exact.  Each search process forked from it shares its pages copy-on-write, and what it adds is its private
    memory; at its own peak that is at most its private memory at the end plus the rise of its RSS from the
    end to its peak (pages shared at the peak were still shared, or since copied, at the end; its high-water
    mark is reset on entry too).  The sum of the parts' peaks is an upper bound of the whole's, read once at
    the end: sampling during the run would cost a core (a ``smaps_rollup`` read takes ~10 ms for a 600 MB
    process).  Elsewhere than Linux a thread samples psutil every 5 ms (short spikes may be missed).
    """

    def __enter__(self) -> "PeakMemory":
        self.peak, self._stop, self._thread = 0, threading.Event(), None
        try:
            Path("/proc/self/clear_refs").write_text("5")
            _status_kb("VmHWM")
        except OSError:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
            return self
        for child in search_processes():
            try:
                Path(f"/proc/{child}/clear_refs").write_text("5")
            except OSError:  # ended meanwhile
                continue
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss_now())

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self.peak = max(self.peak, rss_now())
            return
        self.peak = _status_kb("VmHWM") * 1024
        for child in search_processes():
            try:
                rise = _status_kb("VmHWM", child) - _status_kb("VmRSS", child)
                self.peak += _private_bytes(child) + rise * 1024
            except OSError:  # ended meanwhile
                continue


# -- workers -----------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One measured run of one engine."""

    seconds: float
    cpu_seconds: float
    segments: int
    tokens: int
    peak: int
    texts: list[str]
    extra: dict[str, Any]


def serve(args: argparse.Namespace, make_engine: Callable[[str, argparse.Namespace], Engine]) -> int:
    """Worker side: build engine ``args.worker``, warm it up, then run it for every ``run [N]`` line on stdin.

    Results go out as JSON lines on the original stdout; anything libraries print is sent to stderr instead.
    """
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    engine = make_engine(args.worker, args)
    segments = load_segments(args.segments, args.corpus)
    engine(segments[:WARMUP_SEGMENTS])
    channel.write(json.dumps({"loaded": engine_memory()}) + "\n")
    for line in sys.stdin:
        words = line.split()
        batch = cycled(segments, int(words[1])) if len(words) > 1 else segments
        with PeakMemory() as memory:
            wall, cpu = time.perf_counter(), time.process_time() + children_cpu_seconds()
            out = engine(batch)
            wall, cpu = time.perf_counter() - wall, time.process_time() + children_cpu_seconds() - cpu
        run = Run(wall, cpu, len(batch), out.tokens, memory.peak, out.texts, out.extra)
        channel.write(json.dumps(asdict(run)) + "\n")
    return 0


class Worker:
    """Parent side of one engine's worker process."""

    def __init__(self, name: str, script: str | Path, argv: Sequence[str]) -> None:
        self.name = name
        command = [sys.executable, str(script), *argv, "--worker", name]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.loaded = 0

    def _receive(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"benchmark worker {self.name!r} exited ({self.process.wait()}); see its errors above")
        return json.loads(line)

    def ready(self) -> None:
        self.loaded = self._receive()["loaded"]

    def run(self, segments: int | None = None) -> Run:
        assert self.process.stdin is not None
        self.process.stdin.write("run\n" if segments is None else f"run {segments}\n")
        self.process.stdin.flush()
        return Run(**self._receive())

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


@contextmanager
def workers(script: str | Path, argv: Sequence[str], names: Sequence[str]) -> Iterator[dict[str, Worker]]:
    """Start one worker per engine, each loaded and warmed up before the next starts: five NLLB-shaped engines
    loading and warming up at once peaked above the machine's 24 GiB, and the kernel killed one."""
    started: dict[str, Worker] = {}
    try:
        for name in names:
            started[name] = Worker(name, script, argv)
            started[name].ready()
        yield started
    finally:
        for worker in started.values():
            worker.close()


@dataclass
class Result:
    """All runs of one engine."""

    name: str
    description: str
    loaded: int
    runs: list[Run]

    @property
    def best_run(self) -> Run:
        return min(self.runs, key=lambda r: r.seconds)

    @property
    def best(self) -> float:
        return self.best_run.seconds

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def last(self) -> Run:
        return self.runs[-1]

    @property
    def peak(self) -> int:
        """The engine's peak memory over its runs (:class:`PeakMemory`)."""
        return max(r.peak for r in self.runs)

    def to_json(self) -> dict[str, Any]:
        last = self.last
        return {
            "description": self.description, "seconds": [r.seconds for r in self.runs],
            "cpu_seconds": [r.cpu_seconds for r in self.runs], "best_seconds": self.best, "median_seconds": self.median,
            "segments": last.segments, "target_tokens": last.tokens,
            "segments_per_second": last.segments / self.best, "tokens_per_second": last.tokens / self.best,
            "peak_bytes": self.peak, "loaded_bytes": self.loaded, "extra": last.extra,
        }


def measure(script: str | Path, argv: Sequence[str], engines: dict[str, str], repeat: int) -> dict[str, Result]:
    """Run each engine (name -> description) ``repeat`` times in interleaved, rotated rounds."""
    names = list(engines)
    with workers(script, argv, names) as started:
        results = {n: Result(n, engines[n], started[n].loaded, []) for n in names}
        for round_ in range(repeat):
            for name in names[round_ % len(names):] + names[: round_ % len(names)]:
                print(f"round {round_ + 1}/{repeat}: {name} ...", file=sys.stderr, flush=True)
                results[name].runs.append(started[name].run())
    return results


def ratio(a: Result, b: Result) -> float:
    """Best time of ``a`` over best time of ``b``."""
    return a.best / b.best


def paired_ratio(a: Result, b: Result) -> float:
    """Median over rounds of ``a``'s time over ``b``'s time in the same round (robust to slow load drifts)."""
    return statistics.median(x.seconds / y.seconds for x, y in zip(a.runs, b.runs))


def agreement(a: Result, b: Result) -> str:
    """How many segments two engines translated identically (equal work shows as equal output)."""
    same = sum(x == y for x, y in zip(a.last.texts, b.last.texts))
    return f"{same}/{len(a.last.texts)}"


# -- reporting ---------------------------------------------------------------------------------------------


def int8_instructions() -> str:
    """The CPU's name and int8 instructions as torch sees them (``translate.decoding.quantize``'s own reading):
    what decides which int8 kernels are faster, so every benchmark's header names them."""
    import torch

    from translate.decoding.quantize import CPU_INT8_FEATURES

    try:
        names = [line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                 if line.startswith("model name")]
    except OSError:
        names = []
    capability = f"CPU capability {torch.backends.cpu.get_cpu_capability()}" + (
        f" with {', '.join(CPU_INT8_FEATURES)}" if CPU_INT8_FEATURES else " (no AVX-512, AVX-512 VNNI or AMX)")
    return f"{names[0] if names else platform.machine()}, {capability}"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" (1/5/15 min; {os.cpu_count()} CPUs)"


def settings(args: argparse.Namespace) -> dict[str, Any]:
    """The run's settings, for the header and the JSON document."""
    return {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k not in ("worker", "json")}


def describe_model(path: Path) -> str:
    """``path``'s layout from its ``config.json`` (type, width, encoder+decoder layers, output rows), or ``""``."""
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    layers = (config.get("encoder_layers", config.get("num_layers")),
              config.get("decoder_layers", config.get("num_decoder_layers", config.get("num_layers"))))
    return (f"{config.get('model_type')}, d_model {config.get('d_model')}, {layers[0]}+{layers[1]} layers, "
            f"{config.get('vocab_size')} output rows")


def print_header(title: str, args: argparse.Namespace, start_load: str, rounds: str = "") -> None:
    source = "domain corpus (corpus/references)" if args.corpus else "FLORES-200 devtest (vi)"
    rounds = rounds or f"{args.repeat} interleaved rounds (best and median shown)"
    print(title)
    print(f"load average at start: {start_load}")
    print(f"cpu: {int8_instructions()}")
    layout = describe_model(Path(args.model))
    print(f"model: {args.model}" + (f" ({layout})" if layout else ""))
    print(f"segments: {args.segments} from {source}; beams {args.beams}; {args.new_tokens} target tokens per "
          f"hypothesis (forced); {args.threads} threads; batch budget {args.batch_tokens} tokens; {rounds}")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Rows as an aligned text table (first column left-aligned, the others right-aligned)."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))

    return "\n".join([line(cells[0]), line(["-" * w for w in widths]), *map(line, cells[1:])])


COLUMNS = """\
  best/median s: wall seconds per run; cpu s: CPU seconds of the best run (all threads); cores: cpu s / best s, the
  cores kept busy on average (threads that wait on each other or on the GIL lower it); seg/s, tok/s: from the best
  time; tok/seg: target tokens per segment; peak MB: the engine's memory at its highest during the run, model
  included: its worker's high-water mark, plus what each search process it forked holds alone (at most);
  loaded: the same after loading and warm-up; x: best time / the reference's best time; paired: median over
  rounds of time / the reference's time in the same round"""


def results_table(results: dict[str, Result], reference: str) -> str:
    """The standard table: time, throughput, memory, and every time as a ratio to ``reference``."""
    ref = results[reference]
    rows = []
    for r in results.values():
        segments, tokens = r.last.segments, r.last.tokens
        rows.append([
            r.name, f"{r.best:.2f}", f"{r.median:.2f}", f"{r.best_run.cpu_seconds:.2f}",
            f"{r.best_run.cpu_seconds / r.best:.2f}", f"{segments / r.best:.2f}", f"{tokens / r.best:.0f}", f"{tokens / segments:.1f}",
            f"{r.peak / MB:.0f}", f"{r.loaded / MB:.0f}", f"{ratio(r, ref):.2f}", f"{paired_ratio(r, ref):.2f}",
        ])
    headers = ["engine", "best s", "median s", "cpu s", "cores", "seg/s", "tok/s", "tok/seg", "peak MB", "loaded MB",
               f"x {reference}", "paired"]
    legend = "\n".join(f"  {r.name}: {r.description}" for r in results.values())
    return f"{table(headers, rows)}\n{legend}\n{COLUMNS}"


def emit_json(title: str, args: argparse.Namespace, start_load: str, **sections: Any) -> None:
    """The machine-readable report: settings, load averages, and the script's sections."""
    document = {"benchmark": title, "load_average_start": start_load, "load_average_end": load_average(),
                "cpu": int8_instructions(), "settings": settings(args), **sections}
    print(json.dumps(document, indent=2, ensure_ascii=False))


def worker_argv(argv: Sequence[str] | None, model: Path, *extra: str) -> list[str]:
    """The parent's arguments for its workers, with the model pinned (so they never build it themselves)."""
    return [*(sys.argv[1:] if argv is None else argv), "--model", str(model), *extra]
