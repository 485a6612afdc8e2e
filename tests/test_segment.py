"""Sentence splitting and long-segment splitting (translate/segment.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from translate.segment import ABBREVIATIONS, split_long, split_sentences

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
AMM32 = SHARED / "articles" / "000_7ebd6aafe0aa8c06.txt"


def normalised(text: str) -> str:
    return " ".join(text.split())


def word_count(text: str) -> int:
    return len(text.split())


@pytest.fixture(scope="module")
def amm32_paragraphs() -> list[str]:
    if not AMM32.exists():
        pytest.skip(f"../shared not present: {AMM32} is missing")
    return [p for p in AMM32.read_text(encoding="utf-8").split("\n") if p.strip()]


def paragraph_containing(paragraphs: list[str], needle: str) -> str:
    (found,) = [p for p in paragraphs if needle in p]
    return found


# --- split_sentences on the real article ------------------------------------------


def test_amm32_dates_and_numbers_stay_in_one_sentence(amm32_paragraphs: list[str]) -> None:
    paragraph = paragraph_containing(amm32_paragraphs, "Trong hai ngày 8-9/11")
    assert split_sentences(paragraph) == [normalised(paragraph)]


def test_amm32_two_sentence_paragraph(amm32_paragraphs: list[str]) -> None:
    paragraph = paragraph_containing(amm32_paragraphs, "Tầm nhìn Putrayaja 2040 là")
    first, second = split_sentences(paragraph)
    assert first.startswith("Phát biểu tại Hội nghị,") and first.endswith("thúc đẩy phục hồi kinh tế.")
    assert second.startswith("Bộ trưởng khẳng định, Tầm nhìn Putrayaja 2040 là minh chứng")
    assert second.endswith("vì sự thịnh vượng của người dân và các thế hệ tương lai.")


def test_amm32_separate_sentences(amm32_paragraphs: list[str]) -> None:
    paragraph = paragraph_containing(amm32_paragraphs, "nhấn mạnh một số nội dung chính.")
    first, second = split_sentences(paragraph)
    assert first == "Về định hướng ưu tiên hợp tác, Bộ trưởng Bùi Thanh Sơn nhấn mạnh một số nội dung chính."
    assert second.startswith("Theo đó, APEC cần phát huy vai trò đi đầu")
    assert second.endswith("dựa trên luật lệ và cải cách WTO.")


def test_amm32_quoted_title_is_not_split(amm32_paragraphs: list[str]) -> None:
    paragraph = paragraph_containing(amm32_paragraphs, "Hợp tác kỹ thuật là công cụ")
    assert len(split_sentences(paragraph)) == 1


def test_amm32_whole_article_keeps_every_character(amm32_paragraphs: list[str]) -> None:
    for paragraph in amm32_paragraphs:
        assert " ".join(split_sentences(paragraph)) == normalised(paragraph)


# --- split_sentences rules ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Trong hai ngày 8-9/11, hội nghị diễn ra.",
        "Ngày 24/10/2020 tăng 4,5% so với 1.000 tỷ đồng và 3.5 lần.",
        "Ông Nguyễn Văn A. Bình dự họp.",
        "Bà Trần Thị H. Lan phát biểu.",
        "Các mặt hàng gạo, cà phê, v.v. Được xuất khẩu.",
        "Ông sống tại TP. Hồ Chí Minh và Tp. Cần Thơ.",
        "Hội thảo do ThS. Lê Văn Bình, TS. Lê An, PGS. Hà, GS. Vũ chủ trì.",
        "Diễn giả PGS.TS. Nguyễn Văn Cường trình bày.",
        "Trụ sở ở Q. 1 gần St. Paul, Mr. Smith và No. 5 Street.",
        "Xem tr. 15 của báo cáo.",
        "Ông nói: “Chúng tôi rất vui. Chúng tôi sẽ tiếp tục.” sau cuộc họp.",
        'Hai sáng kiến "Kết nối. Đổi mới" đã hoàn thành.',
        "Hội nghị (Diễn ra ngày 8/11. Trực tuyến) thành công.",
        "Hội nghị lần thứ 32 theo hình thức trực tuyến",
        "Ông nói... rồi im lặng.",
        "Giá tăng 5%. và còn tăng nữa.",
    ],
)
def test_no_split(text: str) -> None:
    assert split_sentences(text) == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hội nghị kết thúc. Các bên ký kết.", ["Hội nghị kết thúc.", "Các bên ký kết."]),
        ("Vì sao? Vì giá tăng! Thật… Đúng vậy.", ["Vì sao?", "Vì giá tăng!", "Thật…", "Đúng vậy."]),
        ("Kết quả năm 2020. 13 sáng kiến được thông qua.", ["Kết quả năm 2020.", "13 sáng kiến được thông qua."]),
        ("Ông nói: “Tốt.” Sau đó ra về.", ["Ông nói: “Tốt.”", "Sau đó ra về."]),
        ("Họ gọi đó là “đột phá”. Sau đó ra về.", ["Họ gọi đó là “đột phá”.", "Sau đó ra về."]),
        ("Ông đến. “Chào mọi người,” ông nói.", ["Ông đến.", "“Chào mọi người,” ông nói."]),
        ("Hội nghị kết thúc (tại Hà Nội). Các bên ký.", ["Hội nghị kết thúc (tại Hà Nội).", "Các bên ký."]),
        ("Tăng trưởng ở TP.HCM. Sau đó giảm.", ["Tăng trưởng ở TP.HCM.", "Sau đó giảm."]),
        ("Xong. (Ảnh: TTXVN)", ["Xong.", "(Ảnh: TTXVN)"]),
        # An opening quote that is never closed must not glue the rest together.
        ("Ông nói “tốt. Các bên ký. Hội nghị bế mạc.", ["Ông nói “tốt.", "Các bên ký.", "Hội nghị bế mạc."]),
        ("Bộ trưởng (phát biểu. Các bên ký.", ["Bộ trưởng (phát biểu.", "Các bên ký."]),
    ],
)
def test_split(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize("abbreviation", sorted(ABBREVIATIONS))
def test_every_listed_abbreviation_is_not_a_sentence_end(abbreviation: str) -> None:
    assert len(split_sentences(f"Gặp {abbreviation} Nguyễn An hôm qua.")) == 1


def test_whitespace_is_normalised_and_empty_input_has_no_sentence() -> None:
    assert split_sentences("  Một  câu.\n\tHai\u00a0câu.  ") == ["Một câu.", "Hai câu."]
    assert split_sentences(" \n ") == []


TOKENS = st.sampled_from(
    ["Bộ", "trưởng", "APEC", "8-9/11", "4,5%", "TP.", "H.", "v.v.", "2020.", "xong.", "Xong!", "Sao?",
     "“Tốt.", "tốt.”", '"A.', 'b."', "(Ảnh:", "TTXVN)", "(x.", "y.)", "…", "-", "Đà", "1.000", ",", ";"]
)
PARAGRAPHS = st.one_of(
    st.lists(TOKENS, max_size=40).map(" ".join),
    st.text(alphabet="aĐđÂ Tứ1.!?…,;:“”\"()[]«»’\t\n\u00a0", max_size=80),
)


@given(PARAGRAPHS)
@settings(max_examples=300, deadline=None)
def test_split_sentences_laws(paragraph: str) -> None:
    sentences = split_sentences(paragraph)
    assert " ".join(sentences) == normalised(paragraph)
    assert all(sentence and sentence == sentence.strip() for sentence in sentences)
    for sentence in sentences:
        assert split_sentences(sentence) == [sentence]
    assert split_sentences(paragraph) == sentences


# --- split_long --------------------------------------------------------------------


class CountingCounter:
    """A fake tokenizer that counts words and records how often it was asked."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, text: str) -> int:
        self.calls += 1
        return word_count(text)


def test_short_segment_is_returned_whole_with_one_call() -> None:
    counter = CountingCounter()
    assert split_long("  Hội nghị   kết thúc. ", 10, counter) == ["Hội nghị kết thúc."]
    assert counter.calls == 1


def test_known_counts_are_not_asked_again() -> None:
    counter = CountingCounter()
    pieces = split_long("một hai ba bốn năm, sáu bảy tám chín mười mười_một", 10, counter)
    assert pieces == ["một hai ba bốn năm,", "sáu bảy tám chín mười mười_một"]
    assert counter.calls == 3  # the whole segment once, then each half


def test_prefers_semicolon_near_the_middle() -> None:
    segment = "một hai, ba bốn năm; sáu bảy, tám chín mười"
    assert split_long(segment, 6, word_count) == ["một hai, ba bốn năm;", "sáu bảy, tám chín mười"]


def test_prefers_comma_before_conjunction_over_plain_comma() -> None:
    segment = "các nước ASEAN tăng cường hợp tác, nhất là thương mại, và Việt Nam đề xuất sáng kiến mới"
    left, right = split_long(segment, 12, word_count)
    assert left.endswith("nhất là thương mại,") and right.startswith("và Việt Nam")


def test_unbalanced_strong_boundary_loses_to_balanced_weaker_one() -> None:
    # The semicolon after the first word would leave a 1-word piece and a 11-word piece.
    segment = "Một; hai ba bốn năm sáu, bảy tám chín mười mười_một mười_hai"
    assert split_long(segment, 8, word_count) == ["Một; hai ba bốn năm sáu,", "bảy tám chín mười mười_một mười_hai"]


def test_without_punctuation_falls_back_to_words() -> None:
    segment = " ".join(f"từ{i}" for i in range(25))
    pieces = split_long(segment, 7, word_count)
    assert all(word_count(piece) <= 7 for piece in pieces)
    assert " ".join(pieces) == segment


def test_single_overlong_word_is_kept_whole() -> None:
    assert split_long("siêu-dài-không-cắt-được", 1, lambda text: len(text)) == ["siêu-dài-không-cắt-được"]


def test_rejects_non_positive_limit_and_handles_empty_input() -> None:
    with pytest.raises(ValueError, match="max_tokens"):
        split_long("a b", 0, word_count)
    assert split_long("  ", 5, word_count) == []


def test_five_thousand_word_paragraph_is_fast_lossless_and_frugal(amm32_paragraphs: list[str]) -> None:
    words = " ".join(amm32_paragraphs[1:]).split()
    paragraph = " ".join((words * (5000 // len(words) + 1))[:5000])
    counter = CountingCounter()
    started = time.perf_counter()
    pieces = split_long(paragraph, 60, counter)
    assert time.perf_counter() - started < 5
    assert " ".join(pieces) == paragraph
    assert all(word_count(piece) <= 60 for piece in pieces)
    assert len(pieces) >= 5000 // 60
    # Pieces are not needlessly small: on average more than half of the limit.
    assert 5000 / len(pieces) > 30
    assert counter.calls <= 2 * len(pieces) + 1
    # Most cuts fall after punctuation, not between arbitrary words.
    assert sum(piece[-1] in ".;:," for piece in pieces[:-1]) > 0.8 * (len(pieces) - 1)


@given(
    st.lists(st.sampled_from(["và", "nhưng", "xong.", "Sau", "a,", "b;", "c:", "dài", "“Tốt.", "x"]), max_size=120),
    st.integers(min_value=1, max_value=15),
    st.sampled_from([word_count, len, lambda text: len(text) // 3 + 1]),
)
@settings(max_examples=300, deadline=None)
def test_split_long_laws(words: list[str], max_tokens: int, count_tokens: Callable[[str], int]) -> None:
    segment = " ".join(words)
    pieces = split_long(segment, max_tokens, count_tokens)
    assert " ".join(pieces) == segment
    assert all(count_tokens(piece) <= max_tokens or " " not in piece for piece in pieces)
