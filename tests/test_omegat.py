"""A real consumer of vi2en's TMX: OmegaT in console mode, given the memory as a project memory that it
applies automatically (``tm/auto``), translates the same source file to the same English as vi2en.

Needs Debian's ``omegat`` package (``apt-get install omegat``; .ci/run tries it); skipped with the reason
where it is not installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Callable

import pytest

OMEGAT = shutil.which("omegat")
pytestmark = pytest.mark.skipif(OMEGAT is None, reason="OmegaT is not installed (Debian: apt-get install omegat)")

#: Plain sentences that OmegaT's default segmentation rules split exactly where vi2en's splitter does.
ARTICLE = (
    "Bộ Công Thương tổ chức hội nghị.\n"
    "\n"
    "Hội nghị diễn ra tại Hà Nội. Các đại biểu thảo luận về thương mại.\n"
    "\n"
    "Việt Nam và Nhật Bản ký kết thỏa thuận mới.\n"
)
PROJECT = """\
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<omegat>
  <project version="1.0">
    <source_dir>__DEFAULT__</source_dir>
    <source_dir_excludes/>
    <target_dir>__DEFAULT__</target_dir>
    <tm_dir>__DEFAULT__</tm_dir>
    <glossary_dir>__DEFAULT__</glossary_dir>
    <glossary_file>__DEFAULT__</glossary_file>
    <dictionary_dir>__DEFAULT__</dictionary_dir>
    <source_lang>vi</source_lang>
    <target_lang>en</target_lang>
    <source_tok>org.omegat.tokenizer.LuceneStandardTokenizer</source_tok>
    <target_tok>org.omegat.tokenizer.LuceneEnglishTokenizer</target_tok>
    <sentence_seg>true</sentence_seg>
    <support_default_translations>true</support_default_translations>
    <remove_tags>false</remove_tags>
  </project>
</omegat>
"""


def test_omegat_console_translate_with_vi2en_tmx_gives_vi2en_english(
    tiny_model_dir: Callable[[str], Path], vi2en: Callable, tmp_path: Path
) -> None:
    article = tmp_path / "doc.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    common = ("--model", tiny_model_dir("marian"), "--threads", "1", "--beams", "2", "-q")
    for fmt in ("text", "tmx"):
        run = vi2en("translate", article, "-o", tmp_path / fmt, "--format", fmt, *common)
        assert run.code == 0, run.err
    project = tmp_path / "project"
    for folder in ("source", "target", "tm/auto", "glossary", "dictionary", "omegat"):
        (project / folder).mkdir(parents=True)
    (project / "omegat.project").write_text(PROJECT, encoding="utf-8")
    shutil.copy(article, project / "source" / "doc.txt")
    shutil.copy(tmp_path / "tmx" / "doc.tmx", project / "tm" / "auto" / "doc.tmx")

    done = subprocess.run([OMEGAT, str(project), "--mode=console-translate"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "doc.tmx" in done.stdout + done.stderr, "OmegaT should report reading the vi2en memory"
    expected = (tmp_path / "text" / "doc.txt").read_text(encoding="utf-8")
    assert expected != ARTICLE
    assert (project / "target" / "doc.txt").read_text(encoding="utf-8") == expected
