"""Glossaries as teams keep them, on text the project has never seen: only approved renderings come out.

The files are written in the forms users bring (a 2-column CSV without header, a 3-column TSV, a
semicolon CSV as Excel writes it, TBX v2 with a deprecated term); their entries list alternatives that a
random-weights model is as likely to pick as the approved rendering.  The output must hold the approved
rendering (or a grammatical form) at every occurrence, never an alternative, never a deprecated term.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from glossary import Entry, load_glossary
from glossary.requirements import count_rendering, find_deprecated
from translate.decoding.beam_search import SearchOptions
from translate.decoding.model import load_model
from translate.pipeline import Translator

UNSEEN = [
    "Sáng nay, Bộ Ngoại giao và Bộ Tài chính đã ký kết biên bản ghi nhớ với đối tác Hàn Quốc.",
    "Đại diện Bộ Tài chính cho biết Hàn Quốc là đối tác thương mại quan trọng của Việt Nam.",
    "Bộ Ngoại giao khẳng định hợp tác với Hàn Quốc sẽ tiếp tục được thúc đẩy trong năm tới.",
    "Việt Nam và Hàn Quốc đặt mục tiêu kim ngạch thương mại song phương đạt 150 tỷ USD.",
]
TBX_V2 = """<?xml version="1.0" encoding="UTF-8"?>
<martif type="TBX" xml:lang="en">
  <martifHeader><fileDesc><sourceDesc><p>team export</p></sourceDesc></fileDesc></martifHeader>
  <text><body>
    <termEntry id="korea">
      <langSet xml:lang="vi"><tig><term>Hàn Quốc</term></tig></langSet>
      <langSet xml:lang="en">
        <tig><term>Republic of Korea</term><termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></tig>
        <tig><term>South Korea</term><termNote type="administrativeStatus">admittedTerm-admn-sts</termNote></tig>
        <tig><term>Korea</term><termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote></tig>
      </langSet>
    </termEntry>
  </body></text>
</martif>
"""
APPROVED = {
    "Bộ Ngoại giao": "Ministry of Foreign Affairs",
    "Bộ Tài chính": "Ministry of Finance",
    "Việt Nam": "Viet Nam",
    "Hàn Quốc": "Republic of Korea",
}
NEVER = ["Foreign Ministry", "MOFA", "Finance Ministry", "Vietnam", "South Korea"]


@pytest.fixture
def team_files(tmp_path: Path) -> list[Path]:
    two_columns = tmp_path / "deepl.csv"  # vi,en without a header, as DeepL glossaries are kept
    two_columns.write_text("Bộ Ngoại giao,Ministry of Foreign Affairs\n", encoding="utf-8")
    three_columns = tmp_path / "team.tsv"
    three_columns.write_text("vi\ten\ttype\nBộ Tài chính\tMinistry of Finance\torganization\n", encoding="utf-8")
    semicolons = tmp_path / "excel.csv"
    semicolons.write_text("vi;en;en_alternatives\nViệt Nam;Viet Nam;Vietnam\n"
                          "Bộ Ngoại giao;Ministry of Foreign Affairs;Foreign Ministry | MOFA\n"
                          "Bộ Tài chính;Ministry of Finance;Finance Ministry\n", encoding="utf-8-sig")
    tbx = tmp_path / "cat-tool.tbx"
    tbx.write_text(TBX_V2, encoding="utf-8")
    return [two_columns, three_columns, semicolons, tbx]


def test_team_glossaries_load_with_their_alternatives_and_deprecated_terms(team_files: list[Path]) -> None:
    glossary = load_glossary(*team_files)
    korea = next(e for e in glossary.entries if e.vi == "Hàn Quốc")
    assert (korea.en, korea.en_alternatives, korea.en_deprecated) == ("Republic of Korea", ("South Korea",), ("Korea",))
    assert {e.vi for e in glossary.entries} == set(APPROVED)


@pytest.mark.parametrize("arch", ["marian", "mbart", "t5", "m2m100"])
def test_unseen_text_gets_the_approved_renderings_only(
    arch: str, team_files: list[Path], tiny_model_dir: Callable[[str], Path]
) -> None:
    translator = Translator(load_model(str(tiny_model_dir(arch))), load_glossary(*team_files),
                            search=SearchOptions(max_new_tokens=8))
    document = translator.translate_document("unseen", "\n".join(UNSEEN), lines=True)
    for source, record in zip(UNSEEN, document.segments, strict=True):
        target = record.target
        for vi, approved in APPROVED.items():
            assert count_rendering(target, [approved]) >= source.count(vi), (source, target, approved)
        assert count_rendering(target, NEVER) == 0, (source, target)
        # The deprecated "Korea" is never produced: only inside the approved "Republic of Korea".
        assert count_rendering(target, ["Korea"]) == count_rendering(target, ["Republic of Korea"]), (source, target)
        assert record.deprecated == [] and not any("deprecated" in w for w in document.warnings)


def test_a_deprecated_rendering_written_outside_the_term_is_found() -> None:
    korea = Entry("Hàn Quốc", "Republic of Korea", "place", source="t", en_deprecated=("Korea",))
    assert find_deprecated("The Republic of Korea and Viet Nam", korea) == []
    [found] = find_deprecated("Korea and the Republic of Korea", korea)
    assert (found.start, found.end, found.rendering) == (0, 5, "Korea")
