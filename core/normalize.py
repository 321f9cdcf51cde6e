"""Character folding for matching, never for display.

Every function here maps one character to exactly one character, so an offset found in the
normalised text is the same offset in the text the user reads: a match can be highlighted
without any offset translation.

- full-width ASCII (ＡＢＣ１２３（），：；！？) → half-width (ABC123(),:;!?)
- every quote mark (“”‘’「」『』〝〞＂ and ASCII ') → one form: "
- dashes (—–－‐‒―﹣) → -, ideographic and other spaces → " ", ～ → ~, 【】〔〕［］ → []
- halfwidth ideographic punctuation (｡､｢｣) → 。、" "
Book-title marks 《》 stay: they are unambiguous and other layers strip them themselves.
"""

from __future__ import annotations

QUOTE = '"'


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    # Full-width forms U+FF01..U+FF5E sit exactly 0xFEE0 above their ASCII twins.
    for code in range(0xFF01, 0xFF5F):
        table[code] = chr(code - 0xFEE0)
    quotes = "“”‘’「」『』〝〞〟„‟‚‛＂＇'｢｣❝❞❛❜"
    table.update({ord(ch): QUOTE for ch in quotes})
    table.update({ord(ch): "-" for ch in "—–－‐‑‒―﹣﹘"})
    table.update(
        {ord(ch): " " for ch in "\u3000\u00a0\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"}
    )
    table.update({ord("～"): "~", ord("〜"): "~"})
    table.update({ord(ch): "[" for ch in "【〔［〖"})
    table.update({ord(ch): "]" for ch in "】〕］〗"})
    table.update({ord("｡"): "。", ord("､"): "、", ord("･"): "·", ord("・"): "·"})
    return table


_TABLE = _build_table()


def normalize_for_match(text: str) -> str:
    """Fold width and punctuation variants; len(result) == len(text), position by position."""
    return text.translate(_TABLE)


def fold_for_search(text: str) -> str:
    """`normalize_for_match` plus lower case, still one character per character.

    `str.lower` may expand a character ("İ" → "i̇"); such characters are kept as they are so
    the length invariant holds. Lowering never shrinks a string, so equal lengths prove
    that every character mapped to exactly one.
    """
    folded = normalize_for_match(text)
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in folded)
