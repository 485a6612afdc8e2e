"""Reading hostile inputs (translate/inputs.py): every problem is reported, nothing lost."""

from __future__ import annotations

import io
import json
import sys
import unicodedata
from pathlib import Path

import pytest

from translate.document import parse_document
from translate.inputs import InputError, InputProblem, SourceDocument, decode_text, read_documents
from translate.segment import split_long

VIETNAMESE = "Trong hai ngày 8-9/11, Bộ trưởng Bùi Thanh Sơn đã tham dự Hội nghị. Theo đó, APEC cần hợp tác."
TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def cp1258(text: str) -> bytes:
    """Encode like Windows-1258 does: base letters (â, ơ, đ…) precomposed, tones combining."""
    encoded = bytearray()
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
        encoded += base.encode("cp1258")
        encoded += "".join(c for c in decomposed if c in TONE_MARKS).encode("cp1258")
    return bytes(encoded)


def read_all(*inputs: str | Path) -> list[SourceDocument | InputProblem]:
    return list(read_documents(list(inputs)))


# --- decode_text -------------------------------------------------------------------


def test_plain_utf8_is_returned_unchanged_without_warnings() -> None:
    assert decode_text(VIETNAMESE.encode(), "a.txt") == (VIETNAMESE, [])


def test_utf8_bom_is_stripped() -> None:
    assert decode_text(b"\xef\xbb\xbf" + VIETNAMESE.encode(), "a.txt") == (VIETNAMESE, [])


@pytest.mark.parametrize("raw", [b"", b"  \n\t\r\n "])
def test_empty_file(raw: bytes) -> None:
    with pytest.raises(InputError, match=r"a\.txt: the file is empty"):
        decode_text(raw, "a.txt")


def test_cp1258_file_names_offset_and_conversion_command() -> None:
    raw = cp1258(VIETNAMESE)
    first_non_ascii = next(index for index, byte in enumerate(raw) if byte >= 0x80)
    with pytest.raises(InputError) as caught:
        decode_text(raw, "bai.txt")
    message = str(caught.value)
    assert "bai.txt: not valid UTF-8" in message
    assert f"byte offset {first_non_ascii} " in message
    assert "iconv -f cp1258 -t utf-8 bai.txt > bai.utf8.txt" in message  # a command that writes the converted copy
    assert "windows-1258" in message


def test_cp1258_helper_really_produces_cp1258() -> None:
    decoded = cp1258(VIETNAMESE).decode("cp1258")
    assert unicodedata.normalize("NFC", decoded) == VIETNAMESE


@pytest.mark.parametrize(
    "raw",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        bytes(range(1, 32)) * 10 + b"abc\xff",
        "văn bản".encode() + bytes(range(1, 9)) * 20,
    ],
)
def test_binary_file(raw: bytes) -> None:
    with pytest.raises(InputError, match="binary file"):
        decode_text(raw, "x.txt")


def test_utf16_gets_its_own_advice() -> None:
    with pytest.raises(InputError, match="iconv -f utf-16 -t utf-8 u.txt"):
        decode_text(VIETNAMESE.encode("utf-16"), "u.txt")


@pytest.mark.parametrize("encoding", ["utf-16le", "utf-16be"])
def test_utf16_without_a_byte_order_mark_is_named_not_called_binary(encoding: str) -> None:
    with pytest.raises(InputError, match=f"UTF-16(LE|BE) text without a byte-order mark.*iconv -f {encoding} -t utf-8 u.txt"):
        decode_text(VIETNAMESE.encode(encoding), "u.txt")
    with pytest.raises(InputError, match="looks like a binary file"):  # NUL bytes that are not UTF-16 text
        decode_text(bytes(range(256)) * 4, "b.bin")


def test_few_stray_control_characters_are_removed_with_warning() -> None:
    text, warnings = decode_text(("Hội nghị\x07 kết thúc." + " thêm chữ" * 20).encode(), "a.txt")
    assert text.startswith("Hội nghị kết thúc.")
    assert warnings == ["1 control character(s) removed"]


def test_windows_line_endings() -> None:
    text, warnings = decode_text(b"Ti\xc3\xaau \xc4\x91\xe1\xbb\x81\r\n\r\nC\xc3\xa2u.\r\n", "a.txt")
    assert text == "Tiêu đề\n\nCâu.\n"
    assert warnings == ["Windows line endings (CRLF) normalised to \\n"]


def test_html_article_becomes_plain_text() -> None:
    page = """<!DOCTYPE html><html><head><title>Trang</title><style>p { color: red }</style>
    <script>var s = "<p>không phải văn bản</p>";</script></head>
    <body><h1>Hội nghị APEC</h1>
    <p>Bộ trưởng   Bùi Thanh Sơn
    dự họp &amp; phát biểu.</p><div>Theo đó,<br>APEC cần&nbsp;hợp tác.</div>
    <ul><li>Mục một</li><li>Mục <b>hai</b></li></ul><!-- ghi chú --></body></html>"""
    text, warnings = decode_text(page.encode(), "a.txt")
    assert text == (
        "Hội nghị APEC\n\nBộ trưởng Bùi Thanh Sơn dự họp & phát biểu.\n\nTheo đó,\nAPEC cần hợp tác.\n\n"
        "- Mục một\n- Mục hai"
    )
    assert warnings == ["HTML markup removed"]


def test_inline_only_html_keeps_the_line_structure() -> None:
    page = "<html><body>Dòng <b>một</b>\n\nDòng <i>hai</i></body></html>"
    text, warnings = decode_text(page.encode(), "a.txt")
    assert text == "Dòng một\n\nDòng hai"
    assert warnings == ["HTML markup removed"]


def test_tags_in_prose_are_kept_as_written() -> None:
    """Only a whole HTML document is HTML: a tag mentioned in prose keeps every character."""
    prose = "Dòng <b>một</b>\n\nThẻ <script> chạy mã; <div> chia khối.\nDòng ba."
    assert decode_text(prose.encode(), "a.txt") == (prose, [])


def test_entities_without_tags_are_decoded_in_place() -> None:
    text, warnings = decode_text("Tom &amp; Jerry\n\nHai &#273;o&#7841;n".encode(), "a.txt")
    assert text == "Tom & Jerry\n\nHai đoạn"
    assert warnings == ["HTML entities (such as &amp;) decoded"]


def test_html_without_text_is_refused() -> None:
    with pytest.raises(InputError, match="no text to translate"):
        decode_text(b"<html><body><p> </p><script>x()</script></body></html>", "a.txt")


def test_nfd_text_comes_out_nfc_and_segments_identically() -> None:
    nfc = (
        " date 2021-11 Trong hai ngày 8-9/11, Bộ trưởng Bùi Thanh Sơn đã tham dự Hội nghị.\n\n"
        "Bộ trưởng Ngoại giao Bùi Thanh Sơn dự Hội nghị. (Ảnh: Lâm Khánh/TTXVN)\n\n"
        "Về định hướng ưu tiên hợp tác, Bộ trưởng nhấn mạnh một số nội dung chính. Theo đó, APEC cần hợp tác.\n"
    )
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    text, warnings = decode_text(nfd.encode(), "a.txt")
    assert text == nfc
    assert warnings == ["Unicode was decomposed (NFD) or mixed; normalised to NFC"]
    document = parse_document(text)
    assert document.segments() == parse_document(nfc).segments()
    assert len(document.segments()) == 4
    assert [line.kind for line in document.lines] == ["paragraph", "blank", "caption", "blank", "paragraph"]


def test_mixed_normalisation_is_also_normalised() -> None:
    mixed = VIETNAMESE + " " + unicodedata.normalize("NFD", "Việt Nam")
    text, warnings = decode_text(mixed.encode(), "a.txt")
    assert text == VIETNAMESE + " Việt Nam" and len(warnings) == 1


# --- read_documents ----------------------------------------------------------------


def test_folder_is_mirrored_sorted_and_filtered(tmp_path: Path) -> None:
    root = tmp_path / "in"
    for relative, content in {
        "z.txt": "Z.",
        "a.md": "# A",
        "sub/b.txt": "B.",
        "sub/deeper/c.TXT": "C.",
        "sub/notes.odt": "ignored",  # (.docx and .html are read as formats since issue 15)
        "image.png": "ignored",
        ".hidden/d.txt": "ignored",
        "sub/.e.txt": "ignored",
    }.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(content, encoding="utf-8")
    results = read_all(root)
    assert all(isinstance(result, SourceDocument) for result in results)
    assert [r.doc_id for r in results] == ["a.md", "sub/b.txt", "sub/deeper/c.TXT", "z.txt"]
    assert [r.output_relpath for r in results] == [
        Path("a.md"), Path("sub/b.txt"), Path("sub/deeper/c.TXT"), Path("z.txt")
    ]
    assert [r.text for r in results] == ["# A", "B.", "C.", "Z."]


def test_vi_files_are_plain_text_whose_english_is_the_en_file(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    (root / "dev").mkdir(parents=True)
    (root / "dev" / "dev.vi").write_text("Hai bên nhất trí.\n", encoding="utf-8")
    (root / "dev" / "dev.en").write_text("The two sides agreed.\n", encoding="utf-8")  # the English side: not an input
    (tmp_path / "test.vi").write_text(VIETNAMESE, encoding="utf-8")
    results = read_all(root, tmp_path / "test.vi")
    assert [(r.doc_id, r.output_relpath, r.markup) for r in results] == [
        ("dev/dev.vi", Path("dev/dev.en"), "text"), ("test.vi", Path("test.en"), "text")
    ]
    assert results[1].text == VIETNAMESE
    (test_set,) = read_documents([tmp_path / "test.vi"], lines=True)
    assert isinstance(test_set, SourceDocument) and test_set.output_relpath == Path("test.en")


def test_bad_file_in_folder_is_reported_and_the_others_still_read(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(cp1258(VIETNAMESE))
    (tmp_path / "b.txt").write_bytes(b"")
    (tmp_path / "c.txt").write_text(VIETNAMESE, encoding="utf-8")
    first, second, third = read_all(tmp_path)
    assert isinstance(first, InputProblem) and first.doc_id == "a.txt" and "cp1258" in first.message
    assert isinstance(second, InputProblem) and second.doc_id == "b.txt" and "empty" in second.message
    assert isinstance(third, SourceDocument) and third.text == VIETNAMESE


def test_reading_is_lazy(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(VIETNAMESE, encoding="utf-8")
    results = read_documents([tmp_path])
    assert isinstance(next(results), SourceDocument)
    (tmp_path / "b.txt").unlink()  # not read yet, so its loss is reported, not hidden
    problem = next(results)
    assert isinstance(problem, InputProblem) and "cannot read" in problem.message


def test_jsonl_with_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"id": "bai/1", "text": "Câu một."}, ensure_ascii=False),
        '{"id": "2", "text": "thiếu ngoặc"',
        "",
        '["not", "an", "object"]',
        json.dumps({"id": "3"}),
        json.dumps({"id": "bai/1", "text": "Trùng id."}, ensure_ascii=False),
        json.dumps({"id": 7, "text": "Tom &amp; Jerry"}),
        json.dumps({"id": "8", "text": "   "}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = read_all(path)
    assert [type(r).__name__ for r in results] == [
        "SourceDocument", "InputProblem", "InputProblem", "InputProblem", "InputProblem", "SourceDocument",
        "InputProblem",
    ]
    first, bad_json, not_object, no_text, duplicate, numeric, empty = results
    assert isinstance(first, SourceDocument) and isinstance(numeric, SourceDocument)
    assert (first.doc_id, first.text, first.output_relpath) == ("bai/1", "Câu một.", Path("bai_1.txt"))
    assert bad_json.message.startswith(f"{path}:2: invalid JSON") and bad_json.doc_id == f"{path}:2"
    assert not_object.message.startswith(f"{path}:4: expected an object")
    assert no_text.message.startswith(f"{path}:5: \"text\" is missing")
    assert duplicate.doc_id == "bai/1" and f"{path}:6: duplicate id 'bai/1' (first used on line 1)" in duplicate.message
    assert (numeric.doc_id, numeric.text, numeric.output_relpath) == ("7", "Tom & Jerry", Path("7.txt"))
    assert numeric.warnings == ["HTML entities (such as &amp;) decoded"]
    assert empty.doc_id == "8" and "no text to translate" in empty.message


@pytest.mark.parametrize(
    ("doc_id", "file_name"),
    [
        ("../../etc/passwd", "etc_passwd.txt"),
        ("bài viết 1", "bài_viết_1.txt"),
        (".", "_.txt"),
        ("a" * 300, "a" * 200 + ".txt"),
    ],
)
def test_jsonl_ids_are_sanitised_into_safe_file_names(tmp_path: Path, doc_id: str, file_name: str) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"id": doc_id, "text": "Câu."}) + "\n", encoding="utf-8")
    (document,) = read_all(path)
    assert isinstance(document, SourceDocument)
    assert document.doc_id == doc_id and document.output_relpath == Path(file_name)


def test_empty_jsonl_is_reported(tmp_path: Path) -> None:
    (tmp_path / "x.jsonl").write_text("\n\n", encoding="utf-8")
    (problem,) = read_all(tmp_path / "x.jsonl")
    assert isinstance(problem, InputProblem) and "no usable records" in problem.message


def test_outputs_that_would_collide_are_refused(tmp_path: Path) -> None:
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "A.txt").write_text("Câu.", encoding="utf-8")
    (tmp_path / "ids.jsonl").write_text(
        '{"id": "a/b", "text": "Một."}\n{"id": "a b", "text": "Hai."}\n', encoding="utf-8"
    )
    results = read_all(tmp_path / "one", tmp_path / "two", tmp_path / "ids.jsonl")
    assert [type(r).__name__ for r in results] == ["SourceDocument", "InputProblem", "SourceDocument", "InputProblem"]
    messages = [r.message for r in results if isinstance(r, InputProblem)]
    assert "would overwrite that of A.txt" in messages[0]
    assert "would overwrite that of a/b" in messages[1]


def test_ids_must_be_unique_across_inputs(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Câu.", encoding="utf-8")
    (tmp_path / "ids.jsonl").write_text('{"id": "a.txt", "text": "Một."}\n', encoding="utf-8")
    document, problem = read_all(tmp_path / "a.txt", tmp_path / "ids.jsonl")
    assert isinstance(document, SourceDocument) and document.doc_id == "a.txt"
    assert isinstance(problem, InputProblem) and problem.doc_id == "a.txt"
    assert "an earlier input has the same id" in problem.message


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(VIETNAMESE.encode())))
    (document,) = read_all("-")
    assert document == SourceDocument("stdin", VIETNAMESE, Path("stdin.txt"), [])


def test_missing_unsupported_and_empty_folder_inputs(tmp_path: Path) -> None:
    (tmp_path / "doc.pdf").write_bytes(b"%PDF")
    (tmp_path / "empty").mkdir()
    results = read_all(tmp_path / "nope.txt", tmp_path / "doc.pdf", tmp_path / "empty")
    messages = [r.message for r in results if isinstance(r, InputProblem)]
    assert len(messages) == len(results)
    assert "no such file or folder" in messages[0]
    assert "unsupported input type .pdf" in messages[1] and ".txt, .md, .vi, .docx, .html" in messages[1]
    assert "no .txt, .md, .vi, .docx, .html, .htm files in this folder" in messages[2]


def test_five_thousand_word_paragraph_goes_through_whole(tmp_path: Path) -> None:
    """A single huge paragraph survives reading, parsing and length splitting intact."""
    paragraph = " ".join(f"từ{i}," if i % 7 else f"từ{i}" for i in range(5000))
    (tmp_path / "long.txt").write_text(paragraph, encoding="utf-8")
    (document,) = read_all(tmp_path / "long.txt")
    assert isinstance(document, SourceDocument) and document.text == paragraph
    (segment,) = parse_document(document.text).segments()
    pieces = split_long(segment, 50, lambda text: len(text.split()))
    assert all(len(piece.split()) <= 50 for piece in pieces)
    assert " ".join(pieces) == paragraph


def test_jsonl_line_in_legacy_encoding(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    before = b'{"id": "1", "text": "Vi'
    path.write_bytes(before + cp1258("ệt Nam") + b'"}\n')
    (problem,) = [r for r in read_all(path) if "UTF-8" in getattr(r, "message", "")]
    assert isinstance(problem, InputProblem) and problem.doc_id == f"{path}:1"
    assert problem.message.startswith(f"{path}:1: not valid UTF-8 (byte offset {len(before)} in the line)")


def test_conversion_hint_quotes_file_names() -> None:
    with pytest.raises(InputError, match="iconv -f cp1258 -t utf-8 'bài 1.txt'"):
        decode_text(cp1258("Việt Nam"), "bài 1.txt")
