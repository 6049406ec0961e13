"""Clause tree of a free-text guidance document (000, 001, 003, 004).

Each line of the normalised text is a heading, a list entry or a plain paragraph. Headings and entries
become nodes placed by their numbering:

* a dotted number goes under the number it extends ("2.1" under "2."), or beside its predecessor
  ("2.4" after "2.3", closing 2.3's subtree);
* any other numbering goes beside the open node of the same scheme it follows in sequence
  ("b)" after "a)", "3." after "2."), or, when it starts a list ("1.", "a)", "(1)"), under the
  innermost open heading (or under a list entry that introduces it with ":");
* a bullet goes beside the open bullet with the same symbol, else under the innermost open node, so
  "+" entries nest under the "-" entry before them and "\\*" sub-headings group the bullets after them.

A plain paragraph belongs to the innermost open heading, or to the list entry before it when that
entry introduces it (ends with ":" or is a bare title) or when the paragraph merely continues it (a
lower-case start or a footnote). Text before the first heading is a "Phần mở đầu" paragraph node; the
recipients and signature block ("Nơi nhận:", "KT. BỘ TRƯỞNG") a "Phần kết" one, and an appendix
heading ("PHỤ LỤC II") opens a top-level section of its own, even after the signature. Nesting is
bounded (_MAX_DEPTH) and every walk over the tree is iterative. Inline "(1) … (2) …" lists become item
nodes inside the line that holds them, and 004's task blocks become task nodes with task records.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise

from ingest import _guidance_markers as mk
from ingest._guidance_tasks import field_name, task_records
from ingest.model import Clause, ParsedDocument

# Numbering that restarts under each of many appendices nests one level deeper each time it is read
# as a sub-list; real outlines stay far shallower than this.
_MAX_DEPTH = 12
_KINDS = {
    "roman": "section",
    "arabic": "section",
    "part": "section",
    "appendix": "section",
    "numparen": "item",
    "star": "section",
    "letter": "item",
    "paren": "item",
    "table": "area",  # a .docx/HTML table: its title line, over its rows
    "row": "table_row",
}


@dataclass(eq=False)
class Node:
    """A clause under construction; ``end`` grows as lines and children are attached."""

    kind: str
    marker: mk.Marker | None
    start: int
    heading_end: int
    title: str
    line: str  # its own first line, as written
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    end: int = 0
    id: str = ""
    label: str = ""
    path: tuple[str, ...] | None = None  # "Mục" numbering path of a section: ("II", "2.1")
    base: str = ""  # label of the context a Mục path hangs from ("" at the top)

    def __post_init__(self) -> None:
        self.end = self.heading_end

    def add(self, child: Node) -> Node:
        child.parent = self
        self.children.append(child)
        return child

    @property
    def number(self) -> str:
        return self.marker.token if self.marker else ""

    def opens_body(self, loose: bool) -> bool:
        return self.marker is None or not self.marker.is_list or mk.opens_body(self.line, loose)


def parse_outline(text: str, doc_id: str) -> ParsedDocument:
    """Parse a guidance document laid out as headings, lists and paragraphs."""
    root = Node("root", None, 0, 0, "", "")
    stack = [root]
    for start, end in _lines(text):
        line = text[start:end]
        marker = mk.classify(line)
        table = next((i for i, node in enumerate(stack) if node.kind == "area"), None)
        if table is not None and (marker is None or marker.scheme != "row"):
            del stack[table:]  # a table ends at the first line that is not one of its rows
        elif table is None and marker is not None and marker.scheme == "row":
            marker = None  # "Dòng 3 — …" outside a table is a plain paragraph
        if marker is None:
            _paragraph(stack, line, start, end)
            continue
        if not marker.is_list and stack[1:2] and stack[1].id == "preamble":
            del stack[1:]  # the first heading closes the opening part
        parent = 0 if marker.scheme == "appendix" else min(_place(stack, marker), _MAX_DEPTH - 1)
        body = line[marker.body :]
        title = mk.snippet(body) if marker.is_list else mk.heading_title(body)
        node = stack[parent].add(Node(_KINDS.get(marker.scheme, "bullet"), marker, start, end, title, line))
        del stack[parent + 1 :]
        stack.append(node)
        _add_inline_items(node, line, start, marker.body)
    _finish_ends(root)
    tasks = _mark_tasks(root)
    _name(root)
    return ParsedDocument(clauses=tuple(_clauses(root)), tasks=task_records(doc_id, tasks))


def _lines(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text) if m.group().strip()]


def _place(stack: list[Node], marker: mk.Marker) -> int:
    """Index in ``stack`` of the node the new marker goes under."""
    if marker.scheme == "row":
        return next(i for i, node in enumerate(stack) if node.kind == "area")
    if marker.scheme == "table":
        return _container(stack)
    same = [i for i, node in enumerate(stack) if node.marker and node.marker.scheme == marker.scheme]
    if marker.scheme in mk.BULLETS or marker.scheme == "star":
        if same:
            return same[-1] - 1
        return len(stack) - 1 if marker.is_list else _container(stack)
    value = marker.value
    for i in reversed(same):
        other = stack[i].marker.value
        if len(value) > 1 and other == value[:-1]:
            return i
    for i in reversed(same):
        other = stack[i].marker.value
        if len(other) == len(value) and other[:-1] == value[:-1] and other[-1] == value[-1] - 1:
            return i - 1
    if marker.is_first:
        return _container(stack)
    siblings = [i for i in same if len(stack[i].marker.value) == len(value)]
    return siblings[-1] - 1 if siblings else _container(stack)


def _container(stack: list[Node]) -> int:
    """Innermost open node that can hold a new list or heading."""
    return next(i for i in reversed(range(len(stack))) if stack[i].opens_body(loose=False))


def _paragraph(stack: list[Node], line: str, start: int, end: int) -> None:
    if mk.is_closing(line) and not (stack[1:2] and stack[1].id == "closing"):
        del stack[1:]
        stack.append(stack[0].add(_part("closing", line, start, end)))
        return
    if len(stack) == 1:
        stack.append(stack[0].add(_part("preamble", line, start, end)))
        return
    top = stack[-1]
    if top.id == "preamble" and top.end == top.heading_end and mk.is_heading_text(top.line):
        if mk.is_heading_text(line):  # 000's title runs over two bold lines
            top.title = mk.shorten(f"{top.title} {mk.clean(line)}", mk.TITLE_CHARS)
    if top.number.startswith("Phụ lục") and not top.title and top.end == top.heading_end:
        top.title = mk.heading_title(line)  # "PHỤ LỤC II" over its title line
    owner = top if _continues_entry(line) else next(n for n in reversed(stack) if n.opens_body(loose=True))
    owner.end = max(owner.end, end)
    if _add_inline_items(owner, line, start, 0):
        del stack[stack.index(owner) + 1 :]  # entries before it may no longer grow over its items


def _part(part_id: str, line: str, start: int, end: int) -> Node:
    """The opening part ("preamble") or the recipients and signature ("closing")."""
    title = mk.clean(line) if mk.is_heading_text(line) else mk.snippet(line)
    return Node("paragraph", None, start, end, title, line, id=part_id)


def _continues_entry(line: str) -> bool:
    """A line that only carries on the one before: a lower-case start or a footnote."""
    if line[0] in "¹²³⁴⁵⁶⁷⁸⁹⁰":
        return True
    first = next((c for c in line if c.isalnum()), "")
    return first.islower()


def _add_inline_items(owner: Node, line: str, start: int, body: int) -> bool:
    """Item nodes under ``owner`` for an inline "(1) … (2) …" list in ``line``; whether there was one."""
    if owner.marker and owner.marker.scheme in ("paren", "row"):  # a table row stays one atomic clause
        return False
    members = mk.inline_enumeration(line[body:])
    bounds = [body + pos for _, pos in members] + [len(line)]
    for (token, _), (a, b) in zip(members, pairwise(bounds), strict=True):
        piece = line[a:b].rstrip()
        marker = mk.Marker("paren", token, (), a + len(token))
        owner.add(Node("item", marker, start + a, start + a + len(piece), mk.snippet(piece[len(token) :]), piece))
    return bool(members)


def _finish_ends(root: Node) -> None:
    for node in reversed([root, *_walk(root)]):  # children before their parents
        for child in node.children:
            node.end = max(node.end, child.end)


def _mark_tasks(root: Node) -> list[Node]:
    """004's task blocks: a "-" entry whose "+" entries name result, lead, partners and deadline."""
    tasks = []
    for node in _walk(root):
        if node.number == "-" and any(field_name(c) for c in node.children):
            node.kind = "task"
            tasks.append(node)
    return tasks


def _name(root: Node) -> None:
    """Give every node an id derived from its numbering and a Vietnamese citation label."""
    for parent in [root, *_walk(root)]:
        symbols: Counter[str] = Counter()  # bullets and "\*" headings, numbered per symbol for ids
        ordinals: Counter[str] = Counter()  # "ý n" among entries, "nhiệm vụ n" among tasks
        ids: Counter[str] = Counter()
        labels: Counter[str] = Counter()
        for child in parent.children:
            ordinals[child.kind] += 1
            component = _id_component(child, symbols)
            ids[component] += 1
            if ids[component] > 1:  # the source repeats a number among siblings (001's second "3.")
                component += f"~{ids[component]}"
            child.id = f"{parent.id}/{component}" if parent.id else component
            label = _label(parent, child, ordinals[child.kind])
            labels[label] += 1
            child.label = label if labels[label] == 1 else f"{label} (lần {labels[label]})"


def _id_component(child: Node, symbols: Counter[str]) -> str:
    if child.marker is None:
        return child.id  # "preamble", "closing"
    scheme = child.marker.scheme
    if scheme in mk.BULLETS or scheme == "star":
        symbols[scheme] += 1
        return f"{child.number}{symbols[scheme]}"
    if scheme == "part":
        return "part-" + child.number.split()[-1]
    if scheme in ("table", "row"):
        return f"{scheme}-{child.number}"
    if scheme == "appendix":
        return "appendix-" + (child.number.split()[-1] if " " in child.number else "0")
    return child.number


def _label(parent: Node, child: Node, ordinal: int) -> str:
    scheme = child.marker.scheme if child.marker else None
    if scheme is None:
        return "Phần mở đầu" if child.id == "preamble" else "Phần kết"
    if scheme in ("roman", "arabic"):
        return _section_label(parent, child)
    if scheme in ("table", "row"):  # "Phụ lục I, bảng 2, dòng 3"
        return _join(parent.label, f"{'bảng' if scheme == 'table' else 'dòng'} {child.number}")
    if child.kind == "task":
        return f"{parent.label} ({parent.title}), nhiệm vụ {ordinal}"
    if parent.kind == "task" and (name := field_name(child)):
        return f"{parent.label}, {name}"
    if scheme == "star":
        return _join(parent.label, mk.shorten(child.title, 60))
    if child.kind == "bullet":
        return f"{parent.label}.{ordinal}" if parent.kind == "bullet" else _join(parent.label, f"ý {ordinal}")
    if scheme == "letter":
        return _join(parent.label, f"điểm {child.number}")
    return _join(parent.label, child.number)  # "(1)", "Phần I"


def _section_label(parent: Node, child: Node) -> str:
    """Label "Mục II.2.1": a numbered section continues its parent section's path; "2.1" replaces "2"."""
    token = child.number
    if parent.path is None:
        child.base, child.path = parent.label, (token,)
    else:
        path = parent.path
        if "." in token and path[-1] == token.rsplit(".", 1)[0]:
            path = path[:-1]
        child.base, child.path = parent.base, (*path, token)
    return _join(child.base, "mục " + ".".join(child.path))


def _join(base: str, part: str) -> str:
    return f"{base}, {part}" if base else part[0].upper() + part[1:]


def _walk(root: Node) -> Iterator[Node]:
    """Every node under ``root`` in document order (iterative: outline depth comes from the data)."""
    pending = list(reversed(root.children))
    while pending:
        node = pending.pop()
        yield node
        pending.extend(reversed(node.children))


def _clauses(root: Node) -> Iterator[Clause]:
    depths = {id(root): -1}
    for node in _walk(root):
        depth = depths[id(node)] = depths[id(node.parent)] + 1
        parent_id = node.parent.id if node.parent is not root else None
        yield Clause(node.id, node.kind, node.number, node.title, node.label, node.start, node.end,
                     node.heading_end, parent_id, depth)
