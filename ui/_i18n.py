"""Vietnamese for the words Gradio's own components show (upload areas, table menus, chat buttons).

Gradio ships no Vietnamese; its frontend looks these keys up in the translations an app provides, so
the same table serves a browser set to Vietnamese and one set to English (the app is Vietnamese only).
"""

from __future__ import annotations

import gradio as gr

_VI = {
    "upload_text.drop_file": "Kéo thả tệp vào đây",
    "upload_text.click_to_upload": "Bấm để chọn tệp",
    "common.or": "hoặc",
    "common.clear": "Xóa",
    "common.download": "Tải về",
    "common.error": "Lỗi",
    "common.loading": "Đang tải",
    "common.remove": "Bỏ",
    "common.edit": "Sửa",
    "common.submit": "Gửi",
    "common.undo": "Hoàn tác",
    "common.empty": "Trống",
    "file.uploading": "Đang tải lên…",
    "chatbot.clear": "Xóa hội thoại",
    "chatbot.copy_message": "Sao chép",
    "chatbot.copied_message": "Đã sao chép",
    "chatbot.retry": "Hỏi lại",
    "chatbot.undo": "Hoàn tác",
    "chatbot.edit": "Sửa",
    "chatbot.cancel": "Hủy",
    "chatbot.submit": "Gửi",
    "dataframe.new_row": "Thêm dòng",
    "dataframe.new_column": "Thêm cột",
    "dataframe.add_row_above": "Thêm dòng phía trên",
    "dataframe.add_row_below": "Thêm dòng phía dưới",
    "dataframe.delete_row": "Xóa dòng",
    "dataframe.delete_column": "Xóa cột",
    "dataframe.add_column_left": "Thêm cột bên trái",
    "dataframe.add_column_right": "Thêm cột bên phải",
    "dataframe.sort_column": "Sắp xếp cột",
    "dataframe.sort_ascending": "Sắp xếp tăng dần",
    "dataframe.sort_descending": "Sắp xếp giảm dần",
    "dataframe.clear_sort": "Bỏ sắp xếp",
    "dataframe.filter": "Lọc",
    "dataframe.clear_filter": "Bỏ lọc",
    "dataframe.drop_to_upload": "Kéo thả tệp CSV hoặc TSV vào đây để nhập dữ liệu",
    "status.queue_position": "Đang chờ: {position}/{size}",
    "blocks.waiting_for_inputs": "Đang chờ tải tệp lên xong, hãy thử lại.",
    "blocks.lost_connection": "Mất kết nối; đang kết nối lại…",
}

TRANSLATIONS = gr.I18n(vi=_VI, en=_VI)
