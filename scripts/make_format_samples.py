#!/usr/bin/env python3
"""Make a Word and an HTML version of a corpus article, as newsrooms receive them.

    python scripts/make_format_samples.py                      # corpus/formats/2024-06-vcci-rcep-wto-seminar.{docx,html}
    python scripts/make_format_samples.py NAME --out DIR

The article's structure comes from vi2en's own parser (title, date line, paragraphs, captions); the
formatting is what a press office adds: the title as a heading, the first glossary term of each paragraph
in bold, the first acronym linked to the WTO's site, a fact table, a header and a footer, and for the web
page the site's menu and footer around the article (what ``--extract`` leaves out).  The default
article was written for the project (Apache-2.0), so its formatted versions can be shipped too.
"""

from __future__ import annotations

import argparse
import html
import io
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import docx  # noqa: E402
from docx.opc.constants import RELATIONSHIP_TYPE as RT  # noqa: E402
from docx.oxml import parse_xml  # noqa: E402
from docx.oxml.ns import nsdecls  # noqa: E402

from glossary import load_glossary  # noqa: E402
from glossary.requirements import TermRequirement, requirements_for  # noqa: E402
from translate.document import parse_document  # noqa: E402
from translate.glossary_files import glossary_paths  # noqa: E402

DEFAULT = "2024-06-vcci-rcep-wto-seminar"
SAMPLE_DAY = (2024, 6, 12, 0, 0, 0)
"""The date every entry of the Word file carries (the default article's day), so that runs give the same bytes."""
#: Acronyms linked to their organisation's site (the first one of each paragraph).
LINKS = {"WTO": "https://www.wto.org/", "RCEP": "https://rcepsec.org/", "VCCI": "https://vcci.com.vn/"}


def emphasis(text: str, found: list[TermRequirement]) -> list[tuple[str, str]]:
    """(text, kind) pieces of a paragraph: kind "" plain, "bold" the first organization, "link:URL" the first acronym with a site."""
    marks: dict[str, TermRequirement] = {}
    for req in found:
        kind = "bold" if req.entry.type.value == "organization" else "link" if req.entry.en in LINKS else ""
        if kind and kind not in marks and all(req.end <= m.start or m.end <= req.start for m in marks.values()):
            marks[kind] = req
    pieces, position = [], 0
    for kind, req in sorted(marks.items(), key=lambda item: item[1].start):
        mark = f"link:{LINKS[req.entry.en]}" if kind == "link" else kind
        pieces += [(text[position:req.start], ""), (text[req.start:req.end], mark)]
        position = req.end
    return [p for p in pieces + [(text[position:], "")] if p[0]]


def article_blocks(name: str) -> tuple[list[tuple[str, list[tuple[str, str]]]], str]:
    """The article as (kind, pieces) blocks, and its date line."""
    text = (ROOT / "corpus" / "articles" / f"{name}.txt").read_text(encoding="utf-8")
    matcher = load_glossary(*glossary_paths("builtin")).matcher()
    blocks, dateline = [], ""
    for line in parse_document(text).lines:
        content = (line.prefix + line.body + line.suffix).strip()
        if line.kind == "dateline":
            dateline = content
        elif line.kind != "blank":
            body = line.body if line.kind in ("bullet", "heading") else content
            blocks.append((line.kind, emphasis(body, requirements_for(body, matcher))))
    return blocks, dateline


def write_docx(blocks: list, dateline: str, path: Path) -> None:
    document = docx.Document()
    document.core_properties.author = "vi2en project"
    document.core_properties.language = "vi-VN"
    document.core_properties.title = "".join(t for t, _ in blocks[0][1])
    styles = {"title": "Heading 1", "heading": "Heading 2", "caption": "Caption", "bullet": "List Bullet"}
    for number, (kind, pieces) in enumerate(blocks):
        paragraph = document.add_paragraph(style=styles.get(kind))
        for text, mark in pieces:
            if mark.startswith("link:"):
                link_id = document.part.relate_to(mark[5:], RT.HYPERLINK, is_external=True)
                paragraph._p.append(parse_xml(
                    f'<w:hyperlink {nsdecls("w", "r")} r:id="{link_id}"><w:r><w:rPr><w:u w:val="single"/></w:rPr>'
                    f"<w:t xml:space=\"preserve\">{html.escape(text)}</w:t></w:r></w:hyperlink>"
                ))
            else:
                paragraph.add_run(text).bold = mark == "bold" or None
        if number == 0:
            table = document.add_table(rows=2, cols=2)
            for row, (label, value) in enumerate((("Ngày", dateline), ("Nguồn", "Bài viết cho dự án vi2en"))):
                table.cell(row, 0).text, table.cell(row, 1).text = label, value
    document.sections[0].header.paragraphs[0].text = "Thông cáo báo chí"
    document.sections[0].footer.paragraphs[0].text = "Bản tin thương mại"
    saved = io.BytesIO()
    document.save(saved)
    path.write_bytes(_fixed_zip_times(saved.getvalue()))


def _fixed_zip_times(data: bytes) -> bytes:
    """The .docx with every zip entry dated the article's day: ``zipfile`` stamps entries with the time of
    saving, which made each run's file differ from the committed one in those bytes alone."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(zipfile.ZipInfo(info.filename, date_time=SAMPLE_DAY), source.read(info))
    return out.getvalue()


def write_html(blocks: list, dateline: str, path: Path) -> None:
    def inline(pieces: list[tuple[str, str]]) -> str:
        def tag(text: str, mark: str) -> str:
            if mark == "bold":
                return f"<strong>{html.escape(text)}</strong>"
            if mark.startswith("link:"):
                return f'<a href="{mark[5:]}" title="Trang web chính thức">{html.escape(text)}</a>'
            return html.escape(text)

        return "".join(tag(t, m) for t, m in pieces)

    title = "".join(t for t, _ in blocks[0][1])
    body, items = [], []
    for kind, pieces in blocks[1:]:
        if kind != "bullet" and items:
            body.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if kind == "bullet":
            items.append(f"<li>{inline(pieces)}</li>")
        elif kind == "caption":
            body.append(f'<figure><img src="hoi-thao.jpg" alt="Toàn cảnh hội thảo"><figcaption>{inline(pieces)}</figcaption></figure>')
        else:
            body.append(f"<{'h2' if kind == 'heading' else 'p'}>{inline(pieces)}</{'h2' if kind == 'heading' else 'p'}>")
    body += ["<ul>" + "".join(items) + "</ul>"] if items else []
    day, month, year = dateline.split("/") if dateline.count("/") == 2 else ("", "", "")
    iso = f"{year}-{int(month):02d}-{int(day):02d}" if year else ""
    page = f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<title>{html.escape(title)} | Bản tin thương mại</title>
<meta name="description" content="{html.escape(''.join(t for t, _ in blocks[1][1])[:150])}">
<meta name="author" content="Ban biên tập">
<meta property="article:published_time" content="{iso}">
<style>body {{ font-family: serif; max-width: 40em; margin: auto; }} .menu a {{ margin-right: 1em; }}</style>
<script>document.documentElement.classList.add("js");</script>
</head>
<body>
<nav class="menu"><a href="/">Trang chủ</a> <a href="/kinh-te">Kinh tế</a> <a href="/the-gioi">Thế giới</a></nav>
<article>
<h1>{inline(blocks[0][1])}</h1>
<p class="date"><time datetime="{iso}">{html.escape(dateline)}</time></p>
{chr(10).join(body)}
</article>
<footer><p>Bản quyền thuộc về Bản tin thương mại. Ghi rõ nguồn khi phát hành lại.</p></footer>
</body>
</html>
"""
    path.write_text(page, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", nargs="?", default=DEFAULT, help=f"corpus article name (default: {DEFAULT})")
    parser.add_argument("--out", type=Path, default=ROOT / "corpus" / "formats", help="output folder (default: corpus/formats)")
    args = parser.parse_args(argv)
    if not (ROOT / "corpus" / "articles" / f"{args.name}.txt").exists():
        parser.error(f"no corpus article {args.name!r} in corpus/articles")
    blocks, dateline = article_blocks(args.name)
    args.out.mkdir(parents=True, exist_ok=True)
    write_docx(blocks, dateline, args.out / f"{args.name}.docx")
    write_html(blocks, dateline, args.out / f"{args.name}.html")
    print(f"wrote {args.out / args.name}.docx and .html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
