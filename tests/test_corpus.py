"""Consistency checks for corpus/: the domain test set is how product quality is measured,
so a silently misaligned reference row or a miscounted index would corrupt every score."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
INDEX_COLUMNS = ["name", "title_vi", "date", "origin", "licence", "segments", "people", "glossary_terms"]
MIN_TOTAL_SEGMENTS = 150
FLORES_LINES = 1012
CREDIT_VI = re.compile(r"\(Ảnh: ([^)]*)/TTXVN\)$")
CREDIT_EN = re.compile(r"\(Photo: ([^)]*)/VNA\)$")
DATE_LINE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")


@dataclass(frozen=True)
class Article:
    """One index row plus the paths of its three files."""

    row: dict[str, str]

    @property
    def name(self) -> str:
        return self.row["name"]

    @property
    def source(self) -> Path:
        return CORPUS / "articles" / f"{self.name}.txt"

    @property
    def tsv(self) -> Path:
        return CORPUS / "references" / f"{self.name}.tsv"

    @property
    def english(self) -> Path:
        return CORPUS / "references" / f"{self.name}.en.txt"


def read_tsv(path: Path) -> list[list[str]]:
    """Split on tabs only: the corpus never quotes cells, so csv quoting rules must not apply."""
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == "", f"{path.name}: must end with a newline"
    return [line.split("\t") for line in lines[:-1]]


def load_index() -> list[Article]:
    rows = read_tsv(CORPUS / "index.tsv")
    assert rows[0] == INDEX_COLUMNS
    for cells in rows[1:]:
        assert len(cells) == len(INDEX_COLUMNS), cells[:1]
    return [Article(dict(zip(INDEX_COLUMNS, cells))) for cells in rows[1:]]


def reference_rows(article: Article) -> list[tuple[str, str]]:
    rows = read_tsv(article.tsv)
    assert rows[0] == ["vi", "en"], article.name
    for cells in rows[1:]:
        assert len(cells) == 2, f"{article.name}: a row needs exactly 2 cells: {cells}"
    return [(vi, en) for vi, en in rows[1:]]


def normalise(text: str) -> str:
    """Whitespace normalisation used by the segmentation rules: runs of whitespace become one space."""
    return " ".join(text.split())


def unaccent(text: str) -> str:
    """Photo credits are rendered with names stripped of Vietnamese diacritics (Lâm Khánh -> Lam Khanh)."""
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def assert_in_order(cells: list[str], text: str, what: str) -> None:
    position = 0
    for number, cell in enumerate(cells, start=1):
        found = text.find(cell, position)
        assert found >= 0, f"{what}: row {number} not found (in order): {cell[:80]!r}"
        position = found + len(cell)


ARTICLES = load_index()
IDS = [article.name for article in ARTICLES]


def test_index_matches_files() -> None:
    names = set(IDS)
    assert len(names) == len(IDS), "duplicate index rows"
    assert {p.stem for p in (CORPUS / "articles").glob("*.txt")} == names
    assert {p.name for p in (CORPUS / "references").iterdir()} == {
        f"{name}{suffix}" for name in names for suffix in (".tsv", ".en.txt")
    }
    for article in ARTICLES:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", article.row["date"]), article.name
        assert article.name.startswith(article.row["date"][:7]), article.name
        assert all(article.row[column] for column in INDEX_COLUMNS), article.name


@pytest.mark.parametrize("article", ARTICLES, ids=IDS)
def test_reference_rows_well_formed_and_counted(article: Article) -> None:
    rows = reference_rows(article)
    assert len(rows) == int(article.row["segments"])
    for vi, en in rows:
        for cell in (vi, en):
            assert cell and cell == cell.strip() and normalise(cell) == cell, repr(cell)
        assert vi != en
        assert "(Ảnh:" not in vi and not vi.startswith(("date ", "- ")), "credits, headers and bullet marks are not segment text"
        assert not DATE_LINE.match(vi)


def test_total_segments() -> None:
    assert sum(len(reference_rows(article)) for article in ARTICLES) >= MIN_TOTAL_SEGMENTS


@pytest.mark.parametrize("article", ARTICLES, ids=IDS)
def test_vi_cells_occur_in_article_in_order(article: Article) -> None:
    text = normalise(article.source.read_text(encoding="utf-8"))
    assert_in_order([vi for vi, _ in reference_rows(article)], text, article.name)


@pytest.mark.parametrize("article", ARTICLES, ids=IDS)
def test_en_cells_occur_in_english_article_in_order(article: Article) -> None:
    text = normalise(article.english.read_text(encoding="utf-8"))
    assert_in_order([en for _, en in reference_rows(article)], text, f"{article.name}.en.txt")


@pytest.mark.parametrize("article", ARTICLES, ids=IDS)
def test_english_article_keeps_line_structure(article: Article) -> None:
    """Document-level scoring pairs lines of the two files, so blank lines, bullets, date lines and
    photo credits must sit on the same line numbers."""
    vi_lines = article.source.read_text(encoding="utf-8").split("\n")
    en_lines = article.english.read_text(encoding="utf-8").split("\n")
    assert vi_lines[-1] == "" and en_lines[-1] == "", "files end with one newline"
    assert len(vi_lines) == len(en_lines)
    for number, (vi, en) in enumerate(zip(vi_lines, en_lines), start=1):
        where = f"{article.name} line {number}"
        assert (vi.strip() == "") == (en.strip() == ""), where
        assert vi.startswith("- ") == en.startswith("- "), where
        if DATE_LINE.match(vi.strip()):
            assert en == vi, where
        credit = CREDIT_VI.search(vi)
        en_credit = CREDIT_EN.search(en)
        assert (credit is None) == (en_credit is None), where
        if credit and en_credit:
            assert en_credit.group(1) == unaccent(credit.group(1)), where


@pytest.mark.parametrize("article", ARTICLES, ids=IDS)
def test_english_house_style(article: Article) -> None:
    for _, en in reference_rows(article):
        assert not re.search(r"\bVietnam\b", en), f"house style is 'Viet Nam': {en[:80]!r}"
        assert "TTXVN" not in en
        assert unaccent(en) == en, f"Vietnamese diacritics left in English: {en[:80]!r}"


@pytest.mark.parametrize("article", ARTICLES, ids=IDS)
def test_articles_are_nfc_and_end_with_newline(article: Article) -> None:
    text = article.source.read_text(encoding="utf-8")
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize("article", ARTICLES, ids=IDS)
def test_listed_glossary_terms_are_used_on_both_sides(article: Article) -> None:
    """The glossary helper takes its terms from this column; a pair that is not in the texts
    would add an entry the test set never exercises (or a rendering the reference contradicts)."""
    vi_text = normalise(article.source.read_text(encoding="utf-8"))
    en_text = normalise(article.english.read_text(encoding="utf-8"))
    pairs = [pair.split("=") for pair in article.row["glossary_terms"].split("; ")]
    assert pairs
    for pair in pairs:
        assert len(pair) == 2, pair
        vi, en = pair
        assert vi in vi_text, f"{article.name}: {vi!r} not in article"
        assert en in en_text, f"{article.name}: {en!r} not in English reference"


def shared_original(article: Article) -> Path | None:
    match = re.search(r"\.\./shared/articles/(\S+?\.txt)", article.row["origin"])
    return SHARED / "articles" / match.group(1) if match else None


def test_starting_articles_are_verbatim_copies() -> None:
    originals = [(article, shared_original(article)) for article in ARTICLES if shared_original(article)]
    assert len(originals) == 2
    if not SHARED.is_dir():
        pytest.skip("../shared not present: cannot compare with the supplied articles")
    for article, original in originals:
        expected = original.read_bytes()
        if not expected.endswith(b"\n"):
            expected += b"\n"
        assert article.source.read_bytes() == expected, article.name


def test_flores_copy_is_aligned_and_attributed() -> None:
    flores = CORPUS / "flores200-devtest"
    vi = (flores / "flores200.devtest.vi").read_text(encoding="utf-8").splitlines()
    en = (flores / "flores200.devtest.en").read_text(encoding="utf-8").splitlines()
    metadata = read_tsv(flores / "metadata_devtest.tsv")
    assert len(vi) == len(en) == FLORES_LINES
    assert all(line.strip() for line in vi + en)
    assert metadata[0][:2] == ["URL", "domain"] and len(metadata) == FLORES_LINES + 1
    assert "Attribution-ShareAlike 4.0" in (flores / "LICENSE-CC-BY-SA").read_text(encoding="utf-8")
    readme = (flores / "README.md").read_text(encoding="utf-8")
    for required in ("FLORES-200", "NLLB Team", "CC BY-SA 4.0", "Wikinews", "Wikibooks", "Wikivoyage"):
        assert required in readme


def test_non_redistributable_sets_are_not_copied() -> None:
    """IWSLT is CC BY-NC-ND and Tatoeba stays in ../shared: neither may ship with the project."""
    names = [path.name.lower() for path in CORPUS.rglob("*")]
    assert not [name for name in names if "tst2012" in name or "iwslt" in name or "tatoeba" in name]
