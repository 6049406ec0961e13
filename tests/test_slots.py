"""The kind of value a question asks for (assistant.engine._slots), on questions as officials type them."""

from __future__ import annotations

import pytest

from assistant.engine._slots import expected_value


@pytest.mark.parametrize(("question", "holds", "lacks"), [
    ("Công văn 3816 ký ngày nào?", "Hà Nội, ngày 14 tháng 09 năm 2024", "Hà Nội, tháng chín"),
    ("luat cntt co hieu luc tu khi nao", "có hiệu lực thi hành từ ngày 01 tháng 01 năm 2007", "có hiệu lực"),
    ("Chỉ tiêu số doanh nghiệp công nghệ số là bao nhiêu doanh nghiệp?", "đạt 81.400 doanh nghiệp",
     "phát triển doanh nghiệp công nghệ số"),
    ("Phải hoàn thành bao nhiêu CSDL quốc gia?", "Hoàn thành 10 cơ sở dữ liệu quốc gia.", "cơ sở dữ liệu quốc gia"),
    ("Tỷ lệ hồ sơ trực tuyến phải đạt bao nhiêu phần trăm?", "đạt tối thiểu 70%", "đạt tối thiểu"),
    ("Mức phạt tiền tối đa là bao nhiêu?", "phạt tiền 100.000.000 đồng", "phạt tiền"),
    # a total is not given by a rate
    ("Tổng kinh phí của Đề án là bao nhiêu tỷ đồng?", "tổng kinh phí 1.200 tỷ đồng", "hỗ trợ tối đa 2 tỷ đồng/doanh nghiệp"),
    ("Tổng vốn cho dự án là bao nhiêu tiền?", "Tổng mức đầu tư 350 tỷ đồng.", "chi 50 triệu đồng mỗi năm"),
    ("Văn bản có số hiệu bao nhiêu?", "Số: 3816/BTTTT-CĐSQG", "Công văn hướng dẫn"),
    ("Số điện thoại của đầu mối là gì?", "điện thoại: 024 3943 7088", "liên hệ đầu mối"),
    ("10 địa phương đó là những tỉnh nào?", "tỉnh Bắc Ninh, Bình Dương", "tại 10 địa phương"),
    ("VN đặt mục tiêu vào top bao nhiêu nước?", "nhóm 30 nước dẫn đầu", "nhóm nước dẫn đầu"),
    ("Đăng ký thường trú cần những giấy tờ gì?", "Hồ sơ đăng ký thường trú gồm: a) Tờ khai thay đổi thông tin cư trú",
     "thủ tục được thực hiện trực tuyến, giảm tối đa giấy tờ"),
    ("Hồ sơ đề nghị cấp giấy phép gồm những gì?", "kèm theo bản sao giấy chứng nhận", "cấp phép trong 15 ngày"),
    ("Cần những giấy tờ gì để đăng ký?", "Hồ sơ đăng ký gồm: đơn đề nghị", "Thí điểm bản sao số (Digital Twin) cho đô thị"),
    ("Thành phần hồ sơ xin cấp phép gồm những gì?", "Thành phần hồ sơ: tờ khai", "Hồ sơ điện tử gồm các thông tin sau"),
    # how often: a frequency, in words or as "01 lần/năm"
    ("Hội nghị được tổ chức bao lâu một lần?", "Tổ chức định kỳ hằng năm", "tổ chức tại Hà Nội"),
    ("Phải đánh giá bao lâu một lần?", "tối thiểu 01 lần/02 năm", "hoàn thành trong 3 năm"),
    # read with diacritics: "đổi mới năm 2025" is no "mỗi năm"
    ("Tần suất báo cáo như thế nào?", "báo cáo định kỳ hằng năm", "Đẩy mạnh đổi mới năm 2025"),
    # a counted noun after a percentage; a preposition after "bao nhiêu" is no noun
    ("Giảm bao nhiêu thời gian xử lý thủ tục?", "giảm 50% thời gian xử lý", "giảm thời gian xử lý"),
    ("Nghị quyết đặt bao nhiêu cho năm 2030?", "đạt 10.000 doanh nghiệp", "phát triển doanh nghiệp"),
    # how many: a count, neither an item's number nor a rate per head
    ("Năm 2025 phải có bao nhiêu doanh nghiệp công nghệ số?", "đạt 81.400 doanh nghiệp",
     "8. Doanh nghiệp công nghệ số: Địa phương tổ chức triển khai"),
    ("Năm 2025 phải có bao nhiêu doanh nghiệp công nghệ số?", "Tối thiểu có 5 doanh nghiệp công nghệ số",
     "đạt tỷ lệ tối thiểu 0,8 doanh nghiệp/1.000 dân"),
])
def test_a_question_names_the_value_a_text_must_hold(question: str, holds: str, lacks: str):
    expected = expected_value(question)
    assert expected is not None
    assert expected(holds)
    assert not expected(lacks)


def test_a_question_for_a_description_expects_no_particular_value():
    assert expected_value("Phần Tổ chức thực hiện của kế hoạch cấp xã viết thế nào?") is None
    # "chuyên mục phát thanh" is no fine ("mức phạt")
    assert expected_value("Cơ quan báo chí nào làm chuyên mục phát thanh về chuyển đổi số?") is None
    # a kind of record the laws define, not the papers of an application
    assert expected_value("Hồ sơ điện tử gồm những loại nào theo Luật Giao dịch điện tử?") is None
