"""Which articles of the corpus's texts another corpus text repeals, amends or replaces.

A law's closing provisions say so in set phrases: "4. Bãi bỏ Điều 58 và Điều 59 của Luật Công nghệ thông tin
số 67/2006/QH11 …", "Sửa đổi, bổ sung khoản 3 Điều 19 của Luật …", "Thay thế cụm từ … tại khoản 3 Điều 19 của
Luật …". An answer quoting Điều 58 of that law must show the clause that repealed it: the quote alone reads as
law in force. The index maps (target document, article number) to the units that say so; a target is
recognised by its number ("67/2006/QH11") or, for a law, by its name.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from assistant.engine._lexicon import _reference
from assistant.engine._units import DocUnits, Unit
from assistant.engine.read import folded

# A provision that makes the change: it opens with the action (after its number: "4. Bãi bỏ …"), then says
# what it acts on and in which text ("… của Luật Công nghệ thông tin số 67/2006/QH11"). A plan's task to
# draft an amendment ("Xây dựng Nghị định sửa đổi, bổ sung Điều 5 …") changes nothing yet.
_CHANGE = re.compile(r"\s*(?:\d+\.|[a-zđ]\))?\s*(?:bãi bỏ|sửa đổi, bổ sung|sửa đổi|bổ sung|thay thế)\b"
                     r"(?P<what>.{1,300}?)\s+của\s+"
                     r"(?P<target>(?:bộ luật|luật|nghị định|thông tư|quyết định|nghị quyết)\b[^.;:]{1,200})",
                     re.IGNORECASE)
_ARTICLE = re.compile(r"\bĐiều\s+(\d{1,3})\b")
_NUMBER = re.compile(r"\b\d+/\d{4}/[A-ZĐ][\w-]*")


def _targets(target: str, docs: Iterable[DocUnits]) -> list[str]:
    """The documents ``target`` ("Luật Công nghệ thông tin số 67/2006/QH11 đã được …") names."""
    numbers = {_reference(n) for n in _NUMBER.findall(target)}  # compared loosely, as the lexicon does
    named = folded(target)
    found = []
    for doc in docs:
        meta = doc.doc.meta
        if (meta.number and _reference(meta.number) in numbers
                or not numbers and meta.kind == "law" and named.startswith(folded(meta.title))):
            found.append(meta.id)
    return found


def amendments(docs: dict[str, DocUnits]) -> dict[tuple[str, int], tuple[Unit, ...]]:
    """(doc id, article number) -> the units of other documents that repeal, amend or replace that article."""
    index: dict[tuple[str, int], list[Unit]] = defaultdict(list)
    for doc in docs.values():
        for unit in doc.units:
            if m := _CHANGE.match(unit.text):
                articles = {int(a) for a in _ARTICLE.findall(m.group("what"))}
                for target in _targets(m.group("target"), docs.values()) if articles else ():
                    if target == doc.doc.meta.id:
                        continue
                    for article in articles:
                        if unit not in index[(target, article)]:
                            index[(target, article)].append(unit)
    return {key: tuple(units) for key, units in index.items()}


def article_of(doc: DocUnits, unit: Unit) -> int | None:
    """The number of the article (Điều) ``unit`` lies in; None outside any."""
    for clause in doc.ancestors(unit.clause_id):
        if clause.kind == "article" and clause.number.isdigit():
            return int(clause.number)
    return None
