"""How many segments a translation memory saves on the corpus: memory from half the articles'
references, the other half translated with ``--tm``.

The corpus articles (``corpus/articles/NAME.txt``) have sentence-aligned English references
(``corpus/references/NAME.tsv``).  The articles are split in two folds (alternate names in sorted
order); each fold's references become the memory and the other fold's articles are translated with
it, through the product's own pipeline (:class:`translate.Translator` with ``memory=``), so that an
exact match counts as reused only if it also passes the glossary check, as in a real run.  Printed:
per fold, the segments translated, exact matches reused (not decoded), exact matches refused by the
glossary check (stale), segments with a fuzzy offer, and the share reused.  A control row gives the
memory every article's references and translates them all: what is not reused there is refused by the
glossary check (a reference that does not use an approved rendering) or segmented differently.

Only counts are measured, not speed, so any model does: by default a tiny random-weights Marian model
is built in a temporary folder (a second), with the decoder's length pinned small.

    python scripts/measure_tm_reuse.py                      # both folds, builtin glossary, threshold 75
    python scripts/measure_tm_reuse.py --threshold 60 --json
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from glossary import default_paths  # noqa: E402
from translate.decoding.beam_search import SearchOptions  # noqa: E402
from translate.memory import FUZZY_THRESHOLD, TranslationMemory  # noqa: E402
from translate.pipeline import Translator  # noqa: E402

ARTICLES = ROOT / "corpus" / "articles"
REFERENCES = ROOT / "corpus" / "references"


@dataclass
class Fold:
    """One direction of the split and what the memory did for it."""

    memory_articles: list[str]
    translated_articles: list[str]
    memory_units: int
    segments: int = 0
    exact: int = 0
    stale: int = 0
    offered: int = 0

    @property
    def share(self) -> float:
        return self.exact / self.segments if self.segments else 0.0


def folds(names: list[str]) -> list[tuple[list[str], list[str]]]:
    """Alternate names into two halves; each half is the memory once."""
    first, second = names[0::2], names[1::2]
    return [(first, second), (second, first)]


def measure(translator_for: Callable[[TranslationMemory], Translator], memory_names: list[str], test_names: list[str], threshold: float) -> Fold:
    memory = TranslationMemory.load([REFERENCES / f"{n}.tsv" for n in memory_names], fuzzy_threshold=threshold)
    fold = Fold(memory_names, test_names, len(memory))
    documents = [(n, (ARTICLES / f"{n}.txt").read_text(encoding="utf-8")) for n in test_names]
    for result in translator_for(memory).translate_documents(documents):
        for record in result.segments:
            if not record.source.strip():
                continue
            fold.segments += 1
            fold.exact += record.memory == "exact"
            fold.stale += record.memory == "stale"
            fold.offered += bool(record.memory_offers)
    return fold


def _tiny_model(folder: Path) -> Path:
    spec = importlib.util.spec_from_file_location("make_tiny_model", SCRIPTS / "make_tiny_model.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_tiny_model"] = module
    spec.loader.exec_module(module)
    return module.make_tiny_model(folder, "marian")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="model directory (default: a tiny random Marian model, built now)")
    parser.add_argument("--threshold", type=float, default=FUZZY_THRESHOLD, help="fuzzy offer threshold (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    names = sorted(p.stem for p in ARTICLES.glob("*.txt") if (REFERENCES / f"{p.stem}.tsv").exists())
    with tempfile.TemporaryDirectory() as scratch:
        model = args.model or _tiny_model(Path(scratch))
        search = SearchOptions(beams=1, max_new_tokens=None if args.model else 4)

        def translator_for(memory: TranslationMemory) -> Translator:
            return Translator.load(model, glossary=default_paths(), threads=1, search=search, memory=memory)

        results = [measure(translator_for, m, t, args.threshold) for m, t in folds(names)]
        control = measure(translator_for, names, names, args.threshold)
    segments, exact = sum(f.segments for f in results), sum(f.exact for f in results)
    if args.json:
        print(json.dumps({"folds": [asdict(f) | {"share": f.share} for f in results], "control": asdict(control) | {"share": control.share}, "segments": segments,
                          "exact": exact, "share": exact / segments if segments else 0.0, "threshold": args.threshold}))
        return 0
    print(f"| memory from | translated | memory units | segments | exact reused | stale (refused) | with fuzzy offer (≥{args.threshold:g}) | reused |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for f in results:
        print(f"| {', '.join(f.memory_articles)} | {', '.join(f.translated_articles)} | {f.memory_units} | {f.segments} | "
              f"{f.exact} | {f.stale} | {f.offered} | {100 * f.share:.1f}% |")
    print(f"| all (control: the memory holds every article) | all | {control.memory_units} | {control.segments} | "
          f"{control.exact} | {control.stale} | {control.offered} | {100 * control.share:.1f}% |")
    print(f"\nboth folds: {exact} of {segments} segments reused exactly ({100 * exact / segments:.1f}%)" if segments else "no segments")
    return 0


if __name__ == "__main__":
    sys.exit(main())
