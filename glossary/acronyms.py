"""Whether an acronym fits the words before its parenthesis: the evidence for a long form's boundary.

In "Hiệp định Đối tác Kinh tế Toàn diện Khu vực (RCEP)" the nearest head noun, "Khu vực", is a
generic word that cannot stand for four letters: the long form must reach back to "Hiệp định"
for R, C, E and P to be explained. An acronym is explained

* in Vietnamese when it spells the first letters of the long form's first syllables, in order
  ("Ủy ban nhân dân (UBND)", "Ngân hàng Nhà nước Việt Nam (NHNN)"; an acronym inside the long
  form counts whole: "Trung tâm WTO (TTWTO)");
* in English when its letters are the initials of the English words of the long form, in any
  order, since Vietnamese puts modifiers after the noun ("Tổ chức Thương mại Thế giới" = "World
  Trade Organization", WTO). English words come from the glossary's renderings of terms inside
  the long form, from `WORDS` (the vocabulary of institution names) and from words written in
  Latin script without Vietnamese diacritics ("APEC", "Abu Dhabi": their own initials).

Digits of the acronym ("MC13") must stand in the long form as a number ("lần thứ 13").
Acronyms that take more than initials ("VITAS" = VIetnam Textile and Apparel ASsociation) are
explained weakly by the inner letters of those English words. Vietnamese syllables of neither
kind are unknown words: each might explain any one letter.

Confidence: high when every letter is explained by initials; medium when initials explain more
than half the letters and the weak letters and unknown words can explain the rest; low otherwise (the boundary is wrong, or the parenthesis is no definition: "Abu Dhabi (UAE)"
names a place and its country).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from .entry import Entry, EntryType
from .matcher import Matcher
from .names import looks_vietnamese
from .normalize import unaccent
from .tokens import Token, tokenize

HIGH, MEDIUM, LOW = "high", "medium", "low"
CONFIDENCES = (HIGH, MEDIUM, LOW)  # best first

#: English words of the generic nouns and modifiers of institution and agreement names
#: (alternatives separated by "|"): what an English acronym of a Vietnamese name is made of.
WORDS: dict[str, str] = {
    "Hiệp định": "Agreement", "Hiệp ước": "Treaty", "Công ước": "Convention", "Nghị định thư": "Protocol",
    "Thỏa thuận": "Agreement|Arrangement", "Thoả thuận": "Agreement|Arrangement",
    "Bản ghi nhớ": "Memorandum of Understanding", "Hội nghị": "Meeting|Conference",
    "Hội nghị thượng đỉnh": "Summit", "Thượng đỉnh": "Summit", "Đối thoại": "Dialogue", "Diễn đàn": "Forum",
    "Hội đồng": "Council|Board", "Hiệp hội": "Association", "Tổ chức": "Organization", "Nhóm": "Group|Team",
    "Ủy ban": "Committee|Commission", "Uỷ ban": "Committee|Commission", "Ban": "Board|Committee",
    "Quỹ": "Fund", "Ngân hàng": "Bank", "Liên minh": "Alliance|Union", "Liên đoàn": "Federation|Union",
    "Cơ quan": "Agency|Authority", "Viện": "Institute|Academy", "Trung tâm": "Centre|Center",
    "Tập đoàn": "Group|Corporation", "Tổng công ty": "Corporation", "Công ty": "Company|Corporation",
    "Bộ": "Ministry|Department", "Cục": "Department|Agency|Administration", "Tổng cục": "General Department",
    "Văn phòng": "Office", "Cộng đồng": "Community", "Phòng": "Chamber|Office", "Đại học": "University",
    "Mạng lưới": "Network", "Chương trình": "Programme|Program", "Sáng kiến": "Initiative",
    "Cơ chế": "Mechanism|Facility", "Khu vực": "Region|Regional|Area|Zone", "Đối tác": "Partnership|Partner",
    "Kinh tế": "Economic|Economy|Economies", "Toàn diện": "Comprehensive", "Tiến bộ": "Progressive",
    "Thương mại": "Trade|Commerce|Commercial", "Mậu dịch": "Trade", "Tự do": "Free", "Thế giới": "World|Global",
    "Quốc tế": "International", "Phát triển": "Development", "Đầu tư": "Investment", "Hợp tác": "Cooperation",
    "Hội nhập": "Integration", "Kinh doanh": "Business", "Tư vấn": "Advisory|Consultative",
    "Bộ trưởng": "Minister|Ministers|Ministerial", "Quan chức": "Officials", "Cấp cao": "Senior|High Level",
    "Đặc trách": "Task Force", "Công nghiệp": "Industry|Industrial", "Nông nghiệp": "Agriculture|Agricultural",
    "Tài chính": "Finance|Financial", "Tiền tệ": "Monetary", "Năng lượng": "Energy", "An ninh": "Security",
    "Hàng hải": "Maritime", "Hải quan": "Customs", "Lao động": "Labour|Labor", "Y tế": "Health",
    "Giáo dục": "Education", "Khoa học": "Science", "Công nghệ": "Technology", "Số": "Digital",
    "Doanh nghiệp": "Enterprise|Enterprises|Business", "Nhỏ và vừa": "Small and Medium", "Châu Á": "Asia|Asian",
    "Thái Bình Dương": "Pacific", "Châu Âu": "Europe|European", "Liên hợp quốc": "United Nations",
    "Xuyên": "Trans", "Chung": "Common|Joint", "Hỗn hợp": "Joint", "Dệt may": "Textile and Apparel|Textile",
    "Xuất khẩu": "Export", "Nhập khẩu": "Import", "Du lịch": "Tourism", "Vận tải": "Transport",
    "Nhà nước": "State", "Quốc gia": "National", "Toàn cầu": "Global", "Môi trường": "Environment",
    "Khí hậu": "Climate", "Biển": "Sea|Maritime", "Điện tử": "Electronic", "Chuỗi cung ứng": "Supply Chain",
    "Ngoại giao": "Foreign Affairs|Diplomatic", "Chiến lược": "Strategy|Strategic", "Khuôn khổ": "Framework",
    "Tầm nhìn": "Vision", "Kế hoạch": "Plan", "Lộ trình": "Roadmap", "Tuyên bố": "Declaration|Statement",
    "Hành động": "Action", "Thường trực": "Permanent|Standing", "Thư ký": "Secretariat", "Đặc biệt": "Special",
    "Việt Nam": "Vietnam|Viet Nam", "Hoa Kỳ": "United States|US", "Mỹ": "American|US",
    "Hàn Quốc": "Korea|Korean", "Nhật Bản": "Japan|Japanese", "Trung Quốc": "China|Chinese",
    "Ấn Độ": "India|Indian", "Ả Rập": "Arab", "Thống nhất": "United", "Tiểu vương quốc": "Emirates",
    "Đông Nam Á": "Southeast Asian|South-East Asian", "Các quốc gia": "Nations", "Hiệp hội các quốc gia": "Association of Nations",
    "Thị trường": "Market", "Dịch vụ": "Services", "Hàng hóa": "Goods", "Hàng hoá": "Goods", "Nông sản": "Agricultural",
    "Đô thị": "Urban", "Nghiên cứu": "Research|Studies", "Chính sách": "Policy", "Tăng trưởng": "Growth",
    "Bền vững": "Sustainable", "Xanh": "Green", "Cạnh tranh": "Competition|Competitiveness",
    "Sở hữu trí tuệ": "Intellectual Property", "Phòng Thương mại và Công nghiệp": "Chamber of Commerce and Industry",
    "Sở giao dịch": "Exchange", "Chứng khoán": "Stock|Securities", "Công bằng": "Just|Fair",
    "Chuyển đổi": "Transition|Transformation", "Bảo hộ": "Protection", "Xúc tiến": "Promotion",
    "Khung": "Framework", "Biến đổi khí hậu": "Climate Change", "Liên hiệp quốc": "United Nations",
    "Vương quốc Anh": "United Kingdom|UK", "Một cửa": "Single Window", "Đảo": "Islands",
    "Điều chỉnh": "Adjustment", "Biên giới": "Border", "Phá rừng": "Deforestation", "Quy định": "Regulation",
    "Trực tiếp": "Direct", "Nước ngoài": "Foreign", "Cao cấp": "Senior", "Hẹp": "Retreat",
}
#: Vietnamese words that English acronyms leave out ("of", "and", "for"...).
FUNCTION_WORDS = frozenset("và của về cho các những lần thứ tại với giữa trong ở từ đến".split())
_ENGLISH_STOP = frozenset("of and the for on in to a an at by with &".split())
_WORDS_SOURCE = "rule: acronyms.WORDS"
# Lower case: a one-syllable form written with a capital would only match capitalised text ("xuyên").
_WORDS_MATCHER = Matcher(Entry(vi=vi.lower(), en=en, type=EntryType.OTHER, source=_WORDS_SOURCE) for vi, en in WORDS.items())
_ENGLISH_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Fit:
    """How well an acronym fits a long form, and why, in words a reviewer can check."""

    confidence: str  # HIGH, MEDIUM or LOW
    evidence: str


def fit(acronym: str, long_form: str, known: Matcher | None = None) -> Fit:
    """How `acronym` fits `long_form` (rules in the module docstring); `known`: the glossary's matcher."""
    letters = [ch for ch in unaccent(acronym).upper() if ch.isalpha()]
    numbers = re.findall(r"\d+", acronym)
    tokens = [t for t in tokenize(long_form) if t.is_word]
    missing_numbers = [n for n in numbers if n not in {t.text for t in tokens}]
    if missing_numbers:
        return Fit(LOW, f"{' '.join(missing_numbers)} of {acronym} is not in {long_form!r}")
    if _vietnamese_initials(letters, tokens):
        return Fit(HIGH, f"{acronym} spells the first syllables of {long_form!r}")
    units, unknown = _units(acronym, long_form, tokens, known)
    wanted = Counter(letters)
    explained, used = _best_cover(tuple(sorted(wanted.items())), tuple(units))
    rest = wanted - explained
    words = " + ".join(used) or "no English word"
    if not rest:
        return Fit(HIGH, f"{acronym} = initials of {words}")
    weak = rest & Counter(ch for unit in units for option in unit for word in _english_words(option)
                          for ch in unaccent(word[1:]).upper())
    unexplained = rest - weak
    gaps = "".join(sorted(unexplained.elements()))
    if sum(unexplained.values()) <= unknown and 2 * sum(explained.values()) > len(letters):
        inner = f"; {''.join(sorted(weak.elements()))} inside the words" if weak else ""
        guess = f"; {gaps} may stand for {unknown} unknown word(s)" if gaps else ""
        return Fit(MEDIUM, f"{acronym}: initials of {words}{inner}{guess}")
    return Fit(LOW, f"{gaps} of {acronym} not explained by {long_form!r} ({words})")


def _vietnamese_initials(letters: list[str], tokens: list[Token]) -> bool:
    """Whether the letters spell the first syllables' initials (an acronym token counts whole)."""
    spelled = ""
    for token in tokens:
        if len(spelled) >= len(letters):
            break
        spelled += unaccent(token.text).upper() if token.text.isupper() else unaccent(token.text[0]).upper()
    return len(letters) >= 2 and spelled == "".join(letters)


def _units(
    acronym: str, long_form: str, tokens: list[Token], known: Matcher | None
) -> tuple[list[tuple[str, ...]], int]:
    """The English options of each word of the long form, and the number of unknown words.

    Glossary terms first (the longest names), then `WORDS`, then each remaining syllable:
    a Latin-script word is its own English, a function word is nothing, any other is unknown.
    """
    covered: set[int] = set()
    units: list[tuple[str, ...]] = []
    for matcher in (known, _WORDS_MATCHER):
        for match in matcher.find(long_form) if matcher else ():
            span = {i for i, t in enumerate(tokens) if match.start <= t.start < match.end}
            if span and not span & covered and match.entry.type is not EntryType.PERSON:
                options = match.entry.en.split("|") if match.entry.source == _WORDS_SOURCE else match.entry.renderings
                units.append(_options(acronym, options or (match.text,)))
                covered |= span
    unknown = 0
    for index, token in enumerate(tokens):
        if index in covered or token.text.isdigit() or token.key in FUNCTION_WORDS:
            continue
        if not looks_vietnamese(token.text) and token.text.isascii():
            units.append(_options(acronym, (token.text,)))
        else:
            unknown += 1
    return units, unknown


def _options(acronym: str, renderings: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """English options of one unit; an acronym ("ASEAN") gives its first letter, or itself when
    the acronym being explained contains it ("USABC" holds "US")."""
    options: list[str] = []
    for rendering in renderings:
        if rendering.isupper() and " " not in rendering:
            options.append(rendering[0])
            if len(rendering) > 1 and rendering in acronym:
                options.append(rendering)
        else:
            options.append(rendering)
    return tuple(dict.fromkeys(options))


def _english_words(phrase: str) -> list[str]:
    return [w for w in _ENGLISH_WORD.findall(phrase) if w.casefold() not in _ENGLISH_STOP]


def _initials(option: str) -> Counter[str]:
    """The letters an English option gives an acronym: its words' initials, or an acronym whole."""
    if option.isupper() and " " not in option:
        return Counter(unaccent(option))
    return Counter(unaccent(word[0]).upper() for word in _english_words(option))


@lru_cache(maxsize=4096)
def _best_cover(
    wanted: tuple[tuple[str, int], ...], units: tuple[tuple[str, ...], ...]
) -> tuple[Counter[str], tuple[str, ...]]:
    """The most letters of `wanted` that one option per unit (or none) can give, and the options used."""
    if not units or not wanted:
        return Counter(), ()
    need = Counter(dict(wanted))
    best = _best_cover(wanted, units[1:])
    for option in units[0]:
        gained = need & _initials(option)
        if not gained:
            continue
        rest, used = _best_cover(tuple(sorted((need - gained).items())), units[1:])
        if sum(gained.values()) + sum(rest.values()) > sum(best[0].values()):
            best = gained + rest, (option, *used)
    return best
