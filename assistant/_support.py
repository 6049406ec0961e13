"""Lexical support check for LLM-written sentences: the guarantee behind the optional rewriter.

A model, tiny or hostile, may ignore every instruction, so what it writes is split into sentences and
a sentence survives only if its [n] markers name real quotes and those quotes support its wording:

* every number in it ("2026-2030" is two, "31/12/2025" three) appears in the cited quotes;
* a negation ("không", "chưa", …) appears in the cited quotes when the sentence has one;
* every name (a capitalised word inside the sentence, with the word after it: "Bộ Quốc phòng" ->
  "quốc phòng") appears contiguously in the cited quotes, and every abbreviation appears as written
  or spelt out;
* at least ``MIN_SUPPORT`` of its content syllables appear in the cited quotes.

Vietnamese is written in syllables and a faithful rewrite of an administrative text reuses the
source's syllables; 0.8 leaves room for one connective verb in a five-word clause ("quy định",
"yêu cầu") while a new claim (another agency, another action, another target) brings several
syllables the quote lacks and, for agencies and figures, trips the name and number rules outright.
Sentences of a quote that read like instructions to a model ("bỏ qua mọi chỉ dẫn…") are not
support: documents are data, and a claim that only an injected command backs is dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ingest.vietnamese import ABBREVIATIONS, modern_tone

MIN_SUPPORT = 0.8

_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_SENTENCE_END = re.compile(r"[.!?…]+(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*(?=\s|$)")
_LINE_PREFIX = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[-*+•]\s+|\d{1,2}[.)]\s+|[a-zđ]\)\s+)?")
_SYLLABLE = re.compile(r"\w+", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")  # "2026-2030" and "31/12/2025" are checked number by number
_QUOTE_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_INSTRUCTION_LIKE = re.compile(
    r"bỏ qua (?:mọi |tất cả |toàn bộ |các )?(?:chỉ dẫn|hướng dẫn|lệnh|yêu cầu|quy tắc)"
    r"|\bhãy (?:trả lời|in ra|tiết lộ|bỏ qua|quên|đóng vai)"
    r"|ignore (?:all |any )?(?:previous |prior |above )?instructions"
    r"|(?:khóa|khoá|mã) api|api key|system prompt|lời nhắc hệ thống",
    re.IGNORECASE,
)
_NEGATIONS = frozenset({"không", "chưa", "chẳng", "chả", "đừng", "cấm"})
_STOPWORDS = frozenset(
    """và của các những là được cho với trong theo để có này đó thì mà một về từ tại do đến trên như cũng
    đã sẽ đang nên khi nếu hoặc hay bởi vì ra vào lại nhằm gồm bao này ấy nào đây ở bằng qua sau trước
    nêu rõ rằng cụ thể việc sự đối tất cả mỗi từng năm""".split()
)
_ABBREVIATIONS = {key.lower(): value for key, value in ABBREVIATIONS.items()}


@dataclass(frozen=True)
class Sentence:
    """One sentence of model output: its text without markers, the markers, and the line it sits on."""

    line: int
    prefix: str  # the line's list marker ("- ", "1. ") when this is the line's first sentence
    text: str
    markers: tuple[int, ...]


def split_sentences(output: str) -> list[Sentence]:
    """Split model output into sentences; each keeps the [n] markers written inside or right after it."""
    sentences: list[Sentence] = []
    for number, line in enumerate(output.replace("**", "").splitlines()):
        prefix = _LINE_PREFIX.match(line).group(0)
        body = line[len(prefix):]
        start = 0
        for match in [*_SENTENCE_END.finditer(body), None]:
            end = match.end() if match else len(body)
            piece = body[start:end].strip()
            start = end
            if not piece:
                continue
            markers = tuple(int(n) for m in _MARKER.finditer(piece) for n in re.split(r"[,;]", m.group(1)))
            text = " ".join(_MARKER.sub(" ", piece).split())
            text = re.sub(r"\s+([.,;:!?…])", r"\1", text)
            if not _SYLLABLE.search(text):
                continue  # a stray marker or punctuation: no claim to check
            first = not any(s.line == number for s in sentences)
            sentences.append(Sentence(number, prefix.strip() + " " if first and prefix.strip() else "", text, markers))
    return sentences


def support_text(quote: str) -> str:
    """The part of a quote that may support a claim: the quote minus sentences that instruct a model."""
    return " ".join(s for s in _QUOTE_SENTENCE.findall(quote) if not _INSTRUCTION_LIKE.search(s))


def unsupported_reason(sentence: str, support: str) -> str | None:
    """Why ``support`` does not back ``sentence`` (a short Vietnamese phrase), or None when it does."""
    source = _syllables(support)
    source_text = " " + " ".join(source) + " "
    source_set = set(source)
    numbers = set(_NUMBER.findall(support))
    missing = [n for n in _NUMBER.findall(sentence) if n not in numbers]
    if missing:
        return f"số liệu {', '.join(missing)} không có trong trích dẫn"
    words = _SYLLABLE.findall(unicodedata.normalize("NFC", sentence))
    lowered = [modern_tone(w.lower()) for w in words]
    for word in set(lowered) & _NEGATIONS:
        if word not in source_set:
            return f"từ phủ định “{word}” không có trong trích dẫn"
    spelt_out = set()
    for i, word in enumerate(words):
        if word.isupper() and len(word) > 1 and not word.isdigit():
            spelt = " ".join(_syllables(_ABBREVIATIONS.get(lowered[i], "")))
            if spelt and f" {spelt} " in source_text:
                spelt_out.add(lowered[i])
            elif lowered[i] not in source_set:
                return f"từ viết tắt “{word}” không có trong trích dẫn"
    for start, end in _name_runs(words):
        name = words[start:end]
        if end < len(words) and lowered[end] not in _STOPWORDS and not words[end].isdigit():
            name = words[start : end + 1]  # "Bộ Quốc phòng": a name's last syllables are lower-case
        found = lambda ws: f" {' '.join(modern_tone(w.lower()) for w in ws)} " in source_text  # noqa: E731
        if not found(name) and not (end - start >= 2 and found(words[start:end])):
            return f"tên “{' '.join(name)}” không có trong trích dẫn"
    content = [w for w in lowered if w not in _STOPWORDS and not w.isdigit()]
    if not content:
        return "câu không có nội dung"
    share = sum(w in source_set or w in spelt_out for w in content) / len(content)
    if share < MIN_SUPPORT:
        return f"chỉ {share:.0%} từ ngữ có trong trích dẫn"
    return None


def _name_runs(words: list[str]) -> list[tuple[int, int]]:
    """[start, end) of each run of capitalised words, except a sentence's lone capitalised first word."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if words[i][:1].isupper() and not words[i].isupper():
            end = i + 1
            while end < len(words) and words[end][:1].isupper() and not words[end].isupper():
                end += 1
            if i > 0 or end - i >= 2:
                runs.append((i, end))
            i = end
        else:
            i += 1
    return runs


def _syllables(text: str) -> list[str]:
    return [modern_tone(s.lower()) for s in _SYLLABLE.findall(unicodedata.normalize("NFC", text))]
