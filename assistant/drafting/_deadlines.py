"""Deadlines as written in task tables ("Tháng 6/2025.", "Quý I/2025", "2026 - 2030", "Thường xuyên")
and their normalised form, so that they can be compared with a plan's period."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.drafting._text import fold

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_DATE = re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})")
_MONTH = re.compile(r"thang\s*(\d{1,2})\s*(?:/|nam)\s*(\d{4})")
_QUARTER = re.compile(r"quy\s*(iv|iii|ii|i|[1-4])\s*(?:/|nam)\s*(\d{4})")
_RANGE = re.compile(r"((?:19|20)\d\d)\s*[-–—]\s*((?:19|20)\d\d)")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_RECURRING = (("thuong xuyen", "Thường xuyên"), ("hang nam", "Hằng năm"), ("thuong nien", "Hằng năm"),
              ("dinh ky", "Định kỳ"))


@dataclass(frozen=True)
class Deadline:
    """A deadline: the text as written and what it means.

    ``kind`` is "year", "quarter", "month", "date", "range", "recurring", "none" (nothing written) or
    "unknown" (text that names no time). ``label`` is the normalised Vietnamese form ("Tháng 6/2025",
    "Quý I/2025", "2026-2030", "Thường xuyên"); ``end`` is the last (year, month) it allows.
    """

    raw: str
    kind: str
    label: str
    year: int | None = None
    quarter: int | None = None
    month: int | None = None
    day: int | None = None
    end_year: int | None = None

    @property
    def end(self) -> tuple[int, int] | None:
        """The last month the deadline allows, or None for recurring, empty and unknown deadlines."""
        if self.kind == "range":
            return self.end_year, 12
        if self.kind == "year":
            return self.year, 12
        if self.kind == "quarter":
            return self.year, self.quarter * 3
        if self.kind in ("month", "date"):
            return self.year, self.month
        return None

    def later_than(self, limit: tuple[int, int]) -> bool:
        """Whether the deadline ends after ``limit`` (year, month); recurring and empty never do."""
        return self.end is not None and self.end > limit


def parse_deadline(raw: str) -> Deadline:
    """Normalise a deadline cell or field.

    >>> parse_deadline("Tháng 06/2025.").label
    'Tháng 6/2025'
    >>> parse_deadline("Ban hành cơ chế 2026; triển khai 2026-2030").label
    '2026-2030'
    """
    text = " ".join(raw.split()).strip(" .;,")
    if not text:
        return Deadline(raw, "none", "")
    folded = fold(text)
    for key, label in _RECURRING:
        if key in folded:
            return Deadline(raw, "recurring", label)
    if m := _DATE.search(folded):
        day, month, year = (int(g) for g in m.groups())
        return Deadline(raw, "date", f"{day:02d}/{month:02d}/{year}", year=year, month=month, day=day)
    if m := _MONTH.search(folded):
        month, year = int(m.group(1)), int(m.group(2))
        return Deadline(raw, "month", f"Tháng {month}/{year}", year=year, month=month)
    if m := _QUARTER.search(folded):
        quarter = _ROMAN.get(m.group(1)) or int(m.group(1))
        return Deadline(raw, "quarter", f"Quý {'I' * quarter if quarter < 4 else 'IV'}/{m.group(2)}",
                        year=int(m.group(2)), quarter=quarter)
    years = sorted({int(y) for pair in _RANGE.findall(folded) for y in pair} | {int(y) for y in _YEAR.findall(folded)})
    if len(years) > 1:
        return Deadline(raw, "range", f"{years[0]}-{years[-1]}", year=years[0], end_year=years[-1])
    if years:
        return Deadline(raw, "year", str(years[0]), year=years[0])
    return Deadline(raw, "unknown", text)


def period_end(period: str) -> tuple[int, int]:
    """The last month of a plan period: "2025" -> (2025, 12); "2026-2030" -> (2030, 12)."""
    return int(period.split("-")[-1]), 12
