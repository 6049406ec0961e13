"""The kind of value a question asks for, and whether a text holds one.

"bao nhiêu MW", "mức phí", "ngày nào", "số hiệu", "số điện thoại", "những tỉnh nào", "cần những giấy tờ
gì": composition prefers units that hold such a value, and abstention refuses when the chosen blocks hold none.
Cues are matched without diacritics (officials type "bao nhieu").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ingest.vietnamese import ABBREVIATIONS, strip_diacritics


def plain(text: str) -> str:
    """Lower case, no diacritics, single spaces."""
    return strip_diacritics(" ".join(text.split()).casefold())


_AMOUNT_UNIT = re.compile(r"bao nhieu\s+(phan tram|%|mw|gb|nam|thang|ngay|gio|lan|thanh vien|camera|bac)\b")
# "bao nhiêu doanh nghiệp" counts a noun; "đặt bao nhiêu cho 2030" asks a figure: words that go on the
# sentence are no noun.
_COUNTED = re.compile(r"bao nhieu\s+(?!(?:phan|lan|la|va|so|muc|ty|trieu|cho|de|trong|tai|vao|thi|khi|o|tu|den|voi|cua"
                      r"|nhu|theo|hay|hoac|con|duoc|phai|nua|vay|a)\b)([a-z]+)")
_AMOUNT = re.compile(r"bao nhieu\b|\bmay\s+(?:nam|thang|ngay|lan)\b")
_ABBREVIATIONS = {plain(k): plain(v) for k, v in ABBREVIATIONS.items()}
_MONEY_CUES = ("muc tien", "muc phi", "muc phu cap", "phat tien", "phat bao nhieu", "bao nhieu tien",
               "bao nhieu dong", "ty dong", "trieu dong", "muc luong", "tien luong", "le phi", "hoc phi",
               "tro cap")
_DONG = r"\d[\d.,]*\s*(?:ty |trieu )?dong\b"
_MONEY = re.compile(_DONG)
# "tổng kinh phí … bao nhiêu tỷ đồng" asks a total, which a rate ("tối đa 2 tỷ đồng/doanh nghiệp", "50 triệu
# đồng mỗi năm") does not give.
_TOTAL_CUES = re.compile(r"\btong\s+(?:kinh phi|von|muc|so tien|ngan sach|chi)\b")
_TOTAL_MONEY = re.compile(_DONG + r"(?!\s*/|\s+(?:cho\s+)?(?:moi|mot)\s)")
_CONTACT = {"so dien thoai": re.compile(r"\d[\d .]{7,}\d"), "email": re.compile(r"@"),
            "dia chi thu dien tu": re.compile(r"@")}
_DURATION = re.compile(r"\d+\s*(?:nam|thang|ngay|gio)\b")
# "bao lâu một lần", "tần suất": how often, which a text says as "hằng năm", "định kỳ 6 tháng", "01 lần/năm".
# Matched with diacritics: stripped, "đổi mới năm 2025" and "ngân hàng năm" would read as "mỗi năm", "hằng năm".
_FREQUENCY_CUES = re.compile(r"bao lau (?:mot|1) lan|\btan suat\b")
_FREQUENCY = re.compile(r"(?<!ngân )\b(?:hằng|hàng|mỗi|định kỳ)\s+(?:\d+\s+)?(?:năm|tháng|quý|tuần|ngày)\b"
                        r"|\blần\s*/\s*\d*\s*(?:năm|tháng|quý|tuần)\b|\b(?:năm|tháng|quý|tuần) (?:một|1) lần\b|\bthường niên\b")
_DATE_CUES = ("ngay nao", "ngay ky", "ngay ban hanh", "hieu luc thi hanh tu", "hieu luc tu", "hieu luc ke tu")
_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}|ngay\s+\d{1,2}\s+thang\s+\d{1,2}|\d{1,2}\s+thang\s+\d{1,2}\s+nam")
_DOC_NUMBER_CUES = ("so hieu", "van ban so", "so bao nhieu")
_DOC_NUMBER = re.compile(r"\d+/\d*[a-z]")
# "những tỉnh nào", "gồm những thành phố nào": places by name, not only how many (matched with case).
_PLACE_CUES = re.compile(r"\b(?:tinh|thanh pho|dia phuong|xa|phuong)\s+nao\b")
_PLACE_NAME = re.compile(r"\b(?:tỉnh|thành phố|TP\.?)\s+(?!Trung|Trực)[A-ZĐÀ-Ỹ]|Hà Nội|Hồ Chí Minh|Đà Nẵng")
# "cần những giấy tờ gì", "hồ sơ xin cấp … gồm những gì": the papers of an application, which a text
# lists as such (not "hồ sơ điện tử gồm …", a kind of record the laws define; not "giảm tối đa giấy tờ";
# not "bản sao số", a digital twin).
_PAPERS_CUES = re.compile(r"\bgiay to\s+(?:gi|nao)\b|\bnhung giay to\b|\bthanh phan ho so\b"
                          r"|\bho so\s+(?:xin|de nghi|dang ky|cap|thu tuc)\b.*\bgom\b")
_PAPERS = re.compile(r"\bgiay to\s+(?:gom|sau|kem theo|can co)\b|\bthanh phan ho so\b"
                     r"|\bho so\s+(?!dien tu\b)(?:\w+\s+){0,4}gom\b|\bban sao\b(?!\s+so\b)|\bto khai\b|\bdon de nghi\b")


def expected_value(question: str) -> Callable[[str], bool] | None:
    """A test of whether a text holds the kind of value ``question`` asks for; None when it asks
    for no particular kind (a description, a list, a task)."""
    text = plain(question)
    if _PLACE_CUES.search(text):
        return lambda t: bool(_PLACE_NAME.search(t))
    if _PAPERS_CUES.search(text):
        return _matcher(_PAPERS)
    for cue, pattern in _CONTACT.items():
        if cue in text:
            return _matcher(pattern)
    if any(cue in text for cue in _MONEY_CUES):
        return _matcher(_TOTAL_MONEY if _TOTAL_CUES.search(text) else _MONEY)
    if any(cue in text for cue in _DOC_NUMBER_CUES):
        return _matcher(_DOC_NUMBER)
    if any(cue in text for cue in _DATE_CUES):
        return _matcher(_DATE)
    if _FREQUENCY_CUES.search(text):
        return lambda t: bool(_FREQUENCY.search(" ".join(t.casefold().split())))
    if "bao lau" in text:
        return _matcher(_DURATION)
    if m := _AMOUNT_UNIT.search(text):
        unit = m.group(1)
        if unit in ("phan tram", "%"):
            return _matcher(re.compile(r"\d\s*%|\d\s*phan tram"))
        return _matcher(re.compile(r"\d[\d.,]*\s*(?:%s)\b" % re.escape(unit)))
    if m := _COUNTED.search(text):  # "bao nhiêu doanh nghiệp": a figure counting them ("81.400 doanh nghiệp")
        noun = _ABBREVIATIONS.get(m.group(1), m.group(1)).split()[0]
        # a figure ends in a digit ("8. Doanh nghiệp …" is an item number), and counts them, not a rate of them
        # ("0,8 doanh nghiệp/1.000 dân" says how dense, not how many)
        return _matcher(re.compile(r"\d(?:[\d.,]*\d)?\s*%%?\s+(?:\S+\s+){0,2}%s\b(?!(?:\s+\w+){0,2}\s*/)" % re.escape(noun)))
    if _AMOUNT.search(text):  # "là bao nhiêu?", "top bao nhiêu": some figure
        return _matcher(re.compile(r"\d"))
    return None


def _matcher(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    return lambda t: bool(pattern.search(plain(t)))
