"""Person names: their English form, and finding them after titles.

English writes Vietnamese names without diacritics ("Bùi Thanh Sơn" -> "Bui Thanh Son"), so a
name needs no glossary entry to be rendered: `unaccent` is the rule. Other names keep their own
spelling ("Kim Sung-ho", "François Dupont"). `find_titled_names` finds names that are not in the
glossary from what precedes them: a title ("Bộ trưởng", "Thủ tướng", ...) or an honorific ("ông",
"bà", ...).

How a name is delimited (a heuristic; each step has a test):

* After an honorific the name must follow at once; after a title it may come after the
  portfolio or the organisation ("Bộ trưởng Thương mại và Tăng trưởng xuất khẩu New Zealand
  Damien O’Connor", "Chủ tịch VITAS Vũ Đức Giang", "Chủ tịch Hiệp hội Dệt may Việt Nam (VITAS)
  Vũ Đức Giang", "Bộ trưởng Thương mại, Công nghiệp và Năng lượng Hàn Quốc Ahn Duk-geun"),
  within `WINDOW` tokens, before any other punctuation and the next title.
* Candidates are runs of capitalised words (not ALL-CAPS acronyms, not digits). A hyphenated
  word is one word ("Sung-ho", "Chan-o-cha"). Known glossary terms that are not persons (a
  country, a ministry) cut a run when a matcher is given, except a one-syllable term inside a
  Vietnamese name (the "Đức" of "Vũ Đức Giang" is also Germany, the "Anh" of "Nguyễn Tuấn Anh"
  also Britain).
* In each run, in order: a Vietnamese name (`why_foreign` returns None) starts at a family name
  (`SURNAMES`) and is 2-4 syllables long ("Công Thương Nguyễn Hồng Diên" -> "Nguyễn Hồng Diên");
  failing that, the words at the end of the run that are not Vietnamese syllables with
  diacritics ("Hélène Dupré" are none, "Pháp" is one) make a foreign
  name: the last two ("New Zealand Nanaia Mahuta" -> "Nanaia Mahuta", marked as a cut when
  there were more), or all three when a glossary cut the run (it holds the countries that
  would otherwise start it: "Singapore Lee Hsien Loong" -> "Lee Hsien Loong").
* A capitalised honorific after a capitalised word belongs to the name ("Nguyễn Tuấn Anh").

Which names are Vietnamese (`why_foreign`): every syllable is spelled as Vietnamese spells
syllables (Vietnamese letters only, at most one tone mark, an initial consonant, vowel and
final of the Vietnamese inventory), no part is hyphenated or has an apostrophe, and the name
starts with a common family name or carries a Vietnamese diacritic somewhere. "Kim Sung-ho"
(hyphenated), "Kim Jong Un" (no Vietnamese syllable "Jong"), "François Dupont" (ç) and "Hun Sen"
(no family name, no diacritics) are foreign; "Kim Ngọc Anh" and "Vũ Đức Giang" are Vietnamese.
Known limitations: with a glossary, a country missing from it starts a name of three words
("Tuvalu Feleti Teo"); without one, three-word names lose their first ("Hsien Loong");
Vietnamese names whose family name is missing from `SURNAMES` are not found; Chinese names
written in Sino-Vietnamese ("Tập Cận Bình") look Vietnamese and need glossary entries.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import pairwise

from .entry import Entry, EntryType
from .matcher import Match, Matcher
from .normalize import TONE_MARKS, nfc, syllable_key, unaccent
from .tokens import Token, tokenize

__all__ = [
    "TITLES", "HONORIFICS", "SURNAMES", "TitledName", "unaccent", "looks_vietnamese", "why_foreign", "find_titles", "find_titled_names",
    "find_titled_people", "person_entry",
]

TITLES: tuple[str, ...] = (
    "Bộ trưởng", "Thứ trưởng", "Thủ tướng", "Phó Thủ tướng", "Chủ tịch", "Phó Chủ tịch", "Chủ tịch nước",
    "Phó Chủ tịch nước", "Chủ tịch Quốc hội", "Phó Chủ tịch Quốc hội", "Tổng Bí thư", "Bí thư", "Phó Bí thư",
    "Thường trực Ban Bí thư", "Đại sứ", "Tổng Lãnh sự", "Lãnh sự", "Ngoại trưởng", "Tổng thống", "Phó Tổng thống",
    "Quốc vương", "Nhà vua", "Nữ hoàng", "Hoàng tử", "Công chúa", "Tổng thư ký", "Phó Tổng thư ký", "Tổng Giám đốc",
    "Phó Tổng Giám đốc", "Giám đốc", "Phó Giám đốc", "Thống đốc", "Phó Thống đốc", "Chánh án", "Viện trưởng",
    "Tổng Kiểm toán", "Trưởng ban", "Phó Trưởng ban", "Trưởng đoàn", "Người phát ngôn", "Đại tướng",
    "Thượng tướng", "Trung tướng", "Thiếu tướng", "Đại tá", "Giáo sư", "Phó Giáo sư", "Tiến sĩ", "GS", "PGS",
    "TS", "ThS", "Thạc sĩ", "Nghị sĩ", "Thị trưởng", "Tỉnh trưởng", "Chủ nhiệm", "Phó Chủ nhiệm", "Cục trưởng",
    "Vụ trưởng", "Chánh Văn phòng",
)
HONORIFICS: tuple[str, ...] = ("ông", "bà", "anh", "chị", "ngài", "Ngài", "Đồng chí", "đồng chí")

# Common Vietnamese family names. Left out on purpose: those that more often start a place name
# after a title in the news (Thái Lan, Hàn Quốc, Ninh Bình, Đồng Nai, châu Âu, Yên Bái...).
SURNAMES: frozenset[str] = frozenset(syllable_key(s) for s in (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Đào Lương Trịnh Mai "
    "Trương Tô Hà Lâm Quách Vương Triệu Châu Cao Kiều Lưu Tạ Văn Đoàn Khổng Mạc Nghiêm Chu Đàm Thân Tôn Lại "
    "Kim Phùng Diệp Hứa Doãn Lã Lò Nông Hầu Lạc Thạch Bạch Bế Mạch Khúc Lục Phí Tống Vi Đường Khương Tiêu Trình"
).split())

WINDOW = 12  # tokens after a title in which the name may start (the portfolio comes first)
NAME_LENGTHS = range(2, 5)  # Vietnamese names have 2-4 syllables
_FOREIGN_NAME_WORDS = range(2, 4)  # a foreign name filling its run: 2 or 3 words ("Kao Kim Hourn")
_FOREIGN_CUT = 2  # words kept from the end of a longer run
_VIETNAMESE_LETTERS = frozenset("ăâđêôơưĂÂĐÊÔƠƯ")
_ALPHABET = frozenset("aăâbcdđeêghiklmnoôơpqrstuưvxy")
# A Vietnamese syllable without its tone: initial consonant, optional medial o/u, vowel, final.
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?[ou]?"
    r"(?:iê|yê|uô|ươ|ia|ya|ua|ưa|[aăâeêioôơuưy])(?:ch|ng|nh|[cmnpt]|[iyou])?"
)
_HYPHENS = frozenset("-\u2010\u2011")
_APOSTROPHES = frozenset("'\u2019\u02bc")


@dataclass(frozen=True)
class TitledName:
    """A name found after a title, with what a reviewer needs to trust it."""

    match: Match  # the name, as a synthetic person entry (en by `person_entry`)
    title: str  # the title or honorific before it, as written
    between: str  # the portfolio or organisation between them ("VITAS", "Công Thương"), often empty
    foreign: str | None  # why the name is not Vietnamese (`why_foreign`), None for a Vietnamese name
    cut: bool  # the name is the end of a longer run of capitalised words: its start is a guess


def why_foreign(name: str) -> str | None:
    """None for a Vietnamese name, else the reason it is not one (rule in the module docstring)."""
    words = nfc(name).split()
    for word in words:
        if any(ch in _HYPHENS for ch in word):
            return f"hyphenated {word!r}"
        if any(ch in _APOSTROPHES for ch in word):
            return f"apostrophe in {word!r}"
        if not _vietnamese_syllable(word):
            return f"{word!r} is not a Vietnamese syllable"
    if words and syllable_key(words[0]) not in SURNAMES and not any(looks_vietnamese(w) for w in words):
        return "no Vietnamese family name and no Vietnamese diacritics"
    return None


def person_entry(name: str, source: str) -> Entry:
    """A person entry made by rule: a Vietnamese name without diacritics, any other as written."""
    name = nfc(name)
    return Entry(vi=name, en=name if why_foreign(name) else unaccent(name), type=EntryType.PERSON, source=source)


_TITLE_SOURCE = "rule: built-in title list"
_HONORIFIC_SOURCE = "rule: built-in honorific list"
_TRIGGERS = Matcher(
    [Entry(vi=t, en="", type=EntryType.TITLE, source=_TITLE_SOURCE) for t in TITLES]
    + [Entry(vi=h, en="", type=EntryType.TITLE, source=_HONORIFIC_SOURCE) for h in HONORIFICS]
)


def find_titles(text: str) -> list[Match]:
    """The titles and honorifics of the built-in lists in `text`."""
    return _TRIGGERS.find(text)


def find_titled_names(text: str, known: Matcher | None = None) -> list[Match]:
    """Person names following a title or honorific in `text`, as synthetic person entries.

    `known` (the glossary matcher) sharpens the result: the terms it finds, other than persons,
    cannot be part of a name ("New Zealand" in "Ngoại trưởng New Zealand Nanaia Mahuta").
    """
    return [person.match for person in find_titled_people(text, known)]


def find_titled_people(text: str, known: Matcher | None = None) -> list[TitledName]:
    """`find_titled_names` with the evidence of each name: its title, what stands between, its kind."""
    tokens = tokenize(text)
    token_at = {token.start: i for i, token in enumerate(tokens)}
    blocked, single = _blocked_tokens(text, tokens, token_at, known)
    words = _words(text, tokens)
    triggers = [t for t in find_titles(text) if not _inside_name(t, tokens, token_at)]
    trigger_starts = {token_at[trigger.start] for trigger in triggers}
    found: dict[tuple[int, int], TitledName] = {}
    for trigger in triggers:
        after = _token_after(tokens, token_at[trigger.start], trigger.end)
        window = 1 if trigger.entry.source == _HONORIFIC_SOURCE else WINDOW
        runs = _runs_after(tokens, words, after, window, trigger_starts, blocked)
        name = _name_in(runs, text, tokens, words, single, known is not None)
        if name:
            first, last, cut = name
            start, end = tokens[first].start, tokens[last].end
            entry = person_entry(text[start:end], f"rule: name after {trigger.text!r}")
            between = " ".join(text[trigger.end:start].split())
            found.setdefault((start, end), TitledName(
                Match(start, end, text[start:end], entry), trigger.text, between, why_foreign(entry.vi), cut))
    return [found[span] for span in sorted(found)]


def _inside_name(trigger: Match, tokens: list[Token], token_at: dict[int, int]) -> bool:
    """A capitalised honorific right after a capitalised word is part of a name (the "Anh" of "Nguyễn Tuấn Anh")."""
    first = token_at[trigger.start]
    return (trigger.entry.source == _HONORIFIC_SOURCE and tokens[first].capitalised and first > 0
            and tokens[first - 1].is_word and tokens[first - 1].capitalised)


def _token_after(tokens: list[Token], first: int, end: int) -> int:
    """Index of the first token after a match that starts at token `first` and ends at offset `end`."""
    while first < len(tokens) and tokens[first].end <= end:
        first += 1
    return first


def _blocked_tokens(
    text: str, tokens: list[Token], token_at: dict[int, int], known: Matcher | None
) -> tuple[set[int], set[int]]:
    """Tokens inside known glossary terms other than persons: they cannot belong to a name.

    Returned apart: tokens of terms of several syllables, and one-syllable terms (which a
    Vietnamese name may contain).
    """
    blocked: set[int] = set()
    single: set[int] = set()
    for match in known.find(text) if known else ():
        if match.entry.type is not EntryType.PERSON:
            first = token_at[match.start]
            span = range(first, _token_after(tokens, first, match.end))
            (single if len(span) == 1 else blocked).update(span)
    return blocked, single


def _words(text: str, tokens: list[Token]) -> dict[int, int]:
    """For each token that starts a hyphenated word ("Sung-ho"), the index of the word's last token."""
    last: dict[int, int] = {}
    first = None
    for index in range(len(tokens) - 1):
        joined = (tokens[index].is_word and tokens[index + 1].is_word
                  and text[tokens[index].end:tokens[index + 1].start] in _HYPHENS)
        if joined:
            first = index if first is None else first
            last[first] = index + 1
        else:
            first = None
    return last


def _runs_after(
    tokens: list[Token], words: dict[int, int], after: int, window: int, stops: set[int], blocked: set[int]
) -> list[list[int]]:
    """Runs of name-like words (as first-token indices) starting within `window` tokens after a trigger.

    An acronym in parentheses between the organisation's name and a capitalised word ("Hiệp hội
    Dệt may Việt Nam (VITAS) Vũ Đức Giang", also where the glossary knows words of the name: "Tập
    đoàn Điện lực Việt Nam (EVN) Đặng Hoàng An") ends the run but not the search, and does not count
    in the window.
    """
    runs: list[list[int]] = []
    current: list[int] = []
    index, limit = after, after + window
    while index < len(tokens) and (index < limit or current):
        token = tokens[index]
        # After the organisation's name, even one the glossary knows (its words then are no name run).
        if index > after and _acronym_in_parentheses(tokens, index):
            runs, current = runs + ([current] if current else []), []
            index, limit = index + 3, limit + 3
            continue
        if token.text == "," and _portfolio_goes_on(tokens, after, index):
            runs, current = runs + ([current] if current else []), []
            index, limit = index + 1, limit + 1
            continue
        if index in stops or not token.is_word:
            break
        end = words.get(index, index)
        if _name_like(tokens, index, end) and not blocked.intersection(range(index, end + 1)):
            current.append(index)
        elif current:
            runs.append(current)
            current = []
        index = end + 1
    if current:
        runs.append(current)
    return runs


def _portfolio_goes_on(tokens: list[Token], after: int, comma: int) -> bool:
    """A comma inside a portfolio ("Bộ trưởng Thương mại, Công nghiệp và Năng lượng Hàn Quốc"): what
    precedes it since the title starts with a capital and has no two lower-case words in a row, and
    a capitalised word follows."""
    words = tokens[after:comma]
    return (bool(words) and words[0].capitalised and comma + 1 < len(tokens) and tokens[comma + 1].capitalised
            and all(a.capitalised or b.capitalised for a, b in pairwise(words)))


def _acronym_in_parentheses(tokens: list[Token], index: int) -> bool:
    """An organisation's "(VITAS)" right after its name and right before a capitalised word."""
    return (index + 3 < len(tokens) and tokens[index].text == "(" and tokens[index + 2].text == ")"
            and tokens[index + 1].is_word and tokens[index + 1].text.isupper() and tokens[index + 3].capitalised)


def _name_like(tokens: list[Token], first: int, last: int) -> bool:
    """A capitalised word, not an ALL-CAPS acronym; a hyphenated one with no Vietnamese part
    ("Sung-ho", not the "Nam-Hàn" of "Việt Nam-Hàn Quốc")."""
    token = tokens[first]
    if not token.capitalised or (len(token.text) > 1 and token.text.isupper()):
        return False
    return first == last or not any(looks_vietnamese(tokens[i].text) for i in range(first, last + 1))


def _name_in(
    runs: list[list[int]], text: str, tokens: list[Token], words: dict[int, int], single: set[int], trust_three: bool
) -> tuple[int, int, bool] | None:
    """(first token, last token, cut) of the name in the first run that has one (rules in the module docstring).

    `trust_three`: a glossary cut the runs, so a run of three foreign words holds no country.
    """
    for run in runs:
        for i, index in enumerate(run):
            name = run[i:]
            if (index not in single and tokens[index].key in SURNAMES and len(name) in NAME_LENGTHS
                    and why_foreign(_span(text, tokens, words, name)) is None):
                return name[0], words.get(name[-1], name[-1]), False
        piece = _split(run, single)[-1]  # the name ends the run: after the last country that cuts it
        tail = _foreign_tail(piece, tokens, words)
        if len(tail) == _FOREIGN_CUT or (trust_three and len(tail) == len(piece) and len(tail) in _FOREIGN_NAME_WORDS):
            return tail[0], words.get(tail[-1], tail[-1]), False
        if len(tail) > _FOREIGN_CUT:
            return tail[-_FOREIGN_CUT], words.get(tail[-1], tail[-1]), True
    return None


def _split(run: list[int], single: set[int]) -> list[list[int]]:
    """The run cut at one-syllable glossary terms (a foreign name holds none: "Nga Vladimir Putin")."""
    pieces: list[list[int]] = [[]]
    for index in run:
        if index in single:
            pieces.append([])
        else:
            pieces[-1].append(index)
    return [piece for piece in pieces if piece] or [[]]


def _span(text: str, tokens: list[Token], words: dict[int, int], run: list[int]) -> str:
    return text[tokens[run[0]].start:tokens[words.get(run[-1], run[-1])].end]


def _foreign_tail(run: list[int], tokens: list[Token], words: dict[int, int]) -> list[int]:
    """The words at the end of the run that are not Vietnamese syllables with diacritics ("Hélène" is none)."""
    tail: list[int] = []
    for index in reversed(run):
        if any(looks_vietnamese(tokens[i].text) and _vietnamese_syllable(tokens[i].text)
               for i in range(index, words.get(index, index) + 1)):
            break
        tail.insert(0, index)
    return tail


def looks_vietnamese(word: str) -> bool:
    """Whether the word has a tone mark or a letter only Vietnamese uses (ă â đ ê ô ơ ư)."""
    return any(ch in _VIETNAMESE_LETTERS for ch in nfc(word)) or any(
        ch in TONE_MARKS for ch in unicodedata.normalize("NFD", word)
    )


def _vietnamese_syllable(word: str) -> bool:
    """Whether `word` is spelled as a Vietnamese syllable (rule in the module docstring)."""
    decomposed = unicodedata.normalize("NFD", word.casefold())
    if sum(ch in TONE_MARKS for ch in decomposed) > 1:
        return False
    toneless = nfc("".join(ch for ch in decomposed if ch not in TONE_MARKS))
    return set(toneless) <= _ALPHABET and _SYLLABLE.fullmatch(toneless) is not None
