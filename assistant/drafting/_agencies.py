"""Agency names: a registry of the bodies the guidance names, their abbreviations and their 2025 history,
and the splitting of "Cơ quan chủ trì / phối hợp" fields into one reference per agency.

A field such as "Bộ Tư pháp, Bô Công an, Bộ KH&CN" or "Ban Tuyên giáo Trung ương; các bộ, ngành, địa
phương; VTV, VOV, TTXVN." becomes one ``AgencyRef`` per body, each keeping the text as written (a span
of the document) and the name it has today. Collective names ("Các bộ, ngành, địa phương") are kept
whole and say which plan levels they address, which is how task rows are chosen for a level. In
national documents "địa phương" is a province (the level below the centre); only a name that says
"cấp xã" addresses communes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.drafting._text import fold

# Where a 2025 merger is stated outside the corpus (the corpus states only the first one, in 000).
REORGANISATION_2025 = "cơ cấu tổ chức của Chính phủ từ ngày 01/3/2025 (nguồn ngoài kho tài liệu, cần đối chiếu)"


@dataclass(frozen=True)
class AgencyEntry:
    """One body of the registry.

    ``patterns`` are regular expressions over folded text (lower case, no diacritics) for every way the
    documents write the name. ``levels`` are the plan levels a collective name addresses ("bộ",
    "tỉnh", "xã"); a single body has none. ``successor`` is its current name when it was merged or
    renamed, ``evidence`` a phrase of the corpus that says so (cited when found) and ``since`` the
    date of the change.
    """

    name: str
    patterns: tuple[str, ...]
    kind: str  # "ministry", "central", "collective", "locality", "enterprise", "other"
    levels: frozenset[str] = frozenset()
    successor: str | None = None
    since: str | None = None
    evidence: str | None = None

    @property
    def current(self) -> str:
        return self.successor or self.name


def _e(name: str, *patterns: str, kind: str = "ministry", levels: str = "", **history: str) -> AgencyEntry:
    return AgencyEntry(name, patterns, kind, frozenset(levels.split()), **history)


_KHCN = "Bộ Khoa học và Công nghệ"
REGISTRY: tuple[AgencyEntry, ...] = (
    _e(_KHCN, r"bo khoa hoc (?:va )?cong nghe", r"bo kh ?& ?cn", r"bo khcn", r"bkhcn"),
    _e("Bộ Thông tin và Truyền thông", r"bo thong tin (?:va )?truyen thong", r"bo tt ?& ?tt", r"bo tttt", r"btttt",
       successor=_KHCN, since="2025-03-01", evidence="Bộ Thông tin và Truyền thông (nay là Bộ Khoa học và công nghệ)"),
    _e("Bộ Công an", r"bo cong an"),
    _e("Bộ Quốc phòng", r"bo quoc phong"),
    _e("Bộ Tư pháp", r"bo tu phap"),
    _e("Bộ Ngoại giao", r"bo ngoai giao"),
    _e("Bộ Nội vụ", r"bo noi vu"),
    _e("Bộ Y tế", r"bo y te"),
    _e("Bộ Giáo dục và Đào tạo", r"bo giao duc (?:va )?dao tao", r"bo gd ?& ?dt", r"bo gddt"),
    _e("Bộ Công Thương", r"bo cong thuong"),
    _e("Bộ Tài chính", r"bo tai chinh"),
    _e("Bộ Xây dựng", r"bo xay dung"),
    _e("Bộ Văn hóa, Thể thao và Du lịch", r"bo van hoa,? the thao (?:va )?du lich", r"bo vhttdl", r"bo vh ?, ?tt ?& ?dl"),
    _e("Bộ Nông nghiệp và Môi trường", r"bo nong nghiep (?:va )?moi truong", r"bo nn ?& ?mt"),
    _e("Bộ Kế hoạch và Đầu tư", r"bo ke hoach (?:va )?dau tu", r"bo kh ?& ?dt", r"bo khdt",
       successor="Bộ Tài chính", since="2025-03-01"),
    _e("Bộ Nông nghiệp và Phát triển nông thôn", r"bo nong nghiep (?:va )?phat trien nong thon", r"bo nn ?& ?ptnt",
       successor="Bộ Nông nghiệp và Môi trường", since="2025-03-01"),
    _e("Bộ Tài nguyên và Môi trường", r"bo tai nguyen (?:va )?moi truong", r"bo tn ?& ?mt",
       successor="Bộ Nông nghiệp và Môi trường", since="2025-03-01"),
    _e("Bộ Giao thông vận tải", r"bo giao thong (?:va )?van tai", r"bo gtvt", successor="Bộ Xây dựng", since="2025-03-01"),
    _e("Bộ Lao động - Thương binh và Xã hội", r"bo lao dong[ -]*thuong binh (?:va )?xa hoi", r"bo ldtbxh",
       r"bo ld ?- ?tb ?& ?xh", successor="Bộ Nội vụ", since="2025-03-01"),
    _e("Sở Thông tin và Truyền thông", r"so thong tin (?:va )?truyen thong", r"so tt ?& ?tt", r"so tttt",
       kind="locality", successor="Sở Khoa học và Công nghệ", since="2025-03-01"),
    _e("Sở Khoa học và Công nghệ", r"so khoa hoc (?:va )?cong nghe", r"so kh ?& ?cn", kind="locality"),
    _e("Văn phòng Chính phủ", r"van phong chinh phu", r"vpcp", kind="central"),
    _e("Ngân hàng Nhà nước Việt Nam", r"ngan hang nha nuoc(?: viet nam)?", r"nhnn", kind="central"),
    _e("Bảo hiểm Xã hội Việt Nam", r"bao hiem xa hoi viet nam", kind="central"),
    _e("Đài Truyền hình Việt Nam", r"dai truyen hinh viet nam", r"vtv", kind="central"),
    _e("Đài Tiếng nói Việt Nam", r"dai tieng noi viet nam", r"vov", kind="central"),
    _e("Thông tấn xã Việt Nam", r"thong tan xa viet nam", r"ttxvn", kind="central"),
    _e("Báo Nhân dân", r"bao nhan dan", kind="central"),
    _e("Ban Tuyên giáo Trung ương", r"ban tuyen giao trung uong", kind="central"),
    _e("Liên đoàn Thương mại và Công nghiệp Việt Nam", r"lien doan thuong mai (?:va )?cong nghiep viet nam",
       r"vcci", kind="central"),
    _e("Tập đoàn Điện lực Việt Nam", r"tap doan dien luc viet nam", r"evn", kind="enterprise"),
    _e("Quốc hội", r"quoc hoi", kind="central"),
    _e("Tòa án nhân dân tối cao", r"toa an nhan dan toi cao", kind="central"),
    _e("Viện Kiểm sát nhân dân tối cao", r"vien kiem sat nhan dan toi cao", kind="central"),
    _e("Các cơ quan Đảng", r"(?:cac )?co quan dang", kind="central"),
    _e("Các bộ, ngành là chủ quản CSDL quốc gia, CSDL chuyên ngành",
       r"(?:cac )?bo, nganh la chu quan csdl quoc gia, csdl chuyen nganh", kind="collective", levels="bộ"),
    _e("Các bộ, ngành, địa phương", r"(?:cac )?bo, nganh,? (?:va )?dia phuong", kind="collective",
       levels="bộ tỉnh"),
    _e("Các bộ, ngành liên quan", r"(?:cac )?bo, nganh (?:co )?lien quan", kind="collective", levels="bộ"),
    _e("Các bộ, ngành", r"(?:cac )?bo,? nganh", kind="collective", levels="bộ"),
    _e("Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương",
       r"(?:uy ban nhan dan|ubnd) (?:cac )?tinh,? thanh pho(?: truc thuoc trung uong)?", kind="collective",
       levels="tỉnh"),
    _e("Ủy ban nhân dân cấp tỉnh", r"(?:uy ban nhan dan|ubnd) (?:cap )?tinh", kind="collective", levels="tỉnh"),
    _e("Ủy ban nhân dân cấp xã", r"(?:uy ban nhan dan|ubnd) (?:cap )?xa", kind="collective", levels="xã"),
    _e("Các địa phương", r"(?:cac )?dia phuong", kind="collective", levels="tỉnh"),
)

# A named province or city: "Ủy ban nhân dân thành phố Đà Nẵng", "các địa phương Bắc Ninh, Bình Dương".
_NAMED_HEAD = re.compile(r"(?<!\w)(?:uy ban nhan dan|ubnd) (?:tinh|thanh pho) |(?<!\w)(?:cac )?dia phuong ")
_NAME = r"[A-ZĐÀ-Ỹ][^\s,;.]*(?: [A-ZĐÀ-Ỹ][^\s,;.]*)*"
_ONE_NAME = re.compile(_NAME)
_NAMES = re.compile(f"{_NAME}(?:(?:, | và ){_NAME})*")
_PATTERNS = tuple((entry, re.compile(p)) for entry in REGISTRY for p in entry.patterns)
_SEPARATORS = re.compile(r"[;,\n]|\(\d+\)|(?<!\w)và(?= các\b)")
_EDGE = " \t\n.,;:()"


@dataclass(frozen=True)
class AgencyRef:
    """One agency named in a field: the text as written (``text == doc_text[start:end]``) and its names.

    ``name`` is the registry's name for the body as written (the text itself when the registry does not
    know it), ``current`` the name it has today; ``entry`` is the registry entry, if any.
    """

    text: str
    start: int
    end: int
    name: str
    current: str
    kind: str
    levels: frozenset[str]
    entry: AgencyEntry | None

    @property
    def renamed(self) -> bool:
        return self.current != self.name

    @property
    def display(self) -> str:
        """The name as written, with today's name where it changed: "Bộ TT&TT (nay là Bộ Khoa học và Công nghệ)"."""
        return f"{self.text} (nay là {self.current})" if self.renamed else self.text


def lookup(query: str) -> AgencyEntry | None:
    """The registry entry whose pattern matches the whole of ``query`` (any spelling, with or without
    diacritics), or None."""
    folded = " ".join(fold(query).split()).strip(_EDGE)
    for entry in REGISTRY:
        if any(re.fullmatch(p, folded) for p in entry.patterns):
            return entry
    return None


def split_agencies(text: str, offset: int = 0) -> list[AgencyRef]:
    """Every agency a field names, in order.

    :param text: the field as written (e.g. ``TaskRecord.lead.text``).
    :param offset: where ``text`` starts in the document, so that spans point into the document.
    :returns: one reference per agency; collective names stay whole, unknown names are kept as written.
    """
    folded = fold(text)
    if len(folded) != len(text):  # never expected for NFC Vietnamese; offsets would be wrong
        raise ValueError(f"cannot fold {text!r} character by character")
    candidates: list[tuple[int, int, AgencyEntry | None]] = []
    for m in _NAMED_HEAD.finditer(folded):
        names = (_NAMES if "dia phuong" in m.group(0) else _ONE_NAME).match(text, m.end())
        if names:
            candidates.append((m.start(), names.end(), None))
    for entry, pattern in _PATTERNS:
        candidates.extend((m.start(), m.end(), entry) for m in pattern.finditer(folded)
                          if _bounded(folded, m.start(), m.end()))
    chosen: list[tuple[int, int, AgencyEntry | None]] = []
    for start, end, entry in sorted(candidates, key=lambda c: (c[0], c[0] - c[1], c[2] is not None)):
        if not chosen or start >= chosen[-1][1]:
            chosen.append((start, end, entry))
    refs: list[AgencyRef] = []
    cursor = 0
    for start, end, entry in [*chosen, (len(text), len(text), None)]:
        refs.extend(_unknown(text, cursor, start, offset))
        if end > start:
            written = text[start:end]
            if entry is None:
                refs.append(AgencyRef(written, offset + start, offset + end, written, written, "locality",
                                      frozenset(), None))
            else:
                refs.append(AgencyRef(written, offset + start, offset + end, entry.name, entry.current,
                                      entry.kind, entry.levels, entry))
        cursor = max(cursor, end)
    return refs


def _bounded(folded: str, start: int, end: int) -> bool:
    return not (start and folded[start - 1].isalnum()) and not (end < len(folded) and folded[end].isalnum())


def _unknown(text: str, start: int, end: int, offset: int) -> list[AgencyRef]:
    """Names the registry does not know, between two known ones: split at separators, kept as written."""
    refs = []
    bounds = [start, *(x for m in _SEPARATORS.finditer(text, start, end) for x in (m.start(), m.end())), end]
    for a, b in zip(bounds[::2], bounds[1::2]):
        while a < b and text[a] in _EDGE:
            a += 1
        while b > a and text[b - 1] in _EDGE:
            b -= 1
        if text[a:b].startswith("và "):
            a += 3
        if text[a:b] != "và" and any(c.isalpha() for c in text[a:b]):
            written = text[a:b]
            refs.append(AgencyRef(written, offset + a, offset + b, written, written, "other", frozenset(), None))
    return refs
