"""The legal-text parser on the real files in corpus/legal/ and the guidance files in corpus/."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from ingest.legal import looks_legal, parse_legal
from ingest.model import CLAUSE_KINDS, Clause, ParsedDocument

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
GDDT = "luat-20-2023-qh15-giao-dich-dien-tu"
ANM = "luat-24-2018-qh14-an-ninh-mang"
CNTT = "luat-67-2006-qh11-cong-nghe-thong-tin"
NQ57 = "nghi-quyet-57-nq-tw-2024-dot-pha-khcn-dmst-chuyen-doi-so"
LAWS = {GDDT: (8, 53), ANM: (7, 43), CNTT: (6, 79)}  # chapters, articles
FORMS = ("as_stored", "no_blank_lines")


def _read(path: Path, form: str) -> str:
    raw = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
    if form == "as_stored":
        return raw
    return "\n".join(line.strip() for line in raw.splitlines() if line.strip())


@pytest.fixture(scope="module", params=FORMS)
def parsed(request) -> dict[str, tuple[str, ParsedDocument]]:
    """Every legal file parsed, in the stored form and in the form normalise produces."""
    docs = {}
    for path in sorted((CORPUS / "legal").glob("*.txt")):
        text = _read(path, request.param)
        docs[path.stem] = text, parse_legal(text, path.stem)
    return docs


def _of_kind(doc: ParsedDocument, kind: str) -> list[Clause]:
    return [c for c in doc.clauses if c.kind == kind]


def _article(doc: ParsedDocument, number: int) -> Clause:
    return next(c for c in doc.clauses if c.kind == "article" and c.number == str(number))


def _children(doc: ParsedDocument, parent: Clause, kind: str) -> list[Clause]:
    return [c for c in doc.clauses if c.parent == parent.id and c.kind == kind]


def _khoan_points(doc: ParsedDocument, article_number: int) -> list[str]:
    """The khoản of an article as "number:letters", e.g. ["1:", "2:abcd", "3:"]."""
    article = _article(doc, article_number)
    return [
        f"{k.number}:" + "".join(p.number for p in _children(doc, k, "point"))
        for k in _children(doc, article, "clause")
    ]


def test_corpus_files_present():
    assert {p.stem for p in (CORPUS / "legal").glob("*.txt")} == {GDDT, ANM, CNTT, NQ57}
    assert len(list(CORPUS.glob("*.txt"))) >= 5  # the guidance documents looks_legal must refuse


@pytest.mark.parametrize("name", [GDDT, ANM, CNTT])
def test_every_article_and_chapter_found(parsed, name):
    text, doc = parsed[name]
    n_chapters, n_articles = LAWS[name]
    articles = _of_kind(doc, "article")
    assert [a.number for a in articles] == [str(n) for n in range(1, n_articles + 1)]
    assert [a.label for a in articles][:2] == ["Điều 1", "Điều 2"]
    chapters = _of_kind(doc, "chapter")
    assert len(chapters) == n_chapters
    assert all(c.title and c.title == c.title.upper() for c in chapters)
    assert chapters[0].title == "NHỮNG QUY ĐỊNH CHUNG"
    assert [c.label for c in chapters][:2] == ["Chương I", "Chương II"]
    assert text[chapters[0].start : chapters[0].heading_end].endswith("NHỮNG QUY ĐỊNH CHUNG")


@pytest.mark.parametrize(
    ("name", "number", "title"),
    [
        (GDDT, 1, "Phạm vi điều chỉnh"),
        (GDDT, 3, "Giải thích từ ngữ"),
        (GDDT, 52, "Hiệu lực thi hành"),
        (ANM, 2, "Giải thích từ ngữ"),
        (ANM, 43, "Hiệu lực thi hành"),
        (CNTT, 2, "Đối tượng áp dụng"),  # "Điều 2.Đối tượng áp dụng"
        (CNTT, 5, "Chính sách của Nhà nước về ứng dụng và phát triển công nghệ thông tin"),  # no full stop
        # "Điều 24:Nguyên tắc …", "Điều 25.Điều kiện …"
        (CNTT, 24, "Nguyên tắc ứng dụng công nghệ thông tin trong hoạt động của cơ quan nhà nước"),
        (CNTT, 25, "Điều kiện để triển khai ứng dụng công nghệ thông tin trong hoạt động của cơ quan nhà nước"),
        (CNTT, 79, "Hướng dẫn thi hành"),
    ],
)
def test_article_titles(parsed, name, number, title):
    assert _article(parsed[name][1], number).title == title


def test_legal_sections(parsed):
    gddt, cntt = parsed[GDDT][1], parsed[CNTT][1]
    assert [s.label for s in _of_kind(gddt, "legal_section")] == [
        "Mục 1 Chương II", "Mục 2 Chương II", "Mục 3 Chương II", "Mục 1 Chương III", "Mục 2 Chương III",
    ]
    assert _of_kind(gddt, "legal_section")[0].title == "GIÁ TRỊ PHÁP LÝ CỦA THÔNG ĐIỆP DỮ LIỆU"
    sections = _of_kind(cntt, "legal_section")  # "Mục 1: QUY ĐỊNH CHUNG …"
    assert len(sections) == 12
    assert sections[0].title == "QUY ĐỊNH CHUNG VỀ ỨNG DỤNG CÔNG NGHỆ THÔNG TIN"
    assert _article(cntt, 13).parent == sections[0].id == "C2/M1"


@pytest.mark.parametrize(
    ("name", "number", "expected"),
    [
        (GDDT, 1, ["1:", "2:", "3:"]),
        (GDDT, 2, []),
        (GDDT, 3, [f"{k}:" for k in range(1, 18)]),
        (GDDT, 12, ["1:abcd", "2:abcd", "3:", "4:"]),
        (GDDT, 22, ["1:abc", "2:abcd", "3:abcdđe", "4:"]),
        (GDDT, 51, ["1:", "2:", "3:", "4:"]),  # the "119 | …" and "7 | …" table rows are not khoản
        (ANM, 5, ["1:abcdđeghiklmn", "2:"]),
        (ANM, 7, ["1:", "2:abcdđeghi", "3:", "4:"]),
        (CNTT, 4, [f"{k}:" for k in range(1, 19)]),  # "1.Công nghệ", "2..Thông tin số", "4.. Cơ sở"
        (CNTT, 9, ["1:", "2:abcd", "3:ab", "4:abcdđeghi"]),
        # numerals without a full stop ("1 Cá nhân có quyền…")
        (CNTT, 22, ["1:", "2:", "3:"]),
        (CNTT, 26, [f"{k}:" for k in range(1, 9)]),
        (CNTT, 40, ["1:", "2:", "3:"]),
        (CNTT, 45, ["1:", "2:"]),
        (CNTT, 49, ["1:", "2:", "3:"]),
    ],
)
def test_khoan_and_diem(parsed, name, number, expected):
    assert _khoan_points(parsed[name][1], number) == expected


def test_totals(parsed):
    counts = {name: [len(_of_kind(doc, k)) for k in ("clause", "point")] for name, (_, doc) in parsed.items()}
    assert counts == {GDDT: [191, 95], ANM: [164, 175], CNTT: [261, 120], NQ57: [0, 0]}


def test_labels_and_spans(parsed):
    text, doc = parsed[GDDT]
    by_id = doc.by_id()
    point = by_id["C3/M1/D22/K3/đ"]
    assert (point.kind, point.number, point.label) == ("point", "đ", "điểm đ khoản 3 Điều 22")
    assert text[point.start : point.end].startswith("đ)")
    point = by_id["C2/M1/D12/K2/a"]
    assert point.label == "điểm a khoản 2 Điều 12"
    assert text[point.start : point.end].startswith("a) ")
    assert text[point.start : point.heading_end] == text[point.start : point.end]  # one-line điểm
    khoan = by_id["C1/D3/K2"]
    assert khoan.label == "khoản 2 Điều 3"
    assert khoan.title.startswith("Phương tiện điện tử là phần cứng") and len(khoan.title) <= 121
    assert khoan.title.endswith("…")
    article = _article(doc, 22)
    assert text[article.start : article.heading_end] == "Điều 22. Chữ ký điện tử"
    assert text[article.end :].lstrip().startswith("Điều 23.")

    text, doc = parsed[CNTT]
    khoan = doc.by_id()["C2/M1/D22/K1"]
    assert text[khoan.start : khoan.end].startswith("1 Cá nhân có quyền")
    assert khoan.title.startswith("Cá nhân có quyền")


def test_point_directly_in_article():
    text = "\n".join(
        ["Điều 1. Phạm vi", "Nội dung.", "Điều 2. Đối tượng", "Gồm:", "a) Cơ quan;", "b) Tổ chức.",
         "Điều 3. Hiệu lực", "1. Có hiệu lực."]
    )
    labels = [(c.id, c.label) for c in parse_legal(text, "mini").clauses]
    assert labels == [
        ("D1", "Điều 1"), ("D2", "Điều 2"), ("D2/a", "điểm a Điều 2"), ("D2/b", "điểm b Điều 2"),
        ("D3", "Điều 3"), ("D3/K1", "khoản 1 Điều 3"),
    ]


def test_parts_of_an_approving_article():
    """A decision approving a plan carries the plan's Roman parts inside Điều 1; each part numbers its khoản
    afresh, so without the part level "1. Mục tiêu tổng quát" would read as text of the previous khoản."""
    text = "\n".join([
        "Điều 1. Phê duyệt Đề án với những nội dung sau đây:",
        "I. QUAN ĐIỂM CHỈ ĐẠO", "1. Doanh nghiệp là trung tâm.", "2. Nhà nước kiến tạo.",
        "II. MỤC TIÊU", "1. Mục tiêu tổng quát", "Phát triển doanh nghiệp.", "2. Mục tiêu cụ thể",
        "a) Đến năm 2030", "b) Tầm nhìn đến năm 2045",
        "III. Nhiệm vụ này không phải là tiêu đề của phần",
        "Điều 2. Tổ chức thực hiện", "1. Bộ Khoa học và Công nghệ", "Điều 3. Hiệu lực", "1. Có hiệu lực.",
    ])
    clauses = parse_legal(text, "mini").clauses
    assert [(c.id, c.label, c.parent) for c in clauses] == [
        ("D1", "Điều 1", None),
        ("D1/I", "Mục I Điều 1", "D1"),
        ("D1/I/K1", "khoản 1 Mục I Điều 1", "D1/I"), ("D1/I/K2", "khoản 2 Mục I Điều 1", "D1/I"),
        ("D1/II", "Mục II Điều 1", "D1"),
        ("D1/II/K1", "khoản 1 Mục II Điều 1", "D1/II"), ("D1/II/K2", "khoản 2 Mục II Điều 1", "D1/II"),
        ("D1/II/K2/a", "điểm a khoản 2 Mục II Điều 1", "D1/II/K2"),
        ("D1/II/K2/b", "điểm b khoản 2 Mục II Điều 1", "D1/II/K2"),
        ("D2", "Điều 2", None), ("D2/K1", "khoản 1 Điều 2", "D2"),
        ("D3", "Điều 3", None), ("D3/K1", "khoản 1 Điều 3", "D3"),
    ]
    by_id = {c.id: c for c in clauses}
    assert by_id["D1/II"].title == "MỤC TIÊU" and by_id["D1/II"].kind == "section"
    # A sentence that happens to start with a numeral stays the text of the point before it.
    assert text[by_id["D1/II/K2/b"].start:by_id["D1/II/K2/b"].end].endswith("không phải là tiêu đề của phần")


def test_preamble_and_closing(parsed):
    for name in LAWS:
        text, doc = parsed[name]
        first, last = doc.clauses[0], doc.clauses[-1]
        assert (first.kind, first.label, first.id) == ("paragraph", "Phần mở đầu", "preamble")
        assert text[first.start : first.end].startswith("QUỐC HỘI")
        assert "Căn cứ" in text[first.start : first.end]
        assert (last.kind, last.label, last.id) == ("paragraph", "Phần kết", "closing")
        assert text[last.start : last.end].startswith("Luật này")
        assert text[last.start : last.end].splitlines()[-2] == "CHỦ TỊCH QUỐC HỘI"


def test_resolution_57(parsed):
    text, doc = parsed[NQ57]
    parts = [c for c in doc.clauses if c.depth == 0 and c.kind == "section"]
    assert [(p.id, p.label, p.title) for p in parts] == [
        ("I", "Mục I", "QUAN ĐIỂM CHỈ ĐẠO"),
        ("II", "Mục II", "MỤC TIÊU"),
        ("III", "Mục III", "NHIỆM VỤ, GIẢI PHÁP"),
        ("IV", "Mục IV", "TỔ CHỨC THỰC HIỆN"),
    ]
    items = {p.id: [c.number for c in _children(doc, p, "section")] for p in parts}
    assert items == {"I": list("12345"), "II": ["1", "2"], "III": list("1234567"), "IV": list("123456")}
    by_id = doc.by_id()
    assert by_id["III/2"].label == "Mục III.2"
    assert by_id["II/1"].title == "Đến năm 2030"
    bullet = by_id["II/1/-3"]
    assert (bullet.kind, bullet.number, bullet.label) == ("bullet", "-", "Mục II.1, ý 3")
    assert text[bullet.start : bullet.end].startswith("- Kinh phí chi cho nghiên cứu phát triển (R&D)")
    bullets = {i.id: len(_children(doc, i, "bullet")) for p in parts for i in _children(doc, p, "section")}
    assert {k: v for k, v in bullets.items() if v} == {
        "II/1": 5, "III/1": 2, "III/2": 4, "III/3": 6, "III/4": 3, "III/5": 3, "III/6": 4,
    }
    first, last = doc.clauses[0], doc.clauses[-1]
    assert (first.kind, first.label) == ("paragraph", "Phần mở đầu")
    opening = text[first.start : first.end]
    assert opening.startswith("Nghị quyết số 57-NQ/TW")
    assert opening.endswith("Bộ Chính trị yêu cầu quán triệt thực hiện tốt các nội dung sau:")
    assert (last.label, text[last.start : last.end]) == ("Phần kết", "Nghị quyết này phổ biến đến chi bộ.")


@pytest.mark.parametrize("form", FORMS)
def test_looks_legal(form):
    for path in sorted((CORPUS / "legal").glob("*.txt")):
        assert looks_legal(_read(path, form)), path.name
    for path in sorted(CORPUS.glob("*.txt")):
        text = _read(path, form)
        assert "Điều" in text or "Nghị quyết" in text, path.name  # they mention both, yet are guidance
        assert not looks_legal(text), path.name


def test_guidance_is_refused():
    path = next(CORPUS.glob("001_*.txt"))
    with pytest.raises(ValueError, match="cv-3816"):
        parse_legal(_read(path, "no_blank_lines"), "cv-3816")


def test_tree_invariants(parsed):
    for name, (text, doc) in parsed.items():
        assert doc.tasks == ()
        by_id = doc.by_id()
        assert len(by_id) == len(doc.clauses), f"{name}: duplicate ids"
        seen: set[str] = set()
        last_end: dict[str | None, int] = {}
        for c in doc.clauses:
            assert c.kind in CLAUSE_KINDS
            assert c.start <= c.heading_end <= c.end
            assert text[c.start : c.end] == text[c.start : c.end].strip()
            assert c.start >= last_end.get(c.parent, 0), f"{name}: {c.id} overlaps its previous sibling"
            last_end[c.parent] = c.end
            if c.parent is None:
                assert c.depth == 0
            else:
                parent = by_id[c.parent]
                assert c.parent in seen, f"{name}: {c.id} comes before its parent"
                assert parent.start < c.start and c.end <= parent.end and c.depth == parent.depth + 1
            if c.kind == "article":
                assert text[c.start : c.end].startswith(f"Điều {c.number}")
            seen.add(c.id)
        # every character of meaningful text belongs to a top-level clause
        covered = [False] * len(text)
        for c in doc.clauses:
            if c.parent is None:
                covered[c.start : c.end] = [True] * (c.end - c.start)
        assert all(covered[i] for i, ch in enumerate(text) if not ch.isspace()), name
