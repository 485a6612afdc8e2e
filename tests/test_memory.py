"""Translation memory in the run: normalised exact reuse without decoding, the glossary check on reused
translations, fuzzy offers that are never used silently, and the run summary's counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

from glossary import default_paths
from translate.decoding.beam_search import SearchOptions
from translate.memory import MemoryFileError, MemoryUnit, TranslationMemory, normalise
from translate.pipeline import Translator
from translate.tmx import TmxUnit, write_tmx
from translate.xliff import xliff21

ROOT = Path(__file__).resolve().parents[1]
REMEMBERED = "Hội nghị diễn ra trong hai ngày."
REMEMBERED_EN = "The meeting lasted two days."  # no random model writes this sentence
STALE = "Bộ Công Thương chủ trì hội nghị."
STALE_EN = "The Ministry of Trade chaired the meeting."  # lacks the approved "Ministry of Industry and Trade"


def test_normalisation_ignores_unicode_form_quotes_and_spacing() -> None:
    nfd = "Ho\u0300a “bi\u0300nh”  ho\u0323p."
    assert normalise(nfd) == normalise('Hòa "bình" họp.') == 'Hòa "bình" họp.'
    memory = TranslationMemory([MemoryUnit(' Hòa  "bình" họp. ', "Peace meets.", "x")])
    assert memory.exact(nfd) == "Peace meets."
    assert memory.exact("Hòa bình họp.") is None


def test_tsv_with_header_without_header_and_tmx_later_files_win(tmp_path: Path) -> None:
    with_header = tmp_path / "refs.tsv"
    with_header.write_text("en\tvi\nOne.\tMột.\nTwo.\tHai.\n", encoding="utf-8")
    bare = tmp_path / "bare.tsv"
    bare.write_text("# aligned segments\nHai.\tTWO (newer).\n\nBa.\tThree.\n", encoding="utf-8")
    tmx = tmp_path / "m.tmx"
    tmx.write_text(write_tmx([TmxUnit("Bốn.", "Four.")]), encoding="utf-8")
    memory = TranslationMemory.load([with_header, bare, tmx])
    assert len(memory) == 4
    assert [memory.exact(s) for s in ("Một.", "Hai.", "Ba.", "Bốn.")] == ["One.", "TWO (newer).", "Three.", "Four."]
    assert memory.exact_unit("Ba.").origin == f"{bare}:4"


def test_corpus_references_load_as_a_memory() -> None:
    path = ROOT / "corpus" / "references" / "2021-11-apec-amm32.tsv"
    memory = TranslationMemory.load([path])
    assert len(memory) == len(path.read_text(encoding="utf-8").splitlines()) - 1


@pytest.mark.parametrize("content, message", [("vi\ten\nchỉ một cột\n", r"bad\.tsv:2: expected a Vietnamese and an English cell"),
                                              (b"\xff\xfe", r"bad\.tsv: not UTF-8")])
def test_bad_memory_files_say_where(tmp_path: Path, content: str | bytes, message: str) -> None:
    path = tmp_path / "bad.tsv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(MemoryFileError, match=message):
        TranslationMemory.load([path])


def test_fuzzy_offers_are_ranked_thresholded_and_exclude_the_exact_match() -> None:
    memory = TranslationMemory([
        MemoryUnit("Bộ Công Thương chủ trì hội nghị về thương mại.", "A", "m"),
        MemoryUnit("Bộ Công Thương chủ trì hội nghị.", "B", "m"),
        MemoryUnit("Thời tiết hôm nay đẹp.", "C", "m"),
    ], fuzzy_threshold=70)
    offers = memory.fuzzy("Bộ Công Thương chủ trì hội nghị lớn.")
    assert [o.target for o in offers] == ["B", "A"]
    assert offers[0].score > offers[1].score >= 70
    assert [o.target for o in memory.fuzzy("Bộ Công Thương chủ trì hội nghị.")] == ["A"]
    assert memory.fuzzy("Bộ Công Thương chủ trì hội nghị lớn.", threshold=99) == []


@pytest.fixture(scope="module")
def memory_translator(tiny_model_dir: Callable[[str], Path]) -> Callable[[TranslationMemory], Translator]:
    def make(memory: TranslationMemory) -> Translator:
        return Translator.load(tiny_model_dir("marian"), glossary=default_paths(), threads=1,
                               search=SearchOptions(beams=2, max_new_tokens=8), memory=memory)
    return make


def test_exact_match_is_reused_a_stale_one_decoded_and_a_similar_one_offered(memory_translator: Callable) -> None:
    memory = TranslationMemory([MemoryUnit(REMEMBERED, REMEMBERED_EN, "m.tsv:2"), MemoryUnit(STALE, STALE_EN, "m.tsv:3")])
    decoded: list[int] = []
    text = f"{REMEMBERED.replace(' ', '  ')} {STALE}\n\nHội nghị diễn ra trong ba ngày.\n"
    result = next(memory_translator(memory).translate_documents([("d", text)], progress=decoded.append))
    reused, stale, similar = result.segments
    assert (reused.memory, reused.target, reused.memory_offers) == ("exact", REMEMBERED_EN, [])
    assert stale.memory == "stale" and stale.target != STALE_EN
    assert "Ministry of Industry and Trade" in stale.target and all(t.met for t in stale.terms)
    assert similar.memory is None and similar.target != REMEMBERED_EN
    assert [(o.source, o.target) for o in similar.memory_offers] == [(REMEMBERED, REMEMBERED_EN)]
    assert sum(decoded) == 2, "only the stale and the unknown segment go to the decoder"
    assert result.text.startswith(REMEMBERED_EN + " ")
    xliff = xliff21(result)
    assert 'subState="vi2en:memory"' in xliff and "s1: the memory's translation lacks a required glossary rendering" in xliff


def test_cli_tm_summary_counts_and_records(tiny_model_dir: Callable[[str], Path], vi2en: Callable, tmp_path: Path) -> None:
    memory = tmp_path / "approved.tsv"
    memory.write_text(f"vi\ten\n{REMEMBERED}\t{REMEMBERED_EN}\n{STALE}\t{STALE_EN}\n", encoding="utf-8")
    article = tmp_path / "doc.txt"
    article.write_text(f"{REMEMBERED}\n\n{STALE}\n\nHội nghị diễn ra trong ba ngày.\n", encoding="utf-8")
    run = vi2en("translate", article, "-o", tmp_path / "out", "--jsonl", "--tm", memory, "--model", tiny_model_dir("marian"),
                "--threads", "1", "--beams", "2")
    assert run.code == 0, run.err
    assert "translation memory: 1 exact matches reused, 1 fuzzy offers, 2 segments decoded (1 exact matches lacked" in run.err
    assert "stale memory: doc.txt:3:" in run.err  # the second paragraph, on line 3 of the file
    records = [json.loads(line) for line in (tmp_path / "out" / "doc.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["memory"] for r in records] == ["exact", "stale", None]
    assert records[2]["memory_offers"][0]["target"] == REMEMBERED_EN


def test_cli_unreadable_memory_is_a_usage_error(vi2en: Callable, tmp_path: Path) -> None:
    article = tmp_path / "doc.txt"
    article.write_text("Xin chào.\n", encoding="utf-8")
    run = vi2en("translate", article, "--tm", tmp_path / "missing.tmx", "--model", tmp_path)
    assert run.code == 2
    assert "translation memory:" in run.err and "missing.tmx" in run.err and "Traceback" not in run.err
