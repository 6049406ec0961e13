"""report.md: the benchmark report for evaluators and engineers, rendered from report.json's data."""

from __future__ import annotations

from typing import Any

from eval.metrics import LOWER_IS_BETTER

_PROJECT = "project"
_LABELS = {
    "must_mention": "Bao phủ must-mention",
    "citation_accuracy": "Độ chính xác trích dẫn",
    "quote_fidelity": "Độ trung thực trích dẫn",
    "refusal_precision": "Độ chính xác khi từ chối",
    "refusal_recall": "Tỷ lệ câu không có đáp án được từ chối",
    "answerable_refused": "Tỷ lệ câu có đáp án bị từ chối (thấp hơn là tốt hơn)",
    "latency_p50_ms": "Độ trễ p50, ms (thấp hơn là tốt hơn)",
    "latency_p95_ms": "Độ trễ p95, ms (thấp hơn là tốt hơn)",
}
_FAILURE_NOTES = {"refused_answerable": "từ chối dù tài liệu có đáp án",
                  "answered_unanswerable": "trả lời dù tài liệu không có đáp án"}


def label(metric: str) -> str:
    """How a metric is named in the report ("recall@5" -> "Recall@5", "mrr@10" -> "MRR@10")."""
    if metric in _LABELS:
        return _LABELS[metric]
    name, _, cut = metric.partition("@")
    return {"recall": "Recall", "mrr": "MRR", "ndcg": "nDCG"}[name] + f"@{cut}"


def target_label(row: dict[str, Any]) -> str:
    """A target in words: "Recall@5 ≥ 0.95", "MRR@10 cao hơn hệ thống cơ sở tốt nhất"."""
    metric = label(row["metric"])
    if row["op"] == "ahead_of_baselines":
        return f"{metric} cao hơn hệ thống cơ sở tốt nhất"
    op = {">=": "≥", "<=": "≤", "==": "="}[row["op"]]
    return f"{metric.removesuffix(' (thấp hơn là tốt hơn)')} {op} {row['threshold']:.2f}"


def render_markdown(report: dict[str, Any], plots: list[str]) -> str:
    """The whole report.md; ``plots`` are the PNG file names written next to it."""
    k = report["k"]
    data = report["dataset"]
    systems = [s["name"] for s in report["systems"]]
    out = [
        f"# Đánh giá hỏi đáp: {data['file']}",
        "",
        f"{data['items']} câu hỏi ({data['answerable']} có đáp án, {data['items'] - data['answerable']} không có), "
        f"k = {k}; tệp sha256 `{data['sha256'][:12]}`; chạy lúc {report['timings']['generated']}.",
        "",
        "Các loại câu hỏi: " + ", ".join(f"{t} {n}" for t, n in data["types"].items()) + ".",
        "",
        "## Các hệ thống",
        "",
        *[f"- **{s['name']}** (cách viết câu trả lời: {', '.join(s['answer_modes'])}): {s['description']}"
          for s in report["systems"]],
        "",
        "## So sánh",
        "",
        "Giá trị tốt nhất in đậm; cột cuối ghi hệ thống dẫn đầu và khoảng cách với hệ thống đứng sau.",
        "",
        *_comparison(report, systems),
        "",
        f"- {report['rules']['matching']}",
        f"- {report['rules']['citations']}",
        f"- {report['rules']['ndcg']}",
        "- Recall, MRR, nDCG và must-mention tính trên các câu có đáp án; từ chối tính trên các câu không có đáp án.",
        "",
    ]
    if report["targets"]:
        out += ["## Mục tiêu (pipeline của dự án)", "", *_targets(report["targets"]), ""]
    if _PROJECT in report["per_type"]:
        out += ["## Theo loại câu hỏi (pipeline của dự án)", "",
                *_breakdown(report["per_type"][_PROJECT], k, lambda key: key), ""]
        titles = report["documents"]
        out += ["## Theo tài liệu (pipeline của dự án)", "",
                "Mỗi câu được tính cho mọi tài liệu mà bằng chứng của nó nêu.", "",
                *_breakdown(report["per_document"][_PROJECT], k, lambda key: f"{titles.get(key, key)} (`{key}`)"), ""]
    out += ["## Thời gian", "", *_timings(report["timings"]["systems"]), "",
            "Độ trễ là thời gian thực của mỗi lần hỏi (sau một lần hỏi khởi động không tính); tìm kiếm và soạn "
            "là phần chia do chính hệ thống báo (Answer.timings_ms).", ""]
    out += ["## Biểu đồ", "", *[f"![{name}]({name})" for name in plots], ""]
    if _PROJECT in report["failures"]:
        out += [f"## Các câu chưa đạt (pipeline của dự án): {len(report['failures'][_PROJECT])}", "",
                *_failures(report["failures"][_PROJECT]), ""]
    return "\n".join(out)


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _comparison(report: dict[str, Any], systems: list[str]) -> list[str]:
    rows = [f"| Chỉ số | {' | '.join(systems)} | Tốt nhất |", "|---" * (len(systems) + 2) + "|"]
    tables = [(report["metrics"], report["best"], _fmt),
              (report["timings"]["systems"], report["timings"]["best"], lambda ms: f"{ms:.0f}")]
    for values, best, fmt in tables:
        for metric, top in best.items():
            cells = []
            for system in systems:
                value = values[system].get(metric)
                cell = "—" if value is None else fmt(value)
                cells.append(f"**{cell}**" if system in top["systems"] else cell)
            sign = "−" if metric in LOWER_IS_BETTER else "+"
            rows.append(f"| {label(metric)} | {' | '.join(cells)} | {_leader(top, fmt, sign)} |")
    return rows


def _leader(top: dict[str, Any], fmt, sign: str) -> str:
    if not top["systems"]:
        return "—"
    leaders = ", ".join(top["systems"])
    if top["runner_up"] is None:
        return f"{leaders} (ngang nhau)" if len(top["systems"]) > 1 else leaders
    return f"{leaders} ({sign}{fmt(top['margin'])} so với {top['runner_up']})"


def _targets(rows: list[dict[str, Any]]) -> list[str]:
    out = ["| Mục tiêu | Đo được | Kết quả |", "|---|---|---|"]
    for row in rows:
        goal = target_label(row)
        if row.get("baseline"):
            goal += f" ({row['baseline']}: {_fmt(row['baseline_value'])})"
        if row["met"] is None:
            verdict = "không đo được"
        elif row["met"]:
            verdict = f"đạt ({row['gap']:+.3f})"
        else:
            verdict = f"**chưa đạt: thiếu {abs(row['gap']):.3f}**"
        rows_value = _fmt(row["measured"])
        out.append(f"| {goal} | {rows_value} | {verdict} |")
    return out


def _timings(systems: dict[str, dict[str, float]]) -> list[str]:
    out = ["| Hệ thống | Chuẩn bị (s) | Độ trễ p50 (ms) | Độ trễ p95 (ms) | Tìm kiếm p50 (ms) | Soạn p50 (ms) |",
           "|---|---|---|---|---|---|"]
    for name, t in systems.items():
        cells = [t["setup_s"], t["latency_p50_ms"], t["latency_p95_ms"],
                 t.get("retrieve_p50_ms"), t.get("compose_p50_ms")]
        out.append(f"| {name} | " + " | ".join("—" if c is None else f"{c:.1f}" for c in cells) + " |")
    return out


def _breakdown(groups: dict[str, dict[str, Any]], k: int, name) -> list[str]:
    cols = [f"recall@{cut}" for cut in sorted({1, min(5, k), k})] + [
        f"mrr@{k}", f"ndcg@{k}", "must_mention", "citation_accuracy", "quote_fidelity",
        "refusal_recall", "answerable_refused"]
    heads = ["Nhóm", "Số câu", *[label(c).removesuffix(" (thấp hơn là tốt hơn)") for c in cols]]
    out = ["| " + " | ".join(heads) + " |", "|---" * len(heads) + "|"]
    for key, metrics in groups.items():
        out.append(f"| {name(key)} | {metrics['items']} | " + " | ".join(_fmt(metrics[c]) for c in cols) + " |")
    return out


def _failures(rows: list[dict[str, Any]]) -> list[str]:
    out = []
    for row in rows:
        problems = []
        for evidence in row.get("missing_evidence", []):
            quote = evidence["quote"] if len(evidence["quote"]) <= 90 else evidence["quote"][:89] + "…"
            problems.append(f"thiếu bằng chứng `{evidence['doc']}`: “{quote}”")
        if row.get("missing_mentions"):
            problems.append("câu trả lời thiếu " + ", ".join(f"“{m}”" for m in row["missing_mentions"]))
        if row.get("refusal"):
            problems.append(_FAILURE_NOTES[row["refusal"]])
        if row.get("inaccurate_citations"):
            problems.append(f"{row['inaccurate_citations']} trích dẫn không trúng bằng chứng")
        if row.get("unfaithful_citations"):
            problems.append(f"{row['unfaithful_citations']} trích dẫn không nguyên văn")
        out.append(f"- **{row['id']}** ({row['type']}): " + "; ".join(problems))
    return out or ["Không có."]
