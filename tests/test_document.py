"""Article structure and round trips (translate/document.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translate.document import Document, lines_document, parse_document, render_credit

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
AMM32 = SHARED / "articles" / "000_7ebd6aafe0aa8c06.txt"
ASEAN = SHARED / "articles" / "004_1f40b116b03d12c4.txt"


def shared_text(path: Path) -> str:
    if not path.exists():
        pytest.skip(f"../shared not present: {path} is missing")
    return path.read_text(encoding="utf-8")


def round_trip(text: str) -> str:
    document = parse_document(text)
    return document.assemble(document.segments())


def normalised_lines(text: str) -> list[str]:
    """The text compared line by line with whitespace runs collapsed."""
    return [" ".join(line.split()) for line in text.split("\n")]


# --- the real articles -------------------------------------------------------------


def test_amm32_header_captions_and_round_trip() -> None:
    text = shared_text(AMM32)
    document = parse_document(text)
    first = document.lines[0]
    assert first.prefix == " date 2021-11 "
    assert first.body.startswith("Trong hai ngày 8-9/11, Bộ trưởng")
    assert first.kind == "paragraph"
    captions = [line for line in document.lines if line.kind == "caption"]
    assert len(captions) == 2
    for caption in captions:
        assert caption.body.endswith("APEC lần thứ 32.")
        assert caption.suffix == " (Ảnh: Lâm Khánh/TTXVN)"
        assert caption.output_suffix == " (Photo: Lam Khanh/VNA)"
    segments = document.segments()
    assert len(segments) == 18  # counted by eye: 16 paragraphs, two of them with two sentences
    assert not any("date 2021" in s or "Ảnh" in s or "TTXVN" in s for s in segments)
    assert round_trip(text) == text.replace("(Ảnh: Lâm Khánh/TTXVN)", "(Photo: Lam Khanh/VNA)")


def test_amm32_segment_positions_point_at_their_sentences() -> None:
    document = parse_document(shared_text(AMM32))
    positions = document.segment_positions()
    assert len(positions) == len(document.segments())
    for (line_index, position), segment in zip(positions, document.segments()):
        assert document.lines[line_index].sentences[position] == segment
    assert positions[:7] == [(0, 0), (2, 0), (4, 0), (6, 0), (8, 0), (10, 0), (10, 1)]


def test_asean_article_title_bullets_and_blank_lines() -> None:
    text = shared_text(ASEAN)
    document = parse_document(text)
    kinds = [line.kind for line in document.lines]
    assert kinds[0] == "title" and document.lines[0].body == "Tin tức tổng quan"
    assert kinds[4] == "dateline" and document.lines[4].prefix == "24/10/2020"
    assert kinds[1::2] == ["blank"] * (len(kinds) // 2)
    bullets = [line for line in document.lines if line.kind == "bullet"]
    assert [line.prefix for line in bullets] == ["- ", "- "]
    assert [line.body.split(":")[0] for line in bullets] == ["Công tác ASEAN nội khối", "Công tác ASEAN ngoại khối"]
    assert not any(segment.startswith("- ") for segment in document.segments())
    assert round_trip(text) == text


def test_assembled_translation_keeps_structure() -> None:
    text = shared_text(ASEAN)
    document = parse_document(text)
    translated = document.assemble([f"S{i}." for i in range(len(document.segments()))])
    lines = translated.split("\n")
    assert len(lines) == len(text.split("\n"))
    assert lines[0] == "S0." and lines[1] == ""
    assert lines[4] == "24/10/2020"  # the dateline is kept, not translated
    assert lines[10] == "- S4. S5."  # the first bullet holds two sentences


# --- prefixes, headings, bullets, titles ------------------------------------------


@pytest.mark.parametrize(
    ("line", "prefix", "body", "kind"),
    [
        ("- Mục một.", "- ", "Mục một.", "bullet"),
        ("  * Mục hai", "  * ", "Mục hai", "bullet"),
        ("• Mục ba", "• ", "Mục ba", "bullet"),
        ("+ Mục bốn", "+ ", "Mục bốn", "bullet"),
        ("1. Giới thiệu chung", "1. ", "Giới thiệu chung", "bullet"),
        ("12) Kết luận", "12) ", "Kết luận", "bullet"),
        ("## Tiêu đề phụ", "## ", "Tiêu đề phụ", "heading"),
        ("\t Đoạn thụt lề. ", "\t ", "Đoạn thụt lề.", "paragraph"),
        ("2020. Năm bản lề của kế hoạch năm năm về kinh tế và xã hội trong khu vực.",
         "", "2020. Năm bản lề của kế hoạch năm năm về kinh tế và xã hội trong khu vực.", "paragraph"),
        ("-5% là mức giảm.", "", "-5% là mức giảm.", "paragraph"),
        ("#hashtag không phải tiêu đề.", "", "#hashtag không phải tiêu đề.", "paragraph"),
    ],
)
def test_prefixes(line: str, prefix: str, body: str, kind: str) -> None:
    parsed = parse_document("Tiêu đề\n" + line).lines[1]
    assert (parsed.prefix, parsed.body, parsed.kind) == (prefix, body, kind)
    assert parsed.prefix + parsed.body + parsed.suffix == line


@pytest.mark.parametrize(
    ("first_line", "kind"),
    [
        ("Hội nghị APEC lần thứ 32", "title"),
        ("Vì sao giá vàng tăng mạnh trong tuần qua?", "title"),
        ("Hội nghị APEC kết thúc.", "title"),
        ("Hội nghị liên Bộ trưởng Ngoại giao-Kinh tế APEC lần thứ 32 đã diễn ra theo hình thức trực tuyến.",
         "paragraph"),
    ],
)
def test_title_rule(first_line: str, kind: str) -> None:
    document = parse_document(f"\n{first_line}\n\nNội dung ngắn")
    assert document.lines[1].kind == kind
    assert document.lines[3].kind == "paragraph"  # only the first line with text can be a title


def test_header_only_on_the_first_line() -> None:
    document = parse_document(" date 2021-11\nTiêu đề\n\ndate 2021-11 là ngày.")
    assert (document.lines[0].prefix, document.lines[0].sentences) == (" date 2021-11", ())
    assert document.lines[1].kind == "title"
    assert document.lines[3].prefix == "" and document.lines[3].body == "date 2021-11 là ngày."


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("24/10/2020", "dateline"),
        ("  12/6/2024 10:30 ", "dateline"),
        ("10:30 | 2021-11-08", "dateline"),
        ("Ngày 24/10/2020", "paragraph"),
        ("24/10/2020 Hội nghị bế mạc", "paragraph"),
        ("8/11", "paragraph"),
    ],
)
def test_datelines_are_kept_verbatim(line: str, kind: str) -> None:
    document = parse_document(f"Tiêu đề\n\n{line}\n\nNội dung.")
    assert document.lines[2].kind == kind
    assert bool(document.lines[2].sentences) == (kind != "dateline")
    assert document.assemble(["Title", *(["X"] if kind != "dateline" else []), "Content."]).split("\n")[2] == (
        line if kind == "dateline" else "X"
    )


# --- photo credits -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "body", "output_suffix"),
    [
        ("Toàn cảnh hội nghị. (Ảnh: TTXVN)", "Toàn cảnh hội nghị.", " (Photo: VNA)"),
        ("Toàn cảnh hội nghị (Ảnh: Lâm Khánh/TTXVN)", "Toàn cảnh hội nghị", " (Photo: Lam Khanh/VNA)"),
        ("Giá xăng tăng. (Ảnh minh họa)", "Giá xăng tăng.", " (Illustrative photo)"),
        ("Giá xăng tăng. (Ảnh minh hoạ: Đỗ Đức/VOV) ", "Giá xăng tăng.", " (Illustrative photo: Do Duc/VOV) "),
        ("Trụ sở bộ. (Ảnh tư liệu)", "Trụ sở bộ.", " (File photo)"),
        ("Thủ tướng phát biểu. Ảnh: VGP/Nhật Bắc", "Thủ tướng phát biểu.", " Photo: VGP/Nhat Bac"),
        ("(Ảnh: TTXVN)", "", "(Photo: VNA)"),
        ("Ảnh: VGP/Nhật Bắc", "", "Photo: VGP/Nhat Bac"),
    ],
)
def test_credits_are_rendered_not_translated(line: str, body: str, output_suffix: str) -> None:
    parsed = parse_document("Tiêu đề\n" + line).lines[1]
    assert parsed.kind == "caption"
    assert parsed.body == body
    assert parsed.prefix + parsed.body + parsed.suffix == line
    assert parsed.output_suffix == output_suffix and parsed.has_credit
    assert list(parsed.sentences) == ([body] if body else [])


@pytest.mark.parametrize(
    "line",
    [
        "Bức ảnh: đẹp và rõ.",
        "Ông xem ảnh: một bức chân dung",
        "Ảnh: chụp tại hội nghị. Sau đó các đại biểu ra về",
        "Hội nghị (ảnh hưởng lớn) kết thúc.",
        "Xong. ảnh: Bộ trưởng",
        "Ảnh:  ",
    ],
)
def test_text_that_only_looks_like_a_credit(line: str) -> None:
    parsed = parse_document("Tiêu đề\n" + line).lines[1]
    assert parsed.kind == "paragraph" and parsed.body == line.strip() and not parsed.has_credit


def test_render_credit() -> None:
    assert render_credit("Ảnh", "Nguyễn Đức Thọ/TTXVN") == "Photo: Nguyen Duc Tho/VNA"
    assert render_credit("ẢNH", "Reuters") == "Photo: Reuters"
    assert render_credit("Ảnh minh họa", None) == "Illustrative photo"


# --- assembling ----------------------------------------------------------------------


def test_assemble_rejects_wrong_counts() -> None:
    document = parse_document("Một câu. Hai câu.\n\nBa câu.")
    assert document.segments() == ["Một câu.", "Hai câu.", "Ba câu."]
    with pytest.raises(ValueError, match="3 segments but 2 translations"):
        document.assemble(["One.", "Two."])
    with pytest.raises(ValueError, match="3 segments but 4 translations"):
        document.assemble(["One.", "Two.", "Three.", "Four."])


def test_line_endings_blank_lines_and_whitespace_are_kept() -> None:
    text = "Tiêu đề\r\n\r\n   \r\n  - Mục   một. Mục hai.  \n\nĐoạn cuối.\n"
    document = parse_document(text)
    assert [line.ending for line in document.lines] == ["\r\n", "\r\n", "\r\n", "\n", "\n", "\n"]
    assert document.assemble(["Title", "Item one.", "Item two.", "Last."]) == (
        "Title\r\n\r\n   \r\n  - Item one. Item two.  \n\nLast.\n"
    )


def test_translations_cannot_break_lines() -> None:
    document = parse_document("Một.\nHai.")
    assert document.assemble(["One\nline.", "  Two.  "]) == "One line.\nTwo."


def test_empty_document() -> None:
    assert parse_document("").segments() == [] and parse_document("").assemble([]) == ""
    assert lines_document("").segments() == []


def test_lines_document_one_segment_per_line() -> None:
    text = "Tiêu đề. Câu hai.\n\n  - Dòng   ba  \r\n(Ảnh: TTXVN)"
    document = lines_document(text)
    assert document.segments() == ["Tiêu đề. Câu hai.", "", "- Dòng ba", "(Ảnh: TTXVN)"]
    assert document.segment_positions() == [(0, 0), (1, 0), (2, 0), (3, 0)]
    output = document.assemble(["Title. Two.", "ignored", "- Line\nthree", "(Photo: VNA)"])
    assert output == "Title. Two.\n\n  - Line three  \r\n(Photo: VNA)"


# --- laws (hypothesis) -------------------------------------------------------------

WORDS = st.sampled_from(
    ["Bộ", "trưởng", "8-9/11", "TP.", "xong.", "Xong!", "Sao?", "“Tốt.", "tốt.”", "(x.", "y.)", "Đà", "1.", "#", "-",
     "date", "2021-11", "ảnh", "Ảnh"]
)
PREFIXES = st.sampled_from(["", "  ", "\t", "- ", "* ", "• ", "+ ", "1. ", "3) ", "## ", " date 2021-11 "])
CREDITS = {"": "", " (Ảnh: Lâm Khánh/TTXVN)": " (Photo: Lam Khanh/VNA)", " (Ảnh minh họa)": " (Illustrative photo)"}
LINES = st.tuples(
    PREFIXES,
    st.lists(WORDS, max_size=12).map(" ".join),
    st.sampled_from(sorted(CREDITS)),
    st.sampled_from(["", " ", "\t "]),
)
ENDINGS = st.sampled_from(["\n", "\r\n", "\r"])


@given(st.lists(st.tuples(LINES, ENDINGS), max_size=8), st.booleans())
@settings(max_examples=300, deadline=None)
def test_round_trip_law(lines: list[tuple[tuple[str, str, str, str], str]], final_newline: bool) -> None:
    text = expected = ""
    for index, ((prefix, body, credit, trailing), ending) in enumerate(lines):
        last = index == len(lines) - 1
        ending = ending if final_newline or not last else ""
        text += prefix + body + credit + trailing + ending
        expected += prefix + body + CREDITS[credit] + trailing + ending
    # The generated lines have no whitespace runs inside their bodies, so only the
    # credits may change.
    assert round_trip(text) == expected


@given(st.text(alphabet="aĐ Tứ1.!?,:“”\"()#-*•+\t\u00a0\n\r", max_size=120))
@settings(max_examples=300, deadline=None)
def test_arbitrary_text_keeps_lines_and_characters(text: str) -> None:
    for make in (parse_document, lines_document):
        document: Document = make(text)
        assert "".join(line.prefix + line.body + line.suffix + line.ending for line in document.lines) == text
        output = document.assemble(document.segments())
        assert [line.ending for line in make(output).lines] == [line.ending for line in document.lines]
        if make is parse_document:
            assert normalised_lines(output.replace("\r", "\n")) == normalised_lines(text.replace("\r", "\n"))
        else:  # a stray CR inside a line is whitespace of that line, never a line break
            assert normalised_lines(output) == normalised_lines(text.replace("\r\n", "\n").replace("\r", " "))
    assert all(segment and "\n" not in segment for segment in parse_document(text).segments())
    assert len(lines_document(text).segments()) == text.count("\n") + (not text.endswith("\n") and bool(text))


# --- agreement with the project's reference corpus ----------------------------------

CORPUS_ARTICLES = sorted((PROJECT / "corpus" / "articles").glob("*.txt"))


def read_reference(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.mark.parametrize("article", CORPUS_ARTICLES, ids=[path.stem for path in CORPUS_ARTICLES])
def test_segments_match_reference_rows(article: Path) -> None:
    """The corpus aligns one reference row per segment (title, bullets and caption
    sentences are rows; credits and datelines are not), and its English article is
    those rows put back in place: both must agree with parse_document."""
    reference = PROJECT / "corpus" / "references" / f"{article.stem}.tsv"
    if not reference.exists():
        pytest.skip(f"no reference file {reference.relative_to(PROJECT)} for this article yet")
    rows = read_reference(reference)
    document = parse_document(article.read_text(encoding="utf-8"))
    assert document.segments() == [row["vi"] for row in rows]
    english = reference.with_suffix(".en.txt")
    if english.exists():
        assert document.assemble([row["en"] for row in rows]) == english.read_text(encoding="utf-8")
