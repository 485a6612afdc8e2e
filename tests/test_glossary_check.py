"""`check`: every problem of a broken glossary is reported with its file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from glossary import Entry, Glossary, default_paths
from glossary.check import check_files
from glossary.entry import COLUMNS

# Rows here use the ten columns of glossaries written before forms and deprecated renderings existed.
TEN_COLUMNS = tuple(c for c in COLUMNS if c not in ("en_forms", "en_deprecated"))
from glossary.errors import Severity

ROWS = [
    "\t".join(TEN_COLUMNS),                                                                   # 1
    "Bộ Công Thương\tMinistry of Industry and Trade\torganization\t\t\tMOIT\t\t\tTT 03\t",  # 2 fine
    "Bộ Y tế\t\torganization\t\t\t\t\t\tTT 03\t",                                           # 3
    "Bộ Tư pháp\tMinistry of Justice\tministry\t\t\t\t\t\tTT 03\t",                         # 4
    "Bộ Nội vụ\tMinistry of Home Affairs\torganization",                                    # 5
    "Bộ Xây dựng\tMinistry of Construction\torganization\t\t\t\t2025-13-01\t\tTT 03\t",     # 6
    "Bộ Tài chính\tMinistry of Finance\torganization\t\t\t\t2025-03-01\t2024-01-01\tTT\t",  # 7
    "Bộ công thương\tMinistry of Industry and Trade\torganization\t\t\t\t\t\tpress\t",       # 8 duplicate of 2
    "Bộ Công Thương\tMinistry of Trade\torganization\t\t\t\t\t\tpress\t",                    # 9 conflict with 2
    "Hà Nội\tHa Noi\tplace\t\t\t\t\t2025-06-30\tprovinces 63\t",                            # 10 fine:
    "Hà Nội\tHanoi\tplace\t\t\t\t2025-07-01\t\tprovinces 34\t",                             # 11 validity differs
    "Bộ Ngoại giao\tMinistry of Foreign Affairs\torganization\t\t\tMOFA\t\t\t\t",            # 12
    "Bộ Quốc phòng\tMinistry of National Defence\torganization\tBộ QP |  | BQP\t\t\t\t\tTT\t",  # 13
    "Bộ Khoa học và Công nghệ\tMinistry of Science and Technology\torganization\t"
    "Bộ Khoa học và công nghệ\t\t\t\t\tTT\t",                                                  # 14
]
EXPECTED = [
    (3, Severity.ERROR, "missing en"),
    (4, Severity.ERROR, "unknown type 'ministry'"),
    (5, Severity.ERROR, "expected 10 fields, found 3"),
    (6, Severity.ERROR, "valid_from: '2025-13-01' is not a date"),
    (7, Severity.ERROR, "valid_from 2025-03-01 is after valid_to 2024-01-01"),
    (8, Severity.ERROR, "duplicate entry 'Bộ công thương'"),
    (9, Severity.ERROR, "conflicting renderings of 'Bộ Công Thương': 'Ministry of Trade' here, "
                        "'Ministry of Industry and Trade' at"),
    (12, Severity.ERROR, "missing source"),
    (13, Severity.ERROR, "vi_variants: empty value"),
    (14, Severity.WARNING,
     "variant 'Bộ Khoa học và công nghệ' is redundant: it matches like 'Bộ Khoa học và Công nghệ'"),
]


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def summary(problems) -> list[tuple[int, Severity]]:
    return [(p.line, p.severity) for p in problems]


def test_every_problem_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.tsv", ROWS)
    problems = check_files([path], curated=True)
    assert summary(problems) == [(line, severity) for line, severity, _ in EXPECTED]
    for problem, (_, _, message) in zip(problems, EXPECTED):
        assert problem.path == str(path) and message in problem.message


def test_a_later_file_overrides_an_earlier_one_with_a_warning_naming_both(tmp_path: Path) -> None:
    first = write(tmp_path / "a.tsv", ROWS[:2])
    second = write(tmp_path / "b.tsv", [ROWS[0], ROWS[8]])
    (problem,) = check_files([first, second])
    assert (problem.path, problem.line, problem.severity) == (str(second), 2, Severity.WARNING)
    assert f"{second}:2: warning: 'Bộ Công Thương' -> 'Ministry of Trade' overrides 'Ministry of Industry and Trade' " \
           f"of the entry at {first}:2" in str(problem)


def test_within_one_file_the_same_term_twice_stays_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "a.tsv", [*ROWS[:2], ROWS[8]])
    (problem,) = check_files([path])
    assert (problem.line, problem.severity) == (3, Severity.ERROR) and "conflicting renderings" in problem.message


def test_a_file_given_twice_is_read_once(tmp_path: Path) -> None:
    path = write(tmp_path / "a.tsv", ROWS[:2])
    (problem,) = check_files([path, tmp_path / "." / "a.tsv"])
    assert problem.severity is Severity.WARNING and "given more than once" in problem.message


@pytest.mark.parametrize(("header", "message"), [
    ("vi\tEnglish\tkind\tsource", "header: unknown column(s) 'kind'"),
    ("vi\ten\tEN", "header: column(s) named twice: en"),
    ("en\ttype", "header: no vi column"),
    ("source\ttarget\tvi", "'target' is read as en with 'source' as vi"),
])
def test_a_wrong_header_reports_that_no_row_was_read(tmp_path: Path, header: str, message: str) -> None:
    path = write(tmp_path / "g.tsv", [header, ROWS[1]])
    (problem,) = check_files([path])
    assert (problem.line, problem.severity) == (1, Severity.ERROR)
    assert message in problem.message and "the 1 rows below were not read" in problem.message


@pytest.mark.parametrize("suffix", [".csv", ".tbx"])
def test_exchange_formats_report_problems_at_their_own_lines(tmp_path: Path, suffix: str) -> None:
    good = Entry("Bộ Y tế", "Ministry of Health", "organization", source="TT")
    bad = Entry("Bộ Tư pháp", "Ministry of Justice", "organization", source="")
    path = tmp_path / f"g{suffix}"
    Glossary([good, bad]).save(path)  # saving does not validate; reading must catch the missing source
    lines = path.read_text(encoding="utf-8").splitlines()
    expected_line = 3 if suffix == ".csv" else next(
        i for i, line in enumerate(lines, 1) if "conceptEntry" in line and 'id="c2"' in line)
    (problem,) = check_files([path], curated=True)
    assert (problem.line, problem.message) == (expected_line, "missing source")


def test_malformed_tbx_is_reported_at_the_broken_line(tmp_path: Path) -> None:
    path = tmp_path / "g.tbx"
    path.write_text('<?xml version="1.0"?>\n<tbx>\n<text>\n</tbx>\n', encoding="utf-8")
    (problem,) = check_files([path])
    assert problem.line == 4 and "not well-formed XML" in problem.message


def test_missing_file_is_a_problem(tmp_path: Path) -> None:
    (problem,) = check_files([tmp_path / "absent.tsv"])
    assert problem.severity is Severity.ERROR and "cannot read file" in problem.message


def test_shipped_glossary_passes_check() -> None:
    paths = default_paths()
    if not paths:
        pytest.skip("glossary/data/*.tsv not written yet")
    problems = check_files(paths)
    assert [str(p) for p in problems if p.severity is Severity.ERROR] == []
