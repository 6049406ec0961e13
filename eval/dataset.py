"""Evaluation datasets: the JSONL item format of docs/DESIGN.md, loading, and validation against the corpus.

One item a line::

    {"id": "D001", "question": "…", "type": "factoid", "answer": "…",
     "evidence": [{"doc": "004_d7ea618fb136404a.txt", "quote": "verbatim source text, 25-300 chars"}],
     "must_mention": ["81.400"]}

An unanswerable item has type "unanswerable", answer "KHÔNG CÓ TRONG TÀI LIỆU", no evidence and no
must-mention phrases; every other item has at least one evidence quote.

>>> items = load_dataset(Path("eval/datasets/dev.jsonl"))                  # doctest: +SKIP
>>> items, problems = validate(Path("eval/datasets/dev.jsonl"), CorpusTexts.load(Settings()))  # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.schemas import NOT_IN_CORPUS
from eval.documents import CorpusTexts
from eval.errors import DatasetError
from eval.matching import canonical

QuestionType = Literal["factoid", "howto", "task_lookup", "list", "multi_doc", "unanswerable", "drafting"]
QUESTION_TYPES: tuple[str, ...] = get_args(QuestionType)
QUOTE_CHARS = (25, 300)

_MAX_LISTED = 20  # problems shown in one DatasetError message


class Evidence(BaseModel):
    """Where the answer is in the corpus: a document name and a verbatim quote of it."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    doc: str = Field(min_length=1)  # a source file name or a doc id
    quote: str

    @field_validator("quote")
    @classmethod
    def _quote_length(cls, value: str) -> str:
        low, high = QUOTE_CHARS
        if not low <= len(canonical(value)) <= high:
            raise ValueError(f"phải dài từ {low} đến {high} ký tự, đang có {len(canonical(value))}")
        return value


class EvalItem(BaseModel):
    """One question of an evaluation dataset (docs/DESIGN.md "Evaluation dataset")."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    type: QuestionType
    answer: str = Field(min_length=1)
    evidence: list[Evidence]
    must_mention: list[Annotated[str, Field(min_length=1)]]

    @model_validator(mode="after")
    def _consistent(self) -> "EvalItem":
        if self.type == "unanswerable":
            if self.evidence or self.must_mention:
                raise ValueError("câu hỏi loại 'unanswerable' không được có evidence hay must_mention")
            if canonical(self.answer) != NOT_IN_CORPUS:
                raise ValueError(f"câu hỏi loại 'unanswerable' phải có answer {NOT_IN_CORPUS!r}")
        elif not self.evidence:
            raise ValueError(f"câu hỏi loại {self.type!r} cần ít nhất một evidence")
        return self

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"


@dataclass(frozen=True)
class Problem:
    """Something wrong with one line of a dataset file; ``message`` is Vietnamese, for the evaluator."""

    line: int
    item_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"dòng {self.line}" + (f" (id {self.item_id!r})" if self.item_id else "")
        return f"{where}: {self.message}"


def read_dataset(path: Path) -> tuple[list[EvalItem], list[Problem]]:
    """Parse a JSONL dataset, keeping the valid items and listing the problems of the others.

    Blank lines are skipped. Checked: every line is a JSON object of the item format, ids are unique.

    :param path: the dataset file.
    :returns: the valid items in file order, and the problems in line order.
    :raises DatasetError: the file cannot be read.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: không đọc được tệp ({exc}). "
                           "Hãy kiểm tra đường dẫn và lưu tệp dạng UTF-8.") from exc
    items: list[EvalItem] = []
    problems: list[Problem] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(number, None, f"không phải JSON hợp lệ (cột {exc.colno}: {exc.msg})"))
            continue
        if not isinstance(raw, dict):
            problems.append(Problem(number, None, "phải là một đối tượng JSON {…}"))
            continue
        item_id = raw.get("id") if isinstance(raw.get("id"), str) else None
        try:
            item = EvalItem.model_validate(raw)
        except ValidationError as exc:
            problems.extend(Problem(number, item_id, _describe(error)) for error in exc.errors())
            continue
        if item.id in first_line:
            problems.append(Problem(number, item.id, f"id {item.id!r} trùng với dòng {first_line[item.id]}"))
            continue
        first_line[item.id] = number
        items.append(item)
    if not items and not problems:
        problems.append(Problem(0, None, "tệp không có câu hỏi nào"))
    return items, problems


def load_dataset(path: Path) -> list[EvalItem]:
    """The items of a dataset that has no problem at all.

    :raises DatasetError: the file cannot be read or a line is invalid; the message lists the problems.
    """
    items, problems = read_dataset(path)
    if problems:
        raise DatasetError(describe_problems(path, problems))
    return items


# Held-out sets: what is measured, never fitted on.
HELD_OUT = ("dev.jsonl", "newdocs.jsonl", "fresh.jsonl")
_NEAR_COPY = 0.85  # question similarity (difflib ratio, folded) above which two questions are one


def fitting_items(paths: Sequence[Path]) -> tuple[list[EvalItem], list[str]]:
    """The items of ``paths`` a model may be fitted on: none of a held-out set, and none that nearly
    repeats a held-out question or shares one of its evidence quotes (written from the same documents,
    two sets meet on the same facts: "8 nhiệm vụ xã hội số …" is asked in both).

    :returns: the items kept, and the ids of those left out.
    :raises ValueError: a path is a held-out set.
    """
    for path in paths:
        if path.name in HELD_OUT:
            raise ValueError(f"{path} is a held-out benchmark: never fit on it.")
    folder = paths[0].parent if paths else Path()
    held = [item for name in HELD_OUT if (folder / name).exists() for item in load_dataset(folder / name)]
    held_questions = [canonical(item.question).casefold() for item in held]
    held_quotes = {canonical(e.quote) for item in held for e in item.evidence}
    kept, dropped = [], []
    for item in (item for path in paths for item in load_dataset(path)):
        question = canonical(item.question).casefold()
        near = any(difflib.SequenceMatcher(None, question, other).ratio() >= _NEAR_COPY for other in held_questions)
        if near or any(canonical(e.quote) in held_quotes for e in item.evidence):
            dropped.append(item.id)
        else:
            kept.append(item)
    return kept, dropped


def validate(path: Path, corpus: CorpusTexts) -> tuple[list[EvalItem], list[Problem]]:
    """Check a dataset's format and that each evidence quote is verbatim in the document it names.

    Quotes are compared after NFC and whitespace collapsing, against the document's normalised text
    and against its text as loaded. A ``doc`` must name a corpus document (doc id, source file or
    its base name).

    :param path: the dataset file.
    :param corpus: the corpus texts (``CorpusTexts.load(settings)``).
    :returns: the items that parsed, and every problem found in line order (none: the dataset is valid).
    :raises DatasetError: the file cannot be read.
    """
    items, problems = read_dataset(path)
    lines = _item_lines(path)
    for item in items:
        for i, evidence in enumerate(item.evidence):
            problem = _evidence_problem(evidence, corpus)
            if problem:
                problems.append(Problem(lines[item.id], item.id, f"evidence[{i}]: {problem}"))
    return items, sorted(problems, key=lambda p: p.line)


def describe_problems(path: Path, problems: list[Problem]) -> str:
    """One message listing ``problems`` (at most 20) of the dataset at ``path``."""
    shown = [f"  {p}" for p in problems[:_MAX_LISTED]]
    if len(problems) > _MAX_LISTED:
        shown.append(f"  … và {len(problems) - _MAX_LISTED} lỗi khác")
    return f"{path}: {len(problems)} lỗi, hãy sửa rồi thử lại:\n" + "\n".join(shown)


def _evidence_problem(evidence: Evidence, corpus: CorpusTexts) -> str | None:
    doc_id = corpus.resolve(evidence.doc)
    if doc_id is None:
        return (f"doc {evidence.doc!r} không phải tài liệu nào trong kho "
                f"(dùng tên tệp hoặc mã tài liệu, ví dụ {', '.join(sorted(corpus.texts)[:3])}, …)")
    if corpus.contains(doc_id, evidence.quote):
        return None
    quote = _shorten(canonical(evidence.quote))
    elsewhere = corpus.find(evidence.quote)
    if elsewhere:
        return f"quote {quote!r} không có trong {evidence.doc!r} mà có trong {', '.join(elsewhere)}"
    return (f"quote {quote!r} không có nguyên văn trong {evidence.doc!r} "
            "(đã so sau khi chuẩn hóa Unicode NFC và gộp khoảng trắng)")


def _item_lines(path: Path) -> dict[str, int]:
    """The line of each item id (first occurrence), for problems found after parsing."""
    lines: dict[str, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        try:
            raw = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            lines.setdefault(raw["id"], number)
    return lines


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(error: Any) -> str:
    field = ".".join(f"[{part}]" if isinstance(part, int) else str(part) for part in error["loc"]).replace(".[", "[")
    kind = error["type"]
    if kind == "missing":
        return f"thiếu trường bắt buộc {field!r}"
    if kind == "extra_forbidden":
        return (f"trường {field!r} không thuộc định dạng "
                "(các trường: id, question, type, answer, evidence[doc, quote], must_mention)")
    if kind == "literal_error":
        return (f"trường {field!r} có giá trị {error['input']!r} không hợp lệ "
                f"(chọn một trong: {', '.join(QUESTION_TYPES)})")
    if kind in _TYPE_NAMES:
        given = f"{type(error['input']).__name__} {error['input']!r}"
        return f"trường {field!r} phải là {_TYPE_NAMES[kind]}, không phải {given}"
    if kind == "string_too_short":
        return f"trường {field!r} không được để trống"
    detail = error["msg"].removeprefix("Value error, ")
    return f"trường {field!r}: {detail}" if field else detail


_TYPE_NAMES = {"string_type": "chuỗi", "list_type": "danh sách", "model_type": "đối tượng {…}",
               "dict_type": "đối tượng {…}", "model_attributes_type": "đối tượng {…}"}
