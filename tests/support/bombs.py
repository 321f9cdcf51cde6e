"""Real bomb files for the loader bounds (issue 13, finding 2), written in bounded memory, and a
measurement that loads one in a child process and reports its peak RSS growth and time."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
_PARAGRAPH = "<w:p><w:r><w:t>各级各类学校要认真贯彻落实会议精神，切实加强组织领导，确保各项任务落到实处。</w:t></w:r></w:p>"


def _docx_skeleton() -> dict[str, bytes]:
    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def docx_bomb(path: Path, inflated_mb: int, *, paragraph: str = _PARAGRAPH, entries: int = 0) -> Path:
    """A valid .docx whose word/document.xml inflates to `inflated_mb` MB of paragraphs (streamed)."""
    parts = _docx_skeleton()
    head, _, _ = parts["word/document.xml"].decode().partition("<w:body>")
    block = (paragraph * 200).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in parts.items():
            if name != "word/document.xml":
                archive.writestr(name, data)
        with archive.open("word/document.xml", "w", force_zip64=True) as out:
            out.write((head + "<w:body>").encode())
            written = 0
            while written < inflated_mb * 2**20:
                out.write(block)
                written += len(block)
            out.write(b"<w:sectPr/></w:body></w:document>")
        for number in range(entries):
            archive.writestr(f"customXml/item{number}.xml", b"<a/>")
    return path


def random_text_docx(path: Path, xml_mb: float) -> Path:
    """A .docx whose XML is just under the part bound and barely compressible (random Chinese)."""
    import random

    rng = random.Random(13)
    chars = [chr(c) for c in range(0x4E00, 0x9FA5)]
    paragraph_count = int(xml_mb * 2**20 / 700)
    paragraphs = "".join(
        "<w:p><w:r><w:t>" + "".join(rng.choices(chars, k=200)) + "</w:t></w:r></w:p>"
        for _ in range(paragraph_count)
    )
    return docx_bomb(path, 0, paragraph="") if not paragraphs else _docx_with_body(path, paragraphs)


def _docx_with_body(path: Path, body: str) -> Path:
    parts = _docx_skeleton()
    head, _, _ = parts["word/document.xml"].decode().partition("<w:body>")
    parts["word/document.xml"] = (head + "<w:body>" + body + "<w:sectPr/></w:body></w:document>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def pdf_bomb(path: Path, inflated_mb: int) -> Path:
    """A one-page PDF whose content stream inflates to `inflated_mb` MB of text operators."""
    compressor = zlib.compressobj(9)
    line = b"BT /F1 12 Tf 72 712 Td (x) Tj ET\n" * 2000
    compressed = bytearray()
    written = 0
    while written < inflated_mb * 2**20:
        compressed += compressor.compress(line)
        written += len(line)
    compressed += compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(compressed)
        + bytes(compressed)
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


_MEASURE = """
import json, resource, sys, time
from pathlib import Path
import docx, lxml.etree, pypdf, bs4, charset_normalizer  # loaded before the baseline
from ingest.loaders import load
def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
base = rss()
started = time.perf_counter()
try:
    loaded = load(Path(sys.argv[1]))
    outcome, message = "loaded", f"{len(loaded.text)} chars"
except BaseException as exc:
    outcome, message = type(exc).__name__, str(getattr(exc, "message", exc))[:300]
print(json.dumps({"outcome": outcome, "message": message, "seconds": time.perf_counter() - started,
                  "rss_growth_mb": (rss() - base) / 2**20}))
"""


def measure_load(path: Path, *, address_space_gb: float = 3.0, timeout_s: float = 120.0) -> dict[str, Any]:
    """Load `path` in a child process capped at `address_space_gb` (so a bomb the code under test lets
    through fails there, not on the shared machine). A timeout counts as its own outcome."""
    limit = int(address_space_gb * 2**30)

    def cap() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    try:
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, str(path)],
            capture_output=True, text=True, timeout=timeout_s, preexec_fn=cap, env=env, cwd=ROOT,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"outcome": "timeout", "message": "", "seconds": timeout_s, "rss_growth_mb": float("nan")}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {
            "outcome": "crashed",
            "message": done.stderr[-300:],
            "seconds": float("nan"),
            "rss_growth_mb": float("nan"),
        }
    result: dict[str, Any] = json.loads(lines[-1])
    return result
