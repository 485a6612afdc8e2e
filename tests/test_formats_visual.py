"""Visual check: a .docx and its translation rendered to PNG, kept as test artifacts.

LibreOffice (headless) prints each to PDF — Debian's ``libreoffice-writer-nogui`` has no PNG export
filter — and poppler's ``pdftoppm`` turns the first page into a PNG.

The PNGs (first page of each) are written to ``$VI2EN_ARTIFACTS/formats`` when that is set, else to
pytest's base temporary folder (pytest keeps the last three); the test prints where.  A person looks at
them; the test checks what a machine can: both rendered, the same page size, different text.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Callable

import pytest
from test_docx_format import make_release

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOPPM = shutil.which("pdftoppm")


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (apt-get install -y libreoffice-writer)")
@pytest.mark.skipif(PDFTOPPM is None, reason="pdftoppm is not installed (apt-get install -y poppler-utils)")
def test_docx_and_its_translation_render(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Callable[[str], Path], vi2en: Callable,
    ministries_glossary: Path,
) -> None:
    source = tmp_path / "release.docx"
    make_release(source)
    run = vi2en("translate", source, "-o", tmp_path / "out", "--model", tiny_model_dir("marian"), "--glossary", ministries_glossary,
                "--beams", "2", "--threads", "1")
    assert run.code == 0, run.err
    translated = tmp_path / "release.en.docx"
    shutil.copy(tmp_path / "out" / "release.docx", translated)
    artifacts = Path(os.environ.get("VI2EN_ARTIFACTS") or tmp_path_factory.getbasetemp() / "artifacts") / "formats"
    artifacts.mkdir(parents=True, exist_ok=True)
    profile = (tmp_path / "lo-profile").as_uri()  # its own profile: no clash with another LibreOffice
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(artifacts),
         str(source), str(translated)],
        check=True, capture_output=True, timeout=240,
    )
    for name in ("release", "release.en"):
        pdf = artifacts / f"{name}.pdf"
        assert pdf.exists(), f"LibreOffice did not render {name}"
        subprocess.run([PDFTOPPM, "-png", "-r", "60", "-singlefile", "-f", "1", "-l", "1", str(pdf), str(artifacts / name)],
                       check=True, capture_output=True, timeout=60)
    before, after = artifacts / "release.png", artifacts / "release.en.png"
    print(f"rendered: {before} {after}")
    assert png_size(before) == png_size(after) and png_size(before)[0] > 100
    assert before.read_bytes() != after.read_bytes()
