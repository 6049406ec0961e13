"""Which guidance applies to a plan of a given level and period: corpus metadata, not code.

``corpus/frameworks.json`` (next to manifest.json) names, for each level and period, the documents
and clauses every plan section is drafted from, the upper-level task records, the guidance whose
entries become task rows, the sections a plan must have and the task groups. Next year's guidance is
a manifest row and a frameworks entry; no code changes.

>>> frameworks = Frameworks.load(Path("corpus"))                                    # doctest: +SKIP
>>> frameworks.get("tinh", "2026-2030").records                                     # doctest: +SKIP
['danh-muc-nhiem-vu-2026-2030']
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.drafting.models import SECTIONS, Period

FRAMEWORKS_NAME = "frameworks.json"
Role = Literal["chủ trì", "phối hợp"]


class FrameworkError(ValueError):
    """frameworks.json is missing or invalid; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClauseRef(_Strict):
    doc: str = Field(min_length=1)
    clause: str = Field(min_length=1)


class Part(ClauseRef):
    """A clause a section is drafted from: the first part of a section gives its heading (``number``);
    a part with a ``label`` is material of another document, shown under that label."""

    number: str | None = None
    label: str | None = None


class TaskRoot(ClauseRef):
    """Guidance whose entries become task rows: the plan's body leads them, or (``phối hợp``) takes part
    in what ``upstream`` leads."""

    role: Role = "chủ trì"
    upstream: str | None = None

    @model_validator(mode="after")
    def _partner_names_its_lead(self) -> TaskRoot:
        if self.role == "phối hợp" and not self.upstream:
            raise ValueError("a 'phối hợp' task root needs 'upstream', the body that leads those tasks")
        return self


class Required(ClauseRef):
    """A section a plan must have: its title, the words a draft's heading starts with, and the clause
    of the framework that requires it."""

    title: str = Field(min_length=1)
    heading: str = Field(min_length=1)


class Framework(_Strict):
    levels: list[Literal["xa", "tinh", "bo"]] = Field(min_length=1)
    period: Period
    name: str = Field(min_length=1)
    records: list[str] = []
    tasks: list[TaskRoot] = []
    sections: dict[Literal["can-cu", "muc-tieu", "nhiem-vu", "kinh-phi", "to-chuc", "danh-muc"],
                   Annotated[list[Part], Field(min_length=1)]]
    required: list[Required] = Field(min_length=1)
    groups: ClauseRef
    targets: ClauseRef | None = None

    @model_validator(mode="after")
    def _every_section(self) -> Framework:
        missing = [key for key in SECTIONS if key not in self.sections]
        if missing:
            raise ValueError(f"sections lacks {', '.join(missing)}")
        return self

    @property
    def start_year(self) -> int:
        return int(self.period.split("-")[0])

    @property
    def end(self) -> tuple[int, int]:
        """The last month of the plan: "2025" -> (2025, 12), "2026-2030" -> (2030, 12)."""
        return int(self.period.split("-")[-1]), 12


class _File(_Strict):
    comment: str | None = Field(default=None, alias="_comment")
    frameworks: list[Framework] = Field(min_length=1)


class Frameworks:
    """The frameworks of a corpus, one per (level, period). Build with ``load(corpus_dir)``."""

    def __init__(self, entries: list[Framework], path: Path):
        self.path = path
        self._by_key: dict[tuple[str, str], Framework] = {}
        for entry in entries:
            for level in entry.levels:
                if (level, entry.period) in self._by_key:
                    raise FrameworkError(f"{path}: level {level!r} and period {entry.period!r} appear twice; "
                                         "keep one entry per level and period.")
                self._by_key[level, entry.period] = entry

    @classmethod
    def load(cls, corpus_dir: Path) -> Frameworks:
        """Read and validate ``corpus_dir/frameworks.json``.

        :raises FrameworkError: the file is missing, is not JSON, or a field is missing or invalid
            (the message names the file and the field, e.g. ``frameworks[2].sections.can-cu``).
        """
        path = corpus_dir / FRAMEWORKS_NAME
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FrameworkError(f"{path}: file not found. Drafting needs it to know which guidance applies to "
                                 "which level and period; restore it from the source tree.") from None
        except json.JSONDecodeError as exc:
            raise FrameworkError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
        try:
            parsed = _File.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(f"{_field(e['loc'])}: {e['msg']}" for e in exc.errors())
            raise FrameworkError(f"{path}: invalid field {problems}.") from None
        return cls(parsed.frameworks, path)

    def get(self, level: str, period: str) -> Framework:
        """:raises KeyError: no framework for that level and period."""
        return self._by_key[level, period]

    def periods(self) -> list[str]:
        return sorted({period for _, period in self._by_key})

    def other_periods(self, level: str, period: str) -> list[Framework]:
        """The frameworks of ``level`` for the other periods, in period order."""
        return [self._by_key[level, p] for p in self.periods() if p != period and (level, p) in self._by_key]


def _field(loc: tuple) -> str:
    return re.sub(r"\.(\d+)", r"[\1]", ".".join(str(part) for part in loc))


def local_body(level: str, agency: str | None = None) -> str:
    """The body that leads a task at ``level``, with the name the drafter fills in."""
    if level == "xa":
        return "UBND xã [Tên xã]"
    if level == "tinh":
        return "UBND tỉnh [Tên tỉnh]"
    return agency or "[Tên bộ, ngành]"
