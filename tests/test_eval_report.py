"""Scoring one response and building the report, on hand-made outcomes over the real corpus texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.dataset import EvalItem, load_dataset
from eval.documents import CorpusTexts
from eval.metrics import ItemOutcome
from eval.report import build_report, write_report
from eval.runner import BenchmarkResult, SystemRun, score_item
from eval.systems import Cited, Response
from tests.conftest import DATASETS_DIR, make_settings

DEV = DATASETS_DIR / "dev.jsonl"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> CorpusTexts:
    tmp = tmp_path_factory.mktemp("eval-report")
    return CorpusTexts.load(make_settings(tmp / "data", tmp / "embeddings.sqlite"))


@pytest.fixture(scope="module")
def items() -> dict[str, EvalItem]:
    return {item.id: item for item in load_dataset(DEV)}


def _response(passages, answer="", refused=False, citations=(), ms=10.0) -> Response:
    return Response(tuple(passages), answer, refused, tuple(citations), "extractive", ms, ms, 0.0)


def test_score_item_applies_the_matching_rule_and_citation_rules(corpus, items):
    item = items["D001"]  # one quote, from 004, must mention "81.400"
    quote = item.evidence[0].quote
    half = quote[: len(quote) // 2 + 1]
    response = _response(
        ["Một đoạn không liên quan.", "… " + half, quote],
        answer="Số lượng doanh nghiệp công nghệ số đạt 81.400 doanh nghiệp [1][2][3].",
        citations=[Cited("du-thao-kh-cds-qg-2025", quote, None),  # verbatim, hits
                   Cited("du-thao-kh-cds-qg-2025", "Một câu không có trong tài liệu nào cả.", quote),  # passage hits
                   Cited("khung-kh-cds-2026-2030", quote, None)],  # quote hits, but not in the document it names
    )
    outcome = score_item(item, response, corpus, k=10)
    assert outcome.hit_sets == (frozenset(), frozenset({0}), frozenset({0}))
    assert outcome.docs == ("du-thao-kh-cds-qg-2025",)
    assert outcome.mentions == (True,)
    assert outcome.citations_accurate == (True, True, True)
    assert outcome.citations_faithful == (True, False, False)
    assert score_item(item, response, corpus, k=1).hit_sets == (frozenset(),)


def test_documents_named_by_id_or_by_file_name_score_the_same(corpus, items):
    item = items["D001"]
    by_id = item.model_copy(update={"evidence": [e.model_copy(update={"doc": "du-thao-kh-cds-qg-2025"})
                                                 for e in item.evidence]})
    response = _response([item.evidence[0].quote])
    assert score_item(by_id, response, corpus, 10) == score_item(item, response, corpus, 10)


def test_unanswerable_items_have_no_citation_accuracy(corpus, items):
    item = next(i for i in items.values() if not i.answerable)
    outcome = score_item(item, _response(["x"], answer="KHÔNG CÓ TRONG TÀI LIỆU", refused=True), corpus, 10)
    assert outcome.refused and outcome.citations_accurate == () and outcome.n_evidence == 0


def _run(name: str, outcomes: list[ItemOutcome]) -> SystemRun:
    responses = tuple(_response([], ms=o.latency_ms) for o in outcomes)
    return SystemRun(name, tuple(outcomes), responses, 1.0)


def _outcome(item: EvalItem, hit: bool, refused: bool, mention: bool, ms: float) -> ItemOutcome:
    hit_sets = (frozenset(range(len(item.evidence))),) if hit else (frozenset(),)
    return ItemOutcome(item.id, item.type, item.answerable, ("du-thao-kh-cds-qg-2025",) if item.answerable else (),
                       len(item.evidence), hit_sets if item.answerable else (), refused,
                       tuple(mention for _ in item.must_mention), (hit,) if item.answerable else (), (True,), ms)


@pytest.fixture(scope="module")
def result(corpus, items) -> BenchmarkResult:
    chosen = [items[i] for i in ("D001", "D002", "D003", "D105")]  # three factoids, one unanswerable
    project = [_outcome(chosen[0], True, False, True, 20), _outcome(chosen[1], True, False, True, 30),
               _outcome(chosen[2], False, False, False, 40), _outcome(chosen[3], False, True, False, 50)]
    bm25 = [_outcome(chosen[0], True, False, True, 5), _outcome(chosen[1], False, False, False, 6),
            _outcome(chosen[2], False, True, False, 8), _outcome(chosen[3], False, True, False, 9)]
    return BenchmarkResult(DEV, "ab" * 32, tuple(chosen), 10, (_run("project", project), _run("bm25", bm25)), corpus)


def test_report_names_the_best_system_per_metric_and_the_margin(result):
    report = build_report(result)
    assert report["metrics"]["project"]["recall@1"] == pytest.approx(0.6667)
    assert report["metrics"]["bm25"]["recall@1"] == pytest.approx(0.3333)
    assert report["best"]["recall@1"] == {"systems": ["project"], "value": 0.6667, "runner_up": "bm25",
                                          "margin": 0.3333}
    assert report["best"]["answerable_refused"]["systems"] == ["project"]  # lower is better
    assert report["best"]["refusal_recall"] == {"systems": ["bm25", "project"], "value": 1.0, "runner_up": None,
                                                "margin": 0.0}
    assert report["timings"]["best"]["latency_p50_ms"]["systems"] == ["bm25"]


def test_targets_say_met_or_missed_by_how_much(result):
    rows = {(t["metric"], t["op"]): t for t in build_report(result)["targets"]}
    recall = rows[("recall@5", ">=")]
    assert (recall["measured"], recall["met"], recall["gap"]) == (0.6667, False, -0.2833)
    assert rows[("refusal_recall", ">=")]["met"] is True
    ahead = rows[("mrr@10", "ahead_of_baselines")]
    assert (ahead["baseline"], ahead["baseline_value"], ahead["met"], ahead["gap"]) == ("bm25", 0.3333, True, 0.3333)
    assert rows[("answerable_refused", "<=")]["met"] is True


def test_failures_list_missing_evidence_and_mentions(result):
    failures = build_report(result)["failures"]["project"]
    assert [f["id"] for f in failures] == ["D003"]
    assert failures[0]["missing_evidence"][0]["doc"] == "004_d7ea618fb136404a.txt"
    assert failures[0]["missing_mentions"] == ["thứ 16"]
    assert failures[0]["inaccurate_citations"] == 1


def test_written_report_has_json_markdown_and_plots(result, tmp_path: Path):
    report, paths = write_report(result, tmp_path)
    assert [p.name for p in paths] == ["report.json", "report.md", "recall_at_k.png", "metrics_by_type.png",
                                       "latency.png"]
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8")) == report
    for png in paths[2:]:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| Chỉ số | project | bm25 | Tốt nhất |" in md
    assert "| Recall@1 | **0.667** | 0.333 | project (+0.333 so với bm25) |" in md
    assert "| Độ trễ p50, ms (thấp hơn là tốt hơn) | 35 | **7** | bm25 (−28 so với project) |" in md
    assert "| Recall@5 ≥ 0.95 | 0.667 | **chưa đạt: thiếu 0.283** |" in md
    assert "- **D003** (factoid): thiếu bằng chứng `004_d7ea618fb136404a.txt`" in md
    assert "![recall_at_k.png](recall_at_k.png)" in md


def test_report_json_is_identical_across_builds_but_for_timings(result):
    first, second = build_report(result), build_report(result)
    first.pop("timings"), second.pop("timings")
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
