"""Question typing by Vietnamese cues: what shape the extractive answer should take.

A question can ask several things at once ("ai chủ trì và hạn khi nào?", "… là bao nhiêu, và … gồm
những gì?"), so the result is a set of flags rather than one label; ``shape`` is the one that decides
how an answer is assembled. Cues are matched on the question with and without diacritics, because
officials often type without them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.engine.read import Query, read_query, scope_phrases
from ingest.vietnamese import strip_diacritics

_TASK = ("chủ trì", "phối hợp", "cơ quan nào", "bộ nào", "ai được giao", "giao cho ai", "do ai", "ai chủ trì",
         "thời hạn", "hạn hoàn thành", "hạn khi nào", "khi nào xong", "hoàn thành khi nào", "đơn vị nào",
         "địa phương nào được giao", "được giao", "phân công", "mốc thời gian", "hạn trình")
_LIST = ("những", "liệt kê", "gồm", "bao gồm", "các bước", "nhóm nào", "loại nào", "các nhiệm vụ",
         "những nhiệm vụ", "những nội dung", "các nội dung", "kể tên")
# "Các nghị quyết nào …?": a plural noun asked by "nào" asks for a list.
_PLURAL_WHICH = re.compile(r"\b(?:các|cac)\s+(?:\w+\s+){1,3}?(?:nào|nao)\b")
_HOWTO = ("viết", "soạn", "xây dựng phần", "xây dựng mục", "như thế nào", "thế nào", "cần nêu", "cần làm rõ",
          "nội dung gì", "phải làm gì", "ra sao", "thủ tục gì", "các bước", "làm sao", "bằng cách nào")
# "Cách xác định mục tiêu …?" (a question opening with "cách"), "cách thức …", "bằng cách nào", "cách làm":
# a way of doing; not "tư cách", "quy cách", "cách chức", "khoảng cách số", "cách hiểu của luật".
_HOWTO_WAY = re.compile(r"^(?:cách|cach)\s+(?!(?:chức|chuc|hiểu|hieu|ly|biệt|biet|mạng|mang|điện|dien)\b)\w"
                        r"|\b(?:cách|cach) (?:thức|thuc|nào|nao|làm|lam)\b|\bbằng cách\b|\bbang cach\b")
# "Phân biệt A và B" compares; "mọi tổ chức, không phân biệt quy mô" does not.
_DISTINGUISH = re.compile(r"(?<!không )(?<!khong )\b(?:phân biệt|phan biet)\b")
# Two periods are compared when the question joins them ("mục tiêu 2025 và mục tiêu 2030", "…, còn NQ 57 đặt
# bao nhiêu cho năm 2030"), not when one is context ("KH năm 2025, phần đánh giá kết quả năm 2024 …").
_JOINED = re.compile(r"\b(?:và|còn|khác|với|hay|hoặc)\b")
_JOINED_PLAIN = re.compile(r"\b(?:va|con|khac|voi|hay|hoac)\b")
_COMPARE = ("so với", "so sánh", "lần lượt", "khác nhau", "thay đổi")
_FACTOID = ("bao nhiêu", "%", "tỷ lệ", "tỉ lệ", "ngày nào", "năm nào", "số hiệu", "khi nào", "bao lâu", "mấy",
            "là gì", "chỉ tiêu", "mục tiêu", "tần suất")
# What a question asks for, once per thing asked: "… là bao nhiêu, và … gồm những gì?" asks two things.
# "Ai" is matched apart, case-sensitively: "AI" is artificial intelligence. Without diacritics, "may" and
# "dau" are left out: they are also "máy" and "đầu".
_ASKS = re.compile(r"\b(?:bao nhiêu|bao lâu|mấy|nào|gì|đâu|ra sao)\b")
_ASKS_PLAIN = re.compile(r"\b(?:bao nhieu|bao lau|nao|gi|ra sao)\b")
_ASKS_WHO = re.compile(r"\b(?:ai|Ai)\b")
_ACRONYM_AI = re.compile(r"\bAI\b")
_NUMBER_WORDS = {"hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "mười": 10}
_COUNT = re.compile(r"\b(\d{1,2}|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười)\s+(?:nhiệm vụ|nội dung|giải pháp|chỉ tiêu|"
                    r"chính sách|dự án|ý)\b")
_FIELDS = {
    "lead": ("chủ trì", "ai được giao", "giao cho ai", "do ai", "cơ quan nào", "bộ nào", "đơn vị nào", "giao ai"),
    "coordinating": ("phối hợp",),
    "deadline": ("thời hạn", "hạn hoàn thành", "hạn khi nào", "khi nào", "mốc thời gian", "hạn trình", "năm nào"),
}


@dataclass(frozen=True)
class QuestionType:
    """The answer shapes a question asks for; ``shape`` is the one composition follows."""

    shape: str  # "task", "compare", "list", "howto" or "factoid"
    task: bool
    listing: bool
    howto: bool
    compare: bool
    fields: tuple[str, ...]  # task fields asked for: "lead", "coordinating", "deadline"
    periods: tuple[str, ...]  # years or periods named: "2025", "2028-2030"
    count: int  # how many items the question asks for ("soạn 3 nhiệm vụ"), 0 when it names no number
    asks: int  # how many things it asks ("lấy từ nguồn nào, còn … thì ai chi trả?": 2), by its question words


def classify(question: str, reading: Query | None = None) -> QuestionType:
    """Type ``question`` by its cues (see module docstring); its periods are those ``reading`` holds
    (read from ``question`` if None): a year inside a document number or a date names no period."""
    # "AI" in capitals is the acronym (trí tuệ nhân tạo), not "ai" (who): "nội dung do AI tạo ra" asks no agency
    text = " ".join(_ACRONYM_AI.sub("trí tuệ nhân tạo", question).lower().split())
    plain = strip_diacritics(text)

    def has(cues: tuple[str, ...]) -> bool:
        return any(cue in text or strip_diacritics(cue) in plain for cue in cues)

    reading = reading or read_query(question)
    periods = tuple(str(start) if start == end else f"{start}-{end}" for start, end in reading.periods)
    task = has(_TASK)
    typed_plain = text == plain
    compare = has(_COMPARE) or bool(_DISTINGUISH.search(text)) \
        or _disjoint(periods) and not task and _joined(text, _JOINED_PLAIN if typed_plain else _JOINED)
    listing = has(_LIST) or bool(_PLURAL_WHICH.search(text))
    howto = has(_HOWTO) or bool(_HOWTO_WAY.search(text))
    fields = tuple(name for name, cues in _FIELDS.items() if has(cues)) if task else ()
    # "Cơ quan phối hợp … là những cơ quan nào?": the agency asked is the partner, not the lead.
    if "coordinating" in fields and "lead" in fields and not has(("chủ trì",)):
        fields = tuple(f for f in fields if f != "lead")
    if compare:
        shape = "compare"
    elif task:
        shape = "task"
    elif howto:
        shape = "howto"
    elif listing:
        shape = "list"
    else:
        shape = "factoid"
    found = _COUNT.search(text)
    count = 0
    if found:
        count = int(found.group(1)) if found.group(1).isdigit() else _NUMBER_WORDS[found.group(1)]
    asks = len((_ASKS_PLAIN if typed_plain else _ASKS).findall(text)) + len(_ASKS_WHO.findall(question))
    return QuestionType(shape, task, listing, howto, compare, fields, periods, min(count, 10), asks)


# Where one ask ends and the next begins: "… bao lâu, và …", "… ngày nào và thay thế …", "…? Nếu không, …"
_ASK_BREAK = re.compile(r"\s*(?:[?;]|,\s*(?:và|còn|rồi)\b|\s(?:và|còn)\b)\s*")


def ask_parts(question: str) -> list[str]:
    """The question cut into its asks, each part holding one or more question words: "… hạn báo cáo sơ bộ là
    bao lâu, và báo cáo chính thức gửi khi nào?" -> ["… hạn báo cáo sơ bộ là bao lâu", "báo cáo chính thức gửi
    khi nào"]. A piece without a question word ("Bộ Khoa học" / "Công nghệ" cut at "và") stays with the ask
    it belongs to."""
    parts: list[str] = []
    pending = ""
    for piece in _ASK_BREAK.split(" ".join(question.split())):
        pending = f"{pending} {piece}".strip()
        if _ASKS.search(pending.lower()) or _ASKS_WHO.search(pending):
            parts.append(pending)
            pending = ""
    if pending and parts:
        parts[-1] = f"{parts[-1]} {pending}"
    return parts


def _joined(text: str, conjunction: re.Pattern[str]) -> bool:
    """Whether a conjunction stands between the first and the last period ``text`` names."""
    spans = scope_phrases(text).periods
    return len(spans) < 2 or bool(conjunction.search(text, spans[0][1], spans[-1][0]))


def _disjoint(periods: tuple[str, ...]) -> bool:
    """Two of the periods do not overlap ("2025" and "2028-2030"; not "2026-2030" and "2030")."""
    spans = [(int(p[:4]), int(p[-4:])) for p in periods]
    return any(a[1] < b[0] or b[1] < a[0] for i, a in enumerate(spans) for b in spans[i + 1:])
