"""The benchmark's own logic: statistics, the synthetic corpus, the naive pipeline's parts, scoring,
timing wrappers and the report. No model, no timing assertions."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.documents import Document as LCDocument

from bench import report, synth
from bench.embedding import Config, encode, query_paths
from bench.ingest_stages import timed_build
from bench.naive import CHUNK_SIZE, NaiveChunk, NaivePipeline, jieba_tokens, rrf, split_files
from bench.quality import agreement, score_pipeline, score_search, threshold_oracle
from bench.run import save, tracked_summary
from bench.speed import Breakdown, cycle, embed_in_context, profile_project
from bench.stats import Stopwatch, disk_bytes, latency_summary, median, memory_mb, percentile, ratio
from core.records import LoadedText
from eval.metrics import Scored
from ingest.build import build_documents
from ingest.loaders import load
from vectorstore.codec import passage_text

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "speeches"


# --- statistics -------------------------------------------------------------------------------


def test_percentile_interpolates_between_closest_ranks() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    assert percentile(values, 0) == 10.0
    assert percentile(values, 100) == 40.0
    assert percentile(values, 50) == 25.0
    assert percentile(values, 95) == pytest.approx(38.5)
    assert percentile(list(reversed(values)), 50) == 25.0  # order of input does not matter
    assert median([3.0, 1.0, 2.0]) == 2.0


def test_percentile_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_latency_summary_and_ratio() -> None:
    summary = latency_summary([float(v) for v in range(1, 101)])
    assert summary["n"] == 100
    assert summary["p50_ms"] == 50.5
    assert summary["p99_ms"] == 99.0
    assert summary["max_ms"] == 100.0
    assert latency_summary([]) == {"n": 0}
    assert ratio(3.0, 2.0) == 1.5
    assert ratio(None, 2.0) is None and ratio(1.0, 0) is None


def test_stopwatch_accumulates_per_stage() -> None:
    watch = Stopwatch()
    for _ in range(2):
        with watch("a"):
            time.sleep(0.001)
    with watch("b"):
        pass
    assert watch.calls == {"a": 2, "b": 1}
    assert watch.seconds["a"] >= 0.002
    assert sum(watch.shares().values()) == pytest.approx(1.0, abs=0.01)


def test_disk_bytes_counts_files_and_directories(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "f").write_bytes(b"x" * 10_000)
    assert disk_bytes(tmp_path) >= 10_000
    assert disk_bytes(tmp_path / "sub" / "f") == disk_bytes(tmp_path)


def test_memory_of_this_process_is_read() -> None:
    memory = memory_mb()
    assert memory["rss_mb"] > 1 and memory["peak_rss_mb"] >= memory["rss_mb"]
    assert memory_mb(pid=10**9) == {}  # no such process


# --- synthetic corpus -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parts() -> list[synth.Parts]:
    return synth.sample_parts(SAMPLES)


def test_sample_parts_keep_each_speech_top_level_sections_in_order(parts: list[synth.Parts]) -> None:
    assert len(parts) == 6  # five files, sample 002 holds two speeches
    assert all(p.sections for p in parts)
    first = next(p for p in parts if p.title == "在全市教育高质量发展大会上的讲话提纲")
    assert [s.split("\n")[0] for s in first.sections] == [
        "一、凝聚“一个共识”",
        "二、抓住“三个关键”",
        "三、强化“两个保障”",
    ]
    assert {p.speaker for p in parts} >= {"杨继宏", "杨生俊"}


def test_speeches_are_deterministic_distinct_and_prefix_stable(parts: list[synth.Parts]) -> None:
    small = list(synth.corpus(parts, 20))
    again = list(synth.corpus(parts, 40))
    assert small == again[:20]  # the N× corpus is a prefix of the M× corpus
    assert len({text for _, text in again}) == 40
    assert synth.speech_text(parts, 7) != synth.speech_text(parts, 7, seed=1)


def test_sections_are_copied_verbatim_at_their_own_position(parts: list[synth.Parts]) -> None:
    for index in range(30):
        text = synth.speech_text(parts, index)
        first = [text.find(p.sections[0]) for p in parts if p.sections[0] in text]
        second = [text.find(p.sections[1]) for p in parts if p.sections[1] in text]
        assert first and second, index  # every skeleton has at least two sections
        assert min(first) < min(second)
        assert text.startswith(tuple(p.title or "在全市教育工作会议上的讲话" for p in parts))


def test_openings_are_unique_and_bounded() -> None:
    pool = ["甲。", "乙。", "丙。"]
    openings = [synth.opening(pool, i) for i in range(3 * 2 * 4)]
    assert len(set(openings)) == len(openings)
    with pytest.raises(ValueError):
        synth.opening(pool, 3 * 2 * 4)
    with pytest.raises(ValueError):
        synth.opening(["只有一句。"], 0)


def test_sentence_pool_holds_no_heading_and_no_numbered_formulation(parts: list[synth.Parts]) -> None:
    pool = synth.sentences(parts)
    assert len(pool) > 50
    assert not any(s.startswith(("一、", "（一）", "一是")) for s in pool)
    assert not any("两个保障" in s or "三个关键" in s for s in pool)


def test_synthetic_speeches_reuse_the_samples_chunk_texts(parts: list[synth.Parts]) -> None:
    """The property the 1,000× index relies on: the embedding cache serves most passages."""
    sample_passages = {
        passage_text(c)
        for p in sorted(SAMPLES.iterdir())
        for _, chunks in build_documents(load(p))
        for c in chunks
    }
    total = reused = 0
    for name, text in synth.corpus(parts, 12):
        built = build_documents(LoadedText(name, text))
        assert len(built) == 1  # one speech per synthetic file
        for chunk in built[0][1]:
            total += 1
            reused += passage_text(chunk) in sample_passages
    assert reused / total > 0.8


def test_write_corpus_keeps_identical_files(tmp_path: Path, parts: list[synth.Parts]) -> None:
    paths = synth.write_corpus(parts, 3, tmp_path)
    stamp = paths[0].stat().st_mtime_ns
    assert [p.name for p in synth.write_corpus(parts, 3, tmp_path)] == [p.name for p in paths]
    assert paths[0].stat().st_mtime_ns == stamp


# --- naive pipeline ---------------------------------------------------------------------------


def test_rrf_rewards_agreement_between_rankings() -> None:
    assert rrf([["a", "b", "c"], ["b", "c", "a"]])[0] == "b"
    assert rrf([["a"], []]) == ["a"]
    assert set(rrf([["a", "b"], ["c"]])) == {"a", "b", "c"}


def test_split_files_uses_the_raw_text_in_300_character_pieces() -> None:
    path = SAMPLES / "001_a572f6982771d411.txt"
    chunks = split_files([path])
    assert all(len(c.text) <= CHUNK_SIZE for c in chunks)
    assert "新文秘网" in chunks[0].text  # not cleaned: the breadcrumb stays
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_jieba_tokens_drop_punctuation() -> None:
    tokens = jieba_tokens("强化“两个保障”：经费保障。")
    assert "经费" in tokens and "保障" in tokens
    assert not any(t in {"“", "”", "：", "。"} for t in tokens)


class _FakeChroma:
    """similarity_search_with_score over fixed (id, text) pairs, best = first."""

    def __init__(self, ranked: list[tuple[str, str]]) -> None:
        self.ranked = ranked

    def similarity_search_with_score(self, question: str, k: int) -> list[tuple[LCDocument, float]]:
        return [(LCDocument(page_content=t, id=i), 0.1 * n) for n, (i, t) in enumerate(self.ranked[:k])]


def test_naive_hybrid_fuses_dense_and_keyword_rankings() -> None:
    chunks = [
        NaiveChunk("c0", "s", "教师队伍建设"),
        NaiveChunk("c1", "s", "经费保障是基础"),
        NaiveChunk("c2", "s", "学前教育普及"),
    ]
    dense_order = [("c0", chunks[0].text), ("c2", chunks[2].text), ("c1", chunks[1].text)]
    pipeline = NaivePipeline(chunks, _FakeChroma(dense_order), jieba_tokens)
    assert [t for t, _ in pipeline.dense("经费保障", 2)] == ["教师队伍建设", "学前教育普及"]
    assert pipeline.keyword("经费保障", 3) == ["c1"]
    fused = [t for t, _ in pipeline.hybrid("经费保障", 3)]
    assert fused[0] in {"教师队伍建设", "经费保障是基础"} and fused.index("经费保障是基础") < 2
    assert pipeline.keyword("完全无关的词汇", 3) == []


# --- scoring ----------------------------------------------------------------------------------


def _record(answerable: bool = True) -> dict[str, Any]:
    gold = [{"source": "x", "quote": "经费保障"}] if answerable else []
    return {
        "id": "q1",
        "question": "问",
        "shape": "fact",
        "answerable": answerable,
        "gold": gold,
        "keys": ["经费"],
    }


def test_score_search_uses_the_top_passage_as_the_answer() -> None:
    def search(question: str, k: int) -> list[tuple[str, float]]:
        return [("别的内容", 0.9), ("一是经费保障。", 0.8)]

    row, top = score_search(search, _record())
    assert top == 0.9
    assert row.recall == {1: 0.0, 3: 1.0, 5: 1.0, 10: 1.0}
    assert row.rr == 0.5
    assert row.coverage == 0.0  # the key is in the second passage, not in the answer
    assert row.refused is False and row.length == 4


def test_score_pipeline_reports_no_citation_figure_for_a_naive_system() -> None:
    def search(question: str, k: int) -> list[tuple[str, float]]:
        return [("经费保障", 0.9)]

    result = score_pipeline(search, [_record(), _record(answerable=False)])
    assert result["overall"]["citations_verified"] is None
    assert result["overall"]["recall@1"] == 1.0
    assert result["overall"]["refusal_accuracy"] == 0.0  # never refuses
    assert result["overall"]["answer_agreement"] == 0.5


def _scored(answerable: bool, refused: bool) -> Scored:
    return Scored("q", "fact", answerable, refused, None, {}, None, None, 0, 0.0, False)


def test_agreement_and_threshold_oracle() -> None:
    rows = [_scored(True, False), _scored(True, False), _scored(False, False)]
    assert agreement(rows) == pytest.approx(0.6667, abs=1e-4)
    oracle = threshold_oracle(rows, [0.9, 0.85, 0.80])
    assert oracle["threshold"] == 0.85  # refuses exactly the unanswerable one
    assert oracle["answer_agreement"] == 1.0 and oracle["false_refusals"] == 0.0
    assert threshold_oracle(rows, [0.7, 0.8, 0.9])["threshold"] is None  # no threshold helps


# --- timing wrappers ----------------------------------------------------------------------------


class _Inner:
    def step(self) -> int:
        return 1


class _Outer:
    def __init__(self) -> None:
        self.inner = _Inner()

    def run(self, question: str) -> int:
        return self.inner.step() + 1


def test_breakdown_times_nested_methods_and_restores_them() -> None:
    original = _Inner.step
    breakdown = Breakdown()
    with breakdown.wrapping([(_Outer, "run", "run"), (_Inner, "step", "run.step"), (_Inner, "gone", "x")]):
        outer = _Outer()
        assert breakdown.measure(outer.run, "q") >= 0
        assert breakdown.measure_call(lambda: outer.run("q")) == 2
    assert _Inner.step is original
    assert set(breakdown.rows[0]) == {"run", "run.step", "total"}
    summary = breakdown.summary()
    assert summary["total"]["share"] == 1.0 and summary["run.step"]["p50_ms"] <= summary["run"]["p50_ms"]


def test_cycle_repeats_questions_in_order() -> None:
    assert cycle(["a", "b"], 5) == ["a", "b", "a", "b", "a"]
    assert cycle([], 3) == []


def test_profile_stops_at_its_budget_once_it_has_the_minimum() -> None:
    class Slow:
        def ask(self, question: str) -> None:
            time.sleep(0.002)

    result = profile_project(Slow(), ["q"] * 50, budget_s=0.0, minimum=5)
    assert result["latency"]["n"] == 5
    assert result["capped"] is False


def test_profile_cap_stops_whatever_the_count_and_says_so() -> None:
    class Counting:
        calls = 0

        def ask(self, question: str) -> None:
            Counting.calls += 1

    result = profile_project(Counting(), ["q"] * 50, budget_s=100.0, minimum=20, cap_s=0.0)
    assert result["latency"]["n"] == 1 and result["capped"] is True
    assert Counting.calls == 3 + 1  # three warm-up answers (each under a second), then one timed
    everything = profile_project(Counting(), ["q"] * 4, cap_s=0.0)
    assert everything["latency"]["n"] == 1 and everything["capped"] is True


def test_query_paths_skips_a_model_that_is_not_the_built_pipeline() -> None:
    class Stub:
        def _ensure_loaded(self) -> Any:
            return _LengthModel()

    assert query_paths(Stub(), ["问题"]) == {"direct": False}


# --- embedding and ingest helpers -------------------------------------------------------------


class _LengthModel:
    """encode() → one vector per text holding its length, so a lost order shows."""

    def encode(self, texts: list[str], **kwargs: Any) -> np.ndarray:
        return np.asarray([[float(len(t)), 1.0] for t in texts], dtype=np.float32)


@pytest.mark.parametrize("longest_first", [True, False])
def test_encode_returns_vectors_in_the_callers_order(longest_first: bool) -> None:
    texts = ["a", "ccc", "bb"]
    vectors = encode(_LengthModel(), texts, Config("x", longest_first=longest_first))
    assert vectors[:, 0].tolist() == [1.0, 3.0, 2.0]


def test_timed_build_is_the_real_build() -> None:
    loaded = load(SAMPLES / "002_30aa19420a7ce07f.txt")
    watch = Stopwatch()
    mine = timed_build(loaded, watch)
    real = build_documents(loaded)
    assert [[c.chunk_id for c in cs] for _, cs in mine] == [[c.chunk_id for c in cs] for _, cs in real]
    assert set(watch.seconds) == {"clean", "split", "outline", "chunk", "tokenize"}


# --- report -----------------------------------------------------------------------------------


def _results(recall: float, p50: float) -> dict[str, Any]:
    overall = {"recall@5": recall, "mrr": 0.9, "key_coverage": 0.7, "refusal_accuracy": 0.8}
    return {
        "meta": {"finished": "2026-01-01T00:00:00+00:00"},
        "quality": {
            "project": {"overall": overall, "by_shape": {"fact": {"recall@5": recall, "key_coverage": 0.5}}},
            "naive_dense": {"overall": {"recall@5": 0.6}, "by_shape": {"fact": {"recall@5": 0.6}}},
        },
        "speed": {"warm": {"project": {"n": 200, "p50_ms": p50, "p95_ms": 2 * p50, "p99_ms": 3 * p50}}},
    }


def test_render_shows_every_system_and_what_changed() -> None:
    previous = tracked_summary(_results(0.80, 100.0))
    text = report.render(_results(0.92, 80.0), None, previous)
    assert "| policy-qa (this project) | — | — | 0.920 |" in text
    assert "naive: LangChain 300/50" in text
    assert "| project recall@5 | 0.800 | 0.920 | 1.15× | higher |" in text
    assert "| warm latency p50 ms | 100.0 | 80.0 | 0.80× | lower |" in text
    assert "## Scale" not in text


def test_render_without_a_previous_run_says_so() -> None:
    assert "First recorded run" in report.render(_results(0.9, 50.0), None, None)


def test_scale_section_lists_each_step() -> None:
    scale = {
        "note": "synthetic",
        "steps": [
            {
                "scale": 1000,
                "speeches": 6000,
                "chunks": 117000,
                "chars": 27_000_000,
                "disk_bytes": 2_000_000_000,
                "ingest": {"seconds": 900.0, "mode": "bulk", "embedded": 6000},
                "embedded": {"latency": {"n": 20, "p50_ms": 700.0, "p95_ms": 900.0}},
            }
        ],
    }
    text = report.render(None, scale, None)
    assert "| 1000× | 6,000 | 117,000 | 27,000,000 | 2,000.0 |" in text
    assert "900.0 (bulk, 6,000 embedded)" in text


def test_save_keeps_history_and_returns_the_previous_latest(tmp_path: Path) -> None:
    assert save({"a": 1}, tmp_path, "latest.json", "bench-") is None
    time.sleep(1.1)  # file names carry the second
    assert save({"a": 2}, tmp_path, "latest.json", "bench-") == {"a": 1}
    assert json.loads((tmp_path / "latest.json").read_text())["a"] == 2
    assert len(list(tmp_path.glob("bench-*.json"))) == 2


def test_fill_blocks_rewrites_only_the_named_generated_blocks() -> None:
    text = (
        "took <!-- bench:took -->11 min<!-- /bench:took --> here\n"
        "<!-- bench:tables -->\nold table\n<!-- /bench:tables -->\n"
        "<!-- bench:kept -->\nhand-written\n<!-- /bench:kept -->\n"
    )
    filled = report.fill_blocks(text, {"took": "42 min", "tables": "| new |\n", "absent": "x"})
    assert "took <!-- bench:took -->42 min<!-- /bench:took --> here" in filled
    assert "<!-- bench:tables -->\n| new |\n<!-- /bench:tables -->" in filled
    assert "<!-- bench:kept -->\nhand-written\n<!-- /bench:kept -->" in filled
    assert report.fill_blocks(filled, {"took": "42 min", "tables": "| new |\n"}) == filled  # idempotent


def test_readme_blocks_show_the_machine_load_and_durations() -> None:
    machine = {"cpu": "AMD EPYC", "cores": 2, "ram_gb": 23.5, "python": "3.11.7", "torch": "2.13.0+cpu"}
    bench = _results(0.9, 50.0)
    bench["meta"].update(duration_s=660.0, machine=machine, load_before=[4.1, 4.2, 4.5], load_after=[5, 4, 4])
    scale = {"meta": {"duration_s": 2400.0, "machine": machine}, "note": "synthetic", "steps": []}
    blocks = report.readme_blocks(bench, scale, None)
    assert "AMD EPYC, 2 cores, 23.5 GB RAM" in blocks["machine"] and "4.10 / 4.20 / 4.50" in blocks["machine"]
    assert blocks["bench-duration"] == "11 min" and blocks["scale-duration"] == "40 min"
    assert "### Quality" in blocks["tables"] and "### Scale" in blocks["tables"]
    assert "First recorded run" in blocks["changes"]


def test_embed_in_context_times_the_question_embedding_of_each_system() -> None:
    from vectorstore.e5 import E5Embedder

    embedder = E5Embedder(Path("/unused"))
    embedder._model = _LengthModel()  # encode() only: the embedder's encode path, no real model
    systems = {"a": lambda q: embedder.embed_query(q), "b": lambda q: None}
    result = embed_in_context(systems, ["一", "二", "三"])
    assert result["a"]["n"] == 3 and result["a"]["p50_ms"] >= 0
    assert result["b"]["p50_ms"] == 0.0  # never embedded
    assert not hasattr(E5Embedder.embed_query, "__wrapped__")  # the original is back


def test_profile_leaves_an_answer_that_outlasts_the_cap_and_reports_a_lower_bound() -> None:
    import threading

    release = threading.Event()

    class Stuck:
        def ask(self, question: str) -> None:
            if question == "stuck":
                release.wait(30)

    try:
        result = profile_project(Stuck(), ["stuck", "never"], cap_s=0.0, warmup=0)  # waits 1 s at least
    finally:
        release.set()
    assert result["latency"] == {"n": 0} and result["capped"] is True
    assert result["unfinished"]["waited_ms"] >= 1000
    scale = {"steps": [{"scale": 1000, "embedded": result, "server": result}]}
    assert "| > 1 s | > 1 s | > 1 s | > 1 s |" in report.scale_section(scale)
