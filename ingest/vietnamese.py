"""Vietnamese text helpers shared by indexing and querying: diacritics, tone placement,
administrative abbreviations."""

from __future__ import annotations

import re
import unicodedata

# Abbreviations officials write in questions and the documents use in tables. Each is expanded
# by appending its full form, so both the short and the long wording match.
ABBREVIATIONS: dict[str, str] = {
    "CĐS": "chuyển đổi số",
    "CDS": "chuyển đổi số",
    "TTHC": "thủ tục hành chính",
    "DVC": "dịch vụ công",
    "DVCTT": "dịch vụ công trực tuyến",
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "KH&CN": "Khoa học và Công nghệ",
    "KHCN": "khoa học công nghệ",
    "BTTTT": "Bộ Thông tin và Truyền thông",
    "TT&TT": "Thông tin và Truyền thông",
    "TTTT": "Thông tin và Truyền thông",
    "CSDL": "cơ sở dữ liệu",
    "ATTT": "an toàn thông tin",
    "ANM": "an ninh mạng",
    "CNTT": "công nghệ thông tin",
    "CNS": "công nghệ số",
    "KTS": "kinh tế số",
    "XHS": "xã hội số",
    "CQS": "chính quyền số",
    "CPS": "Chính phủ số",
    "CPĐT": "Chính phủ điện tử",
    "ĐMST": "đổi mới sáng tạo",
    "HTTT": "hệ thống thông tin",
    "TTDL": "trung tâm dữ liệu",
    "BCĐ": "Ban Chỉ đạo",
    "GDĐT": "giao dịch điện tử",
    "NQ": "Nghị quyết",
    "CV": "Công văn",
    "NĐ": "Nghị định",
    "QĐ": "Quyết định",
    "TTg": "Thủ tướng",
    "CP": "Chính phủ",
    "KH": "kế hoạch",
    "NSNN": "ngân sách nhà nước",
    "AI": "trí tuệ nhân tạo",
    "CQNN": "cơ quan nhà nước",
    "CBCCVC": "cán bộ, công chức, viên chức",
    "DN": "doanh nghiệp",
    "DNNVV": "doanh nghiệp nhỏ và vừa",
    "HTX": "hợp tác xã",
    "QPPL": "quy phạm pháp luật",
    "VBQPPL": "văn bản quy phạm pháp luật",
    "ANQG": "an ninh quốc gia",
    "QH": "Quốc hội",
    "TW": "Trung ương",
    "TP": "thành phố",
    "BV": "bệnh viện",
    "ĐVHC": "đơn vị hành chính",
    "TNDN": "thu nhập doanh nghiệp",
    "TNCN": "thu nhập cá nhân",
    "GTGT": "giá trị gia tăng",
    "KHCN&ĐMST": "khoa học, công nghệ và đổi mới sáng tạo",
    # Ministries as officials abbreviate them.
    "GD&ĐT": "Giáo dục và Đào tạo",
    "KH&ĐT": "Kế hoạch và Đầu tư",
    "TN&MT": "Tài nguyên và Môi trường",
    "NN&PTNT": "Nông nghiệp và Phát triển nông thôn",
    "LĐ-TB&XH": "Lao động - Thương binh và Xã hội",
    "VH,TT&DL": "Văn hóa, Thể thao và Du lịch",
    "GTVT": "Giao thông vận tải",
}

_ABBREV = re.compile(
    r"(?<![\w&])(" + "|".join(re.escape(k) for k in sorted(ABBREVIATIONS, key=len, reverse=True)) + r")(?![\w&])"
)

# Old-style tone placement on open "oa", "oe", "uy" syllables: hoà -> hòa, uỷ -> ủy.
_OLD_TONE = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}


def strip_diacritics(text: str) -> str:
    """"Chuyển đổi số" -> "Chuyen doi so"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def modern_tone(syllable: str) -> str:
    """Move an old-style tone mark of a lower-case syllable to the modern position."""
    tail = syllable[-2:]
    if tail in _OLD_TONE and not syllable.endswith(("quý", "quỳ", "quỷ", "quỹ", "quỵ")):
        return syllable[:-2] + _OLD_TONE[tail]
    return syllable


def expand_abbreviations(text: str) -> str:
    """Append the full form of every known abbreviation found in ``text`` (once each)."""
    found = dict.fromkeys(m.group(1) for m in _ABBREV.finditer(text))
    if not found:
        return text
    return text + " (" + "; ".join(ABBREVIATIONS[a] for a in found) + ")"


_TOKEN = re.compile(r"\w+|[^\w\s]+", re.UNICODE)


def has_diacritics(text: str) -> bool:
    return strip_diacritics(text) != text


class DiacriticRestorer:
    """Put back the diacritics of a question typed without them, using the corpus' own wording.

    Each word's candidates are the accented forms the corpus has for its bare form; a Viterbi
    pass picks the sequence whose adjacent pairs the corpus uses ("ke hoach" -> "kế hoạch",
    "cap xa" -> "cấp xã", "nam 2025" -> "năm 2025"). Words the corpus never has stay as typed.

    >>> DiacriticRestorer(["Kế hoạch chuyển đổi số cấp xã"]).restore("ke hoach cap xa?")
    'kế hoạch cấp xã?'
    """

    def __init__(self, texts: list[str]):
        self._forms: dict[str, dict[str, int]] = {}
        self._pairs: set[tuple[str, str]] = set()
        for text in texts:
            previous = None
            for match in _TOKEN.finditer(text.lower()):
                token = match.group(0)
                if not token[0].isalnum() and token[0] != "_":
                    previous = None
                    continue
                forms = self._forms.setdefault(strip_diacritics(token), {})
                forms[token] = forms.get(token, 0) + 1
                if previous is not None:
                    self._pairs.add((previous, token))
                previous = token

    def restore(self, text: str) -> str:
        """``text`` lower-cased with the most likely diacritics on every word; punctuation kept."""
        out: list[str] = []
        run: list[str] = []  # consecutive words, restored together
        for match in _TOKEN.finditer(text.lower()):
            token = match.group(0)
            if token[0].isalnum():
                run.append(token)
                continue
            out.extend(self._restore_run(run))
            run = []
            out.append(token)
        out.extend(self._restore_run(run))
        return re.sub(r" ([^\w\s]+)", r"\1", " ".join(out))

    def _restore_run(self, words: list[str]) -> list[str]:
        if not words:
            return []
        # column: form -> (score, previous form); a corpus pair is worth more than any frequency prior
        columns: list[dict[str, tuple[float, str | None]]] = []
        for word in words:
            forms = self._forms.get(word) or {word: 1}
            total = sum(forms.values())
            column = {}
            for form, count in forms.items():
                prior = count / total
                if not columns:
                    column[form] = (prior, None)
                    continue
                score, prev = max((s + 2.0 * ((p, form) in self._pairs), p) for p, (s, _) in columns[-1].items())
                column[form] = (score + prior, prev)
            columns.append(column)
        form = max(columns[-1], key=lambda f: columns[-1][f][0])
        restored = [form]
        for column in reversed(columns[1:]):
            form = column[form][1]
            restored.append(form)
        return restored[::-1]
