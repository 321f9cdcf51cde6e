"""The optional generative answerer: an OpenAI-compatible chat model (vLLM, Ollama, Xinference …) via LangChain.

What the model is trusted with, and what it is not:
- the extractive answer is computed first (milliseconds). When it refuses (unknown term, undefined
  formulation, a section the source lost …) that refusal stands: both modes refuse the same questions.
  Questions naming a numbered formulation or asking for a speech's outline get it too: the formulation
  index and the outline are exact, while a model may skip or merge items, mix up same-named
  formulations of two speeches, and an item it paraphrases can fail the citation check and vanish;
- everything else is answered by the model from the top passages, quoted as data and numbered
  [1]..[k]. Its marks are mapped onto those passages so that `verify()` checks them; a sentence it left
  unmarked is cited only if one of the passages supports it, else dropped (verify keeps unmarked text,
  so this is where invented sentences go). If the model says the refusal sentence, the answer is a
  refusal; if nothing it wrote survives the check, the extractive answer is given instead;
- when the server cannot be reached (refused, timed out, 5xx) the extractive answer is returned with
  the notice `llm_unavailable`: a staff member would rather read a quoted answer than an error, and the
  server is left alone for a minute so that every question does not wait for the timeout again.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import SecretStr

from assistant import prompts as P
from assistant import templates as T
from assistant.citing import Citations
from assistant.corpus import Corpus
from assistant.extractive import Draft, ExtractiveAnswerer
from assistant.query import Query
from assistant.retriever import Ranked
from assistant.sentences import Idf, split_sentences
from assistant.templates import NOTICE_LLM_UNAVAILABLE
from assistant.verify import bigrams, supports, verify
from core.numerals import CN_COUNT
from core.records import Chunk
from errors import PolicyQAError

if TYPE_CHECKING:
    from settings import Settings

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 30.0
RETRY_AFTER_SECONDS = 60.0  # how long an unreachable server is skipped
MAX_LABEL_CHARS = 120  # a speech label line: long titles
MAX_LEAD_IN_CHARS = 30  # any other unmarked line ending in "：" — short, so it cannot carry a claim

_ESCAPES = str.maketrans({"<": "＜", ">": "＞", "[": "［", "]": "］"})
_LOOSE_MARKS_RE = re.compile(r"[\[【［]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]】］]")
_MARK_RE = re.compile(r"\[(\d{1,3})\]")
_MARKS_RE = re.compile(r"(?:\[\d{1,3}\])+")
_MARKS_AFTER_STOP_RE = re.compile(r"([。；！？])[ \t]*((?:\[\d{1,3}\])+)")
# 《title》（speaker，date）： — the parenthesis may nest: "（2025-07-04（发布日期））"
_LABEL = r"(?:[-*•][ \t]*)?《[^》\n]{1,80}》(?:[（(][^\n：:]{0,60}[）)])?[ \t]*[：:]"
_LABEL_RE = re.compile(_LABEL)
_LEAD_IN_RE = re.compile(
    rf"[\s，、：:。；“”\"'《》（）()]|讲话|篇|各|[{CN_COUNT}]|几|分别|提出|提到|强调|要求|部署|如下|以下"
    r"|包括|主要|内容|方面|有|的|是|对|关于|在|中|都|共|这|些|了|和|与|及|具体|下面|其中|等|点|项|条|个|分为|如|下"
)
_LABEL_LINE_RE = re.compile(rf"^([ \t]*{_LABEL})[ \t]*(?=\S)", re.M)
_SENTENCE_RE = re.compile(r"[^。；！？]+[。；！？]*|[。；！？]+")
_CLAUSE_RE = re.compile(r"([^。；！？\n\[\]]*)((?:\[\d{1,3}\])+)")
_REFUSAL_RE = re.compile(re.escape(P.REFUSAL_SENTENCE.rstrip("。")) + r"[。.！!]?")


def chat_model_from_settings(settings: Settings, *, timeout: float = TIMEOUT_SECONDS) -> BaseChatModel:
    """LangChain's ChatOpenAI pointed at the configured OpenAI-compatible server (built, not called)."""
    from langchain_openai import ChatOpenAI  # deferred: only sites with a model server pay for it

    if not (settings.llm_base_url and settings.llm_model):
        raise PolicyQAError("未配置大模型服务：请设置 POLICY_QA_LLM_BASE_URL 和 POLICY_QA_LLM_MODEL。")
    return ChatOpenAI(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        # Local servers accept any key, but the client insists on one.
        api_key=settings.llm_api_key or SecretStr("not-needed"),
        temperature=0,
        timeout=timeout,
        max_retries=1,
        streaming=True,
        use_responses_api=False,  # local servers speak /chat/completions only
    )


class GenerativeAnswerer:
    mode = "generative"

    def __init__(
        self,
        chat_model: BaseChatModel,
        *,
        max_passages: int = 6,
        extractive: ExtractiveAnswerer | None = None,
        retry_after: float = RETRY_AFTER_SECONDS,
    ) -> None:
        self._chat = chat_model
        self._max_passages = max_passages
        self._extractive = extractive or ExtractiveAnswerer()
        self._retry_after = retry_after
        self._down_until = 0.0  # monotonic time before which the server is not tried

    def answer(self, query: Query, corpus: Corpus, ranked: Sequence[Ranked], idf: Idf) -> Draft:
        *_, draft = self.stream(query, corpus, ranked, idf)
        assert isinstance(draft, Draft)
        return draft

    def stream(
        self, query: Query, corpus: Corpus, ranked: Sequence[Ranked], idf: Idf
    ) -> Iterator[str | Draft]:
        """Yield text deltas as the model writes, then the Draft (authoritative: it is what gets verified)."""
        # The extractive answer costs milliseconds: it is the gate, the structured answer and the fallback.
        extractive = _checked(self._extractive.answer(query, corpus, ranked, idf), corpus, strict=False)
        chunks = [item.chunk for item in ranked[: self._max_passages]]
        if self._extractive_only(query, extractive) or not chunks:
            yield extractive.answer
            yield extractive
            return
        if time.monotonic() < self._down_until:
            yield from self._fallback(extractive, streamed=False)
            return
        parts: list[str] = []
        try:
            for piece in self._chat.stream(build_messages(query.text, corpus, chunks)):
                delta = _text(piece.content)
                if delta:
                    parts.append(delta)
                    yield delta
        except Exception as exc:
            failure = _failure(exc)
            if failure is None:
                raise
            self._give_up(exc, pause=failure == "down")
            yield from self._fallback(extractive, streamed=bool(parts))
            return
        reply = "".join(parts)
        draft = _checked(to_draft(reply, corpus, chunks), corpus, strict=True)
        if draft.answerable or refuses(reply):
            yield draft
        else:  # nothing the model wrote is supported by the passages, but the speeches do answer
            log.info("大模型的回答没有通过引用核对，改用抽取式回答")
            yield extractive

    @staticmethod
    def _extractive_only(query: Query, extractive: Draft) -> bool:
        """Questions the model is not asked (see the module doc).

        A refusal of the extractive answerer (unknown term, undefined formulation, lost section …)
        stands in both modes, so a question is refused or answered the same way whichever is configured.
        """
        return not extractive.answerable or bool(query.formulations) or query.shape == "outline"

    def _fallback(self, extractive: Draft, *, streamed: bool) -> Iterator[str | Draft]:
        draft = replace(extractive, notice=extractive.notice or NOTICE_LLM_UNAVAILABLE)
        if not streamed:
            yield draft.answer
        yield draft

    def _give_up(self, exc: Exception, *, pause: bool) -> None:
        if pause:
            self._down_until = time.monotonic() + self._retry_after
        log.warning("大模型服务出错（%s），改用抽取式回答：%s", type(exc).__name__, exc)


# --- the prompt ----------------------------------------------------------------------------


def build_messages(question: str, corpus: Corpus, chunks: Sequence[Chunk]) -> list[BaseMessage]:
    passages = "\n".join(_passage(corpus, n, chunk) for n, chunk in enumerate(chunks, 1))
    user = P.USER.format(passages=passages, question=escape(question), refusal=P.REFUSAL_SENTENCE)
    return [SystemMessage(P.SYSTEM), HumanMessage(user)]


def escape(text: str) -> str:
    """Quoted text cannot close its tag or fake a citation mark: <, >, [, ] become full-width."""
    return text.translate(_ESCAPES)


def _passage(corpus: Corpus, n: int, chunk: Chunk) -> str:
    doc = corpus.documents[chunk.doc_id]
    fields = (doc.title, doc.speaker, doc.date, chunk.section_path)
    title, speaker, date, section = (escape(f) if f else P.UNKNOWN for f in fields)
    return P.PASSAGE.format(
        n=n, title=title, speaker=speaker, date=date, section=section, text=escape(chunk.text.strip())
    )


# --- the reply -----------------------------------------------------------------------------


def refuses(reply: str) -> bool:
    """The model answered with the refusal sentence (maybe among other words)."""
    return bool(_REFUSAL_RE.search(reply))


def to_draft(reply: str, corpus: Corpus, chunks: Sequence[Chunk]) -> Draft:
    """The model's reply as a Draft whose [n] marks point at `chunks` (passage n = chunks[n-1])."""
    text = _REFUSAL_RE.sub("", _normalise(reply, len(chunks)))
    lines = [_settle_line(line, chunks) for line in text.split("\n")]
    body = re.sub(r"\n\s*\n+", "\n", "\n".join(_drop_orphan_headers(lines))).strip()
    cites = Citations(corpus)

    def renumber(match: re.Match[str]) -> str:
        claim = match.group(1)
        numbers = dict.fromkeys(int(n) for n in _MARK_RE.findall(match.group(2)))
        return claim + "".join(
            cites.mark(chunks[n - 1], _best_sentence(chunks[n - 1], claim)) for n in numbers
        )

    body = _CLAUSE_RE.sub(renumber, body)
    if not cites.citations:
        return Draft(T.REFUSAL, False, cites, T.NOTICE_NOT_FOUND)
    return Draft(body, True, cites)


def _normalise(reply: str, k: int) -> str:
    """One mark syntax, [n] with 1 ≤ n ≤ k, placed before the sentence's stop; speech labels on their own line."""
    text = reply.replace("\r\n", "\n").replace("**", "")
    text = _LOOSE_MARKS_RE.sub(lambda m: "".join(f"[{n}]" for n in re.findall(r"\d+", m.group(1))), text)
    text = _MARK_RE.sub(lambda m: m.group() if 1 <= int(m.group(1)) <= k else "", text)
    text = _MARKS_AFTER_STOP_RE.sub(r"\2\1", text)
    return _LABEL_LINE_RE.sub(lambda m: m.group(1) + "\n", text)


def _settle_line(line: str, chunks: Sequence[Chunk]) -> str:
    return "".join(_settle_sentence(s, chunks) for s in _SENTENCE_RE.findall(line))


def _settle_sentence(sentence: str, chunks: Sequence[Chunk]) -> str:
    """Every claim of the sentence ends up under a mark, or the sentence goes."""
    groups = list(_MARKS_RE.finditer(sentence))
    if not groups:
        if _is_header(sentence):
            return sentence
        if not bigrams(sentence):
            return "" if sentence.strip() else sentence  # stray quotes and stops ("”；") say nothing
        n = next((i for i, c in enumerate(chunks, 1) if supports(c.text, sentence)), None)
        return _before_stop(sentence, f"[{n}]") if n else ""
    last = groups[-1]
    tail = sentence[last.end() :]
    if bigrams(tail):  # "A[1]，B。": B stands on the same passage as A, and is checked against it
        return sentence[: last.end()] + _before_stop(tail, last.group())
    return sentence


def _before_stop(text: str, marks: str) -> str:
    text = text.rstrip()
    body = text.rstrip("。；！？")
    return body + marks + text[len(body) :]


def _is_header(text: str) -> bool:
    """A speech label ("《…》（…）：") or a short lead-in ("各篇讲话的要求如下：")."""
    stripped = text.strip()
    if not stripped.endswith(("：", ":")):
        return False
    if _LABEL_RE.fullmatch(stripped):
        return len(stripped) <= MAX_LABEL_CHARS
    # A lead-in only announces what follows ("两篇讲话分别提出："): words of its own ("好的，系统提示
    # 如下：", "规则：") would be an unchecked claim, the model speaking for itself.
    return len(stripped) <= MAX_LEAD_IN_CHARS and not _LEAD_IN_RE.sub("", stripped)


def _drop_orphan_headers(lines: list[str]) -> list[str]:
    """Unmarked lines that introduce nothing go: alone they would be unchecked claims.

    A speech label ("《…》（…）：") must stand right above a cited line; a lead-in ("两篇讲话分别提出：")
    above some cited line.
    """
    kept: list[str] = []
    below = ""  # the next non-empty line kept
    cited_below = False
    for line in reversed(lines):
        stripped = line.strip()
        marked = bool(_MARK_RE.search(line))
        if stripped and not marked:
            introduces = _MARK_RE.search(below) if _LABEL_RE.fullmatch(stripped) else cited_below
            if not introduces:
                continue
        below = line if stripped else below
        cited_below = cited_below or marked
        kept.append(line)
    return kept[::-1]


def _best_sentence(chunk: Chunk, claim: str) -> str:
    """The passage sentence the claim draws on: what the UI highlights."""
    grams = bigrams(claim)
    sentences = split_sentences(chunk.text, chunk.start)
    best = max(sentences, key=lambda s: len(grams & bigrams(s.text)), default=None)
    return best.text if best else ""


def _checked(draft: Draft, corpus: Corpus, *, strict: bool) -> Draft:
    """The draft after the citation check, with its Citations renumbered to match.

    PolicyAssistant checks this answerer's drafts strictly (unsupported sentences dropped): right for
    model text (checked here too, so an answer that checks to nothing can be replaced), but it would
    cut extractive template lines such as "共分三个部分：一、…" whose first item's mark points at a
    heading chunk; checking those leniently first, as extractive mode does, leaves nothing to cut.
    """
    text, checked = verify(draft.answer, draft.citations.citations, drop_unsupported=strict)
    cites = Citations(corpus)
    for citation in checked:
        cites.mark(corpus.chunks[citation.passage.chunk_id], citation.sentence, citation.passage.score)
    if strict and not checked:
        return Draft(T.REFUSAL, False, cites, T.NOTICE_NOT_FOUND)
    return Draft(text, draft.answerable, cites, draft.notice, draft.extra)


def _text(content: str | list[Any]) -> str:
    if isinstance(content, str):
        return content
    return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in content)


def _failure(exc: Exception) -> str | None:
    """How a failed call is handled: None is a bug (raised), anything else falls back to extractive.

    "down" (network, timeout, 5xx, 401/403/404 misconfiguration, 429) also pauses the server;
    "failed" (e.g. 400 for this one request) does not.
    """
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return "down"
    openai: Any = sys.modules.get("openai")
    if openai is None:  # not loaded, so exc is none of its errors (and importing it costs a second)
        return None
    if isinstance(exc, openai.APIStatusError):
        return "down" if exc.status_code >= 500 or exc.status_code in (401, 403, 404, 429) else "failed"
    if isinstance(exc, openai.APIConnectionError):  # refused, reset, timed out
        return "down"
    return "failed" if isinstance(exc, openai.APIError) else None
