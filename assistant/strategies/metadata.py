"""Questions about a speech itself (会议, 日期, 讲话人), answered from its header."""

from __future__ import annotations

from assistant import templates as T
from assistant.citing import chinese_date
from assistant.cues import NOT_IN_HEADER
from assistant.strategies.base import Context, Draft


class Metadata:
    name = "metadata"

    def answer(self, ctx: Context) -> Draft | None:
        query, corpus = ctx.query, ctx.corpus
        if not query.doc_ids or query.shape == "outline" or not ctx.cues.meta:
            return None
        if NOT_IN_HEADER.search(query.text):
            return None  # "谁主持的": the chair or those present are in the body, not the header
        cites = ctx.citations()
        lines = []
        for doc_id in query.doc_ids:
            doc = corpus.documents[doc_id]
            chunks = corpus.chunks_by_doc.get(doc_id, [])
            # the passage that names the speaker (a news report names them in its lead, not its title)
            named = [c for c in chunks if doc.speaker and doc.speaker in c.text]
            header = next((c for c in named or chunks if c.kind == "body"), chunks[0] if chunks else None)
            mark = cites.mark(header, header.text[:80]) if header else ""
            fields = {"speaker": doc.speaker, "meeting": doc.meeting, "date": chinese_date(doc.date)}
            details = "，".join(T.META_DETAILS[k].format(v) for k, v in fields.items() if v)
            lines.append(
                T.META.format(speech=f"《{doc.title}》", details=f"：{details}" if details else "", mark=mark)
            )
        return Draft("\n".join(lines), True, cites)
