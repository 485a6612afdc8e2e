"""Vietnamese person names: their English form, and finding them after titles.

English writes Vietnamese names without diacritics ("Bùi Thanh Sơn" -> "Bui Thanh Son"), so a
name needs no glossary entry to be rendered: `unaccent` is the rule. `find_titled_names` finds
names that are not in the glossary from what precedes them: a title ("Bộ trưởng",
"Thủ tướng", ...) or an honorific ("ông", "bà", ...).

How a name is delimited (a heuristic; each step has a test):

* After an honorific the name must follow at once; after a title it may come after the
  portfolio ("Bộ trưởng Thương mại và Tăng trưởng xuất khẩu New Zealand Damien O’Connor"),
  within `WINDOW` tokens, before any punctuation and before the next title.
* Candidates are runs of capitalised words (not ALL-CAPS acronyms, not digits), cut wherever a
  known glossary term that is not a person sits (a country, a ministry) when a matcher is given.
* In each run, in order: a Vietnamese name starts at a family name (`SURNAMES`) and is 2-4
  syllables long ("Công Thương Nguyễn Hồng Diên" -> "Nguyễn Hồng Diên"); failing that, the
  last two words without Vietnamese diacritics make a foreign name ("New Zealand Nanaia
  Mahuta" -> "Nanaia Mahuta"). Foreign names keep their spelling.
  Known limitations: foreign names of three words lose their first ("Lee Hsien Loong"), and
  hyphenated ones stop at a lower-case part ("Prayut Chan-o-cha" -> "Prayut Chan");
  Vietnamese names whose family name is missing from `SURNAMES` are not found.
"""

from __future__ import annotations

import unicodedata

from .entry import Entry, EntryType
from .matcher import Match, Matcher
from .normalize import TONE_MARKS, nfc, syllable_key, unaccent
from .tokens import Token, tokenize

__all__ = ["TITLES", "HONORIFICS", "SURNAMES", "unaccent", "find_titles", "find_titled_names", "person_entry"]

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
_FOREIGN_NAME_WORDS = 2
_VIETNAMESE_LETTERS = frozenset("ăâđêôơưĂÂĐÊÔƠƯ")


def person_entry(name: str, source: str) -> Entry:
    """A person entry made by rule: English form = the name without diacritics."""
    name = nfc(name)
    return Entry(vi=name, en=unaccent(name), type=EntryType.PERSON, source=source)


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
    tokens = tokenize(text)
    token_at = {token.start: i for i, token in enumerate(tokens)}
    blocked = _blocked_tokens(text, tokens, token_at, known)
    triggers = find_titles(text)
    trigger_starts = {token_at[trigger.start] for trigger in triggers}
    found: dict[tuple[int, int], Match] = {}
    for trigger in triggers:
        after = _token_after(tokens, token_at[trigger.start], trigger.end)
        window = 1 if trigger.entry.source == _HONORIFIC_SOURCE else WINDOW
        runs = _runs_after(tokens, after, window, trigger_starts, blocked)
        name = _name_in(runs, tokens)
        if name:
            start, end = tokens[name[0]].start, tokens[name[-1]].end
            entry = person_entry(text[start:end], f"rule: name after {trigger.text!r}")
            found.setdefault((start, end), Match(start, end, text[start:end], entry))
    return [found[span] for span in sorted(found)]


def _token_after(tokens: list[Token], first: int, end: int) -> int:
    """Index of the first token after a match that starts at token `first` and ends at offset `end`."""
    while first < len(tokens) and tokens[first].end <= end:
        first += 1
    return first


def _blocked_tokens(text: str, tokens: list[Token], token_at: dict[int, int], known: Matcher | None) -> set[int]:
    """Tokens inside known glossary terms other than persons: they cannot belong to a name."""
    blocked: set[int] = set()
    for match in known.find(text) if known else ():
        if match.entry.type is not EntryType.PERSON:
            first = token_at[match.start]
            blocked.update(range(first, _token_after(tokens, first, match.end)))
    return blocked


def _runs_after(tokens: list[Token], after: int, window: int, stops: set[int], blocked: set[int]) -> list[list[int]]:
    """Runs of name-like tokens starting within `window` tokens after a trigger."""
    runs: list[list[int]] = []
    current: list[int] = []
    index = after
    while index < len(tokens) and (index < after + window or current):
        token = tokens[index]
        if index in stops or not token.is_word:
            break
        if _name_like(token) and index not in blocked:
            current.append(index)
        elif current:
            runs.append(current)
            current = []
        index += 1
    if current:
        runs.append(current)
    return runs


def _name_like(token: Token) -> bool:
    return token.capitalised and not (len(token.text) > 1 and token.text.isupper())


def _name_in(runs: list[list[int]], tokens: list[Token]) -> list[int] | None:
    """The name in the first run that has one (rules in the module docstring)."""
    for run in runs:
        for i, index in enumerate(run):
            if tokens[index].key in SURNAMES and len(run) - i in NAME_LENGTHS:
                return run[i:]
        foreign = _foreign_tail(run, tokens)
        if len(foreign) >= _FOREIGN_NAME_WORDS:
            return foreign[-_FOREIGN_NAME_WORDS:]
    return None


def _foreign_tail(run: list[int], tokens: list[Token]) -> list[int]:
    tail: list[int] = []
    for index in reversed(run):
        if _looks_vietnamese(tokens[index].text):
            break
        tail.insert(0, index)
    return tail


def _looks_vietnamese(word: str) -> bool:
    """Whether the word has a tone mark or a letter only Vietnamese uses (ă â đ ê ô ơ ư)."""
    return any(ch in _VIETNAMESE_LETTERS for ch in nfc(word)) or any(
        ch in TONE_MARKS for ch in unicodedata.normalize("NFD", word)
    )
