"""The constraint layer end to end: with a glossary given at run time, every required term is in the output.

Issue "The constraint layer".  For each of the four model families, over 200 Vietnamese segments (the corpus
reference sentences, FLORES lines, and hand-made hard cases: NFD text, lower-case sources, a title next to a
ministry, a term at sentence start, a term twice), the output is checked *independently of the pipeline's
own records*: the requirements are recomputed from the source with ``glossary.requirements`` and counted in
the output text with ``count_rendering``.  Random-weight models know nothing of the terms, so every term found
in the output was put there by the constraint layer.  Then: random glossaries (hypothesis), the glossary modes,
``--acronyms first-expand`` and per-document consistency.
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Callable, Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glossary import Entry, Glossary, default_paths, load_glossary
from glossary.entry import EntryType
from glossary.requirements import count_rendering, requirements_for
from translate.document import parse_document
from translate.decoding.beam_search import SearchOptions
from translate.decoding.decoder import Decoded, Decoder
from translate.decoding.model import LoadedModel, configure_threads, load_model
from translate.pipeline import Translator

ROOT = Path(__file__).resolve().parents[1]
FLORES_VI = ROOT / "corpus" / "flores200-devtest" / "flores200.devtest.vi"
FLORES_EN = ROOT / "corpus" / "flores200-devtest" / "flores200.devtest.en"
FAMILIES = ("marian", "mbart", "t5", "m2m100")
SEARCH = SearchOptions(beams=2, max_new_tokens=8)  # hard constraints extend this budget as they need
HEADER = "vi\ten\ttype\tvi_variants\ten_alternatives\tacronym\tvalid_from\tvalid_to\tsource\tnote\n"

#: Hard cases for the shipped glossary, each with the property it exercises.
NFD_SEGMENT = unicodedata.normalize("NFD", "Bộ trưởng Bộ Ngoại giao Bùi Thanh Sơn tiếp Đại sứ Nhật Bản tại Hà Nội.")
LOWER_SEGMENT = "bộ công thương và bộ ngoại giao đã họp với ngân hàng nhà nước việt nam."
CAPITAL_SEGMENT = "Bộ Công Thương và Bộ Ngoại giao đã họp với Ngân hàng Nhà nước Việt Nam."
TWICE_SEGMENT = "Bộ Công Thương cho biết Bộ Công Thương sẽ họp với Bộ Ngoại giao."
HARD_CASES = (NFD_SEGMENT, LOWER_SEGMENT, CAPITAL_SEGMENT, TWICE_SEGMENT)

#: A run-time glossary in which a title and a ministry are separate entries that touch, a lower-case
#: rendering, an organisation with its acronym, and a term with alternatives.
TEST_GLOSSARY = HEADER + "".join(
    "\t".join(row) + "\n"
    for row in (
        ("Bộ trưởng", "Minister", "title", "", "minister", "", "", "", "project: test", ""),
        ("Bộ Công Thương", "Ministry of Industry and Trade", "organization", "", "", "", "", "", "project: test", ""),
        ("Bộ Ngoại giao", "Ministry of Foreign Affairs", "organization", "", "Foreign Ministry | MOFA", "", "", "",
         "project: test", ""),
        ("hội nghị thượng đỉnh", "summit", "event", "", "", "", "", "", "project: test", ""),
        ("Hội đồng Tư vấn Kinh doanh APEC", "APEC Business Advisory Council", "organization", "", "", "ABAC", "", "",
         "project: test", ""),
        ("ABAC", "ABAC", "acronym", "", "", "", "", "", "project: test", ""),
    )
)
TEST_GLOSSARY_CASES = (
    "Bộ trưởng Bộ Công Thương Nguyễn Hồng Diên chủ trì hội nghị thượng đỉnh.",  # title + ministry, touching
    "Hội nghị thượng đỉnh diễn ra tại Hà Nội.",  # lower-case rendering at sentence start
    unicodedata.normalize("NFD", "Bộ Công Thương phối hợp với Bộ Ngoại giao."),
    "bộ trưởng bộ ngoại giao và bộ trưởng bộ công thương gặp nhau.",  # lower case, each term twice
    "Bộ Công Thương cho biết Bộ Công Thương sẽ họp.",
)


def reference_segments() -> list[str]:
    """The ``vi`` cells of the corpus references (165 sentences of government and trade news)."""
    cells = []
    for path in sorted((ROOT / "corpus" / "references").glob("*.tsv")):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
        cells += [row[0] for row in rows[1:]]
    return cells


def corpus_segments() -> list[str]:
    return reference_segments() + FLORES_VI.read_text(encoding="utf-8").splitlines()[:40] + list(HARD_CASES)


def unmet_terms(glossary: Glossary, sources: Sequence[str], targets: Sequence[str]) -> list[str]:
    """Every shortfall of required terms, recomputed from scratch (not from the pipeline's records).

    Per rendering set: the output holds it at least as often as the source requires it.  Over the whole
    segment: the output holds as many non-overlapping renderings as there are requirements, so that one
    "Minister of Industry and Trade" cannot pass for both itself and a separate "Minister".
    """
    matcher = glossary.matcher()
    problems = []
    for source, target in zip(sources, targets, strict=True):
        requirements = requirements_for(source, matcher)
        for renderings, needed in Counter(r.renderings for r in requirements).items():
            if (found := count_rendering(target, renderings)) < needed:
                problems.append(f"{source!r}: {renderings[0]!r} {found}/{needed} times in {target!r}")
        every = {rendering for r in requirements for rendering in r.renderings}
        if requirements and count_rendering(target, every) < len(requirements):
            problems.append(f"{source!r}: {len(requirements)} terms, fewer separate renderings in {target!r}")
    return problems


@pytest.fixture(scope="module")
def models(tiny_model_dir: Callable[[str], Path]) -> dict[str, LoadedModel]:
    """Every family in float32, and Marian (the default family, stepped by its own decoder) in int8 too."""
    configure_threads(1)
    loaded = {arch: load_model(str(tiny_model_dir(arch))) for arch in FAMILIES}
    loaded["marian-int8"] = load_model(str(tiny_model_dir("marian")), precision="int8")
    return loaded


@pytest.fixture(scope="module")
def shipped() -> Glossary:
    return load_glossary(*default_paths())


@pytest.fixture(scope="module")
def test_glossary(tmp_path_factory: pytest.TempPathFactory) -> Glossary:
    path = tmp_path_factory.mktemp("glossary") / "terms.tsv"
    path.write_text(TEST_GLOSSARY, encoding="utf-8")
    return load_glossary(path)


def test_the_hard_cases_really_are_hard_cases(shipped: Glossary, test_glossary: Glossary) -> None:
    """Guards the inputs: each hard case has the terms the tests below count on."""
    find = shipped.matcher()

    def entries(text: str, matcher=find) -> list[str]:  # type: ignore[no-untyped-def]
        return [r.entry.en for r in requirements_for(text, matcher)]

    assert entries(NFD_SEGMENT) == entries(unicodedata.normalize("NFC", NFD_SEGMENT)) != []
    assert entries(LOWER_SEGMENT) == entries(CAPITAL_SEGMENT) and len(entries(LOWER_SEGMENT)) == 3
    assert Counter(entries(TWICE_SEGMENT))["Ministry of Industry and Trade"] == 2
    assert len(corpus_segments()) >= 200
    title_and_ministry = entries(TEST_GLOSSARY_CASES[0], test_glossary.matcher())
    assert title_and_ministry[:2] == ["Minister", "Ministry of Industry and Trade"]
    assert entries(TEST_GLOSSARY_CASES[1], test_glossary.matcher()) == ["summit"]
    assert len(entries(TEST_GLOSSARY_CASES[3], test_glossary.matcher())) == 4


@pytest.mark.parametrize("arch", (*FAMILIES, "marian-int8"))
def test_every_term_is_rendered_for_every_family(
    arch: str, models: dict[str, LoadedModel], shipped: Glossary, test_glossary: Glossary
) -> None:
    segments = corpus_segments()
    translator = Translator(models[arch], shipped, search=SEARCH)
    result = translator.translate_document("segments", "\n".join(segments), lines=True)
    targets = [record.target for record in result.segments]
    matcher = shipped.matcher()
    required = sum(len(requirements_for(s, matcher)) for s in segments)
    assert required > 500, "the segments must carry many terms for this to mean anything"
    assert unmet_terms(shipped, segments, targets) == []
    assert all(term.met for record in result.segments for term in record.terms), "the records must agree"

    own = Translator(models[arch], test_glossary, search=SEARCH)
    targets = own.translate_lines(list(TEST_GLOSSARY_CASES))
    assert unmet_terms(test_glossary, TEST_GLOSSARY_CASES, targets) == []


# -- random glossaries -----------------------------------------------------------------------------

SYLLABLES = (
    "Quỹ Phát Triển Nông Thôn Liên Minh Hợp Tác Sông Biển Rừng Xanh Đồng Bằng Miền Trung Khánh Lưu Vực "
    "Điện Lực Cảng Hàng Không Viện Nghiên Cứu Học Thuật Dệt May Thủy Sản Lúa Gạo Cà Phê Tiêu Điều Hòa"
).split()
#: English renderings are made of words the tiny models' target vocabularies were trained on.
EN_WORDS = sorted({
    w for w in FLORES_EN.read_text(encoding="utf-8").split()[:3000] if w.isalpha() and w.isascii() and 3 <= len(w) <= 10
})
POOL = reference_segments() + FLORES_VI.read_text(encoding="utf-8").splitlines()[:100]


@st.composite
def glossary_cases(draw: st.DrawFn) -> tuple[str, Glossary, list[str]]:
    """(family, glossary of 1-5 invented terms, 1-3 corpus segments with the terms inserted in them)."""
    arch = draw(st.sampled_from(FAMILIES))
    segments = [draw(st.sampled_from(POOL)).split() for _ in range(draw(st.integers(1, 3)))]
    entries = []
    for n in range(draw(st.integers(1, 5))):
        vi = " ".join(draw(st.lists(st.sampled_from(SYLLABLES), min_size=2, max_size=4)))
        renderings = [
            " ".join(draw(st.lists(st.sampled_from(EN_WORDS), min_size=1, max_size=3)))
            for _ in range(draw(st.integers(1, 2)))
        ]
        entries.append(Entry(vi=vi, en=renderings[0], type=EntryType.OTHER, en_alternatives=tuple(renderings[1:]),
                             source=f"test: random term {n}"))
        form = draw(st.sampled_from([vi, vi.lower(), unicodedata.normalize("NFD", vi)]))
        words = segments[draw(st.integers(0, len(segments) - 1))]
        words.insert(draw(st.integers(0, len(words))), form)
    return arch, Glossary(entries), [" ".join(words) for words in segments]


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=glossary_cases())
def test_random_glossaries_are_always_satisfied_in_hard_mode(
    models: dict[str, LoadedModel], case: tuple[str, Glossary, list[str]]
) -> None:
    arch, glossary, segments = case
    assert any(requirements_for(s, glossary.matcher()) for s in segments), "the inserted terms must be found"
    translator = Translator(models[arch], glossary, search=SearchOptions(beams=2, max_new_tokens=6))
    targets = translator.translate_lines(segments)
    assert unmet_terms(glossary, segments, targets) == []


# -- document policies ---------------------------------------------------------------------------


def test_acronym_first_mention_is_expanded_then_kept_short(
    tmp_path: Path, tiny_model_dir: Callable[[str], Path], vi2en: Callable
) -> None:
    glossary = tmp_path / "terms.tsv"
    glossary.write_text(TEST_GLOSSARY, encoding="utf-8")
    article = tmp_path / "abac.txt"
    article.write_text(
        "ABAC họp tại Hà Nội.\n\nCác thành viên ABAC thảo luận về thương mại.\n\nPhiên họp của ABAC kết thúc.\n",
        encoding="utf-8",
    )
    long_first = tmp_path / "long-first.txt"
    long_first.write_text(
        "Hội đồng Tư vấn Kinh doanh APEC họp tại Hà Nội.\n\nCác thành viên ABAC thảo luận.\n", encoding="utf-8"
    )
    common = ("--model", tiny_model_dir("marian"), "--threads", "1", "--beams", "2", "--glossary", glossary, "--jsonl")

    def targets(name: str, out: Path) -> list[str]:
        return [json.loads(line)["target"] for line in (out / f"{name}.jsonl").read_text().splitlines()]

    expanded = vi2en("translate", article, long_first, "-o", tmp_path / "expand", "--acronyms", "first-expand", *common)
    assert expanded.code == 0, expanded.err
    first, *later = targets("abac", tmp_path / "expand")
    assert count_rendering(first, ["APEC Business Advisory Council (ABAC)"]) == 1, first
    for target in later:
        assert count_rendering(target, ["ABAC"]) >= 1 and "Advisory Council" not in target, target
    # The long form already introduced the acronym: later mentions stay short, nothing is expanded twice.
    introduced, after = targets("long-first", tmp_path / "expand")
    assert count_rendering(introduced, ["APEC Business Advisory Council"]) == 1
    assert count_rendering(after, ["ABAC"]) >= 1 and "Advisory Council" not in after, after

    kept = vi2en("translate", article, "-o", tmp_path / "keep", *common)
    assert kept.code == 0, kept.err
    for target in targets("abac", tmp_path / "keep"):
        assert count_rendering(target, ["ABAC"]) >= 1 and "Advisory Council" not in target, target


def test_a_term_is_rendered_one_way_throughout_each_document(
    models: dict[str, LoadedModel], test_glossary: Glossary, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tiny models pick the same alternative everywhere, so the first pass is made to disagree, as a real
    model does: most segments say "Foreign Ministry" in document A and "MOFA" in document B.  The pipeline
    must re-decode (for real) the odd ones out into each document's own majority choice."""
    sentences = FLORES_VI.read_text(encoding="utf-8").splitlines()[200:207]
    document = "\n\n".join(f"{s.split('.')[0]} của Bộ Ngoại giao." for s in sentences)
    first_pass = {
        "A": ["Foreign Ministry"] * 4 + ["Ministry of Foreign Affairs", "MOFA", "Ministry of Foreign Affairs"],
        "B": ["MOFA"] * 5 + ["Foreign Ministry", "Ministry of Foreign Affairs"],
    }
    canned = iter(first_pass["A"] + first_pass["B"])
    real_decode = Decoder.decode
    calls: list[int] = []

    def decode(self: Decoder, requests, progress=None, **options):  # type: ignore[no-untyped-def]
        calls.append(len(requests))
        if len(calls) == 1:  # the first pass: what an undecided model might write
            return [Decoded(f"The delegation of the {next(canned)} arrived.") for _ in requests]
        return real_decode(self, requests, progress, **options)

    monkeypatch.setattr(Decoder, "decode", decode)
    # Only renderings="any" lets a document choose among alternatives; by default every occurrence is approved.
    translator = Translator(models["mbart"], test_glossary, search=SEARCH, renderings="any")
    results = {r.doc_id: r for r in translator.translate_documents([("A", document), ("B", document)])}
    assert calls == [14, 5], "the 5 segments that disagree with their document must be re-decoded, together"
    for doc_id, choice in (("A", "Foreign Ministry"), ("B", "MOFA")):
        others = {"Foreign Ministry", "Ministry of Foreign Affairs", "MOFA"} - {choice}
        for record in results[doc_id].segments:
            assert count_rendering(record.target, [choice]) >= 1, f"{doc_id}: {record.target!r} should say {choice}"
            assert count_rendering(record.target, others) == 0, f"{doc_id}: {record.target!r} mixes renderings"
            assert [t.rendered for t in record.terms] == [choice] and all(t.met for t in record.terms)


# -- glossary modes and the shipped glossary on the corpus through the CLI ---------------------------------


def test_glossary_off_requires_no_terms(tmp_path: Path, tiny_model_dir: Callable[[str], Path], vi2en: Callable) -> None:
    article = ROOT / "corpus" / "articles" / "2021-11-apec-amm32.txt"
    run = vi2en("translate", article, "-o", tmp_path, "--glossary-mode", "off", "--jsonl", "--model",
                tiny_model_dir("marian"), "--threads", "1", "--beams", "2")
    assert run.code == 0, run.err
    records = [json.loads(line) for line in (tmp_path / "2021-11-apec-amm32.jsonl").read_text().splitlines()]
    assert len(records) == 18 and all(r["terms"] == [] for r in records)
    assert "glossary (" not in run.err and "unmet" not in run.err, run.err


def test_soft_mode_reports_unmet_terms_but_never_fails(
    tmp_path: Path, tiny_model_dir: Callable[[str], Path], vi2en: Callable
) -> None:
    article = ROOT / "corpus" / "articles" / "2021-11-apec-amm32.txt"
    common = ("--jsonl", "--model", tiny_model_dir("marian"), "--threads", "1", "--beams", "2")
    # Two new tokens leave no room for the 61 terms of this article: soft mode must give some up.
    soft = vi2en("translate", article, "-o", tmp_path / "soft", "--glossary-mode", "soft", *common, max_new_tokens=2)
    assert soft.code == 0, soft.err
    assert "glossary (soft)" in soft.err and "unmet term:" in soft.err, "soft mode reports what it could not fit"
    # The same budget in hard mode is extended until every term fits.
    hard = vi2en("translate", article, "-o", tmp_path / "hard", *common, max_new_tokens=2)
    assert hard.code == 0 and "unmet term:" not in hard.err, hard.err


@pytest.mark.parametrize("arch", FAMILIES)
def test_corpus_articles_with_the_shipped_glossary_meet_every_term(
    arch: str, tmp_path: Path, tiny_model_dir: Callable[[str], Path], vi2en: Callable, shipped: Glossary
) -> None:
    run = vi2en("translate", ROOT / "corpus" / "articles", "-o", tmp_path, "--jsonl", "--model", tiny_model_dir(arch),
                "--threads", "1", "--beams", "2")
    assert run.code == 0, run.err
    outputs = sorted(tmp_path.glob("[!.]*.jsonl"))
    records = [json.loads(line) for path in outputs for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 165
    terms = [term for record in records for term in record["terms"]]
    assert len(terms) > 500 and all(term["met"] for term in terms)
    # The summary also counts the terms of photo credits, rendered by rule outside the segments
    # (as the evaluation sees them in the output), so that both report the same figure.
    matcher = shipped.matcher()
    credits = sum(
        len(requirements_for(line.suffix, matcher))
        for article in sorted((ROOT / "corpus" / "articles").glob("*.txt"))
        for line in parse_document(article.read_text(encoding="utf-8")).lines
        if line.suffix != line.output_suffix
    )
    assert credits > 0, "the corpus articles have photo credits naming the agency"
    required = len(terms) + credits
    assert f"{required} terms required, {required} met (100.0%)" in run.err, run.err
    assert unmet_terms(shipped, [r["source"] for r in records], [r["target"] for r in records]) == []
