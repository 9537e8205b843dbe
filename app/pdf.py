"""PDF documents (reports, statements) with fpdf2: a page with a title, paragraphs and tables, in DejaVu Sans so that
every language's letters print (the PDF core fonts know Latin-1 only). The fonts ship in app/static/fonts."""
from pathlib import Path

from flask import Response
from fpdf import FPDF
from fpdf.fonts import FontFace

FONTS = Path(__file__).parent / "static" / "fonts"


class Document(FPDF):
    """An A4 page in portrait with Coopex's heading and page numbers."""

    def __init__(self, title, subtitle=""):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_title(str(title))
        self.set_author("Coopex")
        self.set_creator("Coopex")
        self.set_auto_page_break(auto=True, margin=15)
        self.document_title = str(title)
        self.add_page()
        self.set_font("DejaVu", "B", 16)
        self.multi_cell(0, 8, self.document_title, new_x="LMARGIN", new_y="NEXT")
        if subtitle:
            self.set_font("DejaVu", "", 10)
            self.multi_cell(0, 6, str(subtitle), new_x="LMARGIN", new_y="NEXT")
        self.ln(4)

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 6, f"Coopex · {self.document_title} · {self.page_no()}", align="C")

    def heading(self, text):
        """A section heading."""
        self.ln(2)
        self.set_font("DejaVu", "B", 12)
        self.multi_cell(0, 7, str(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def paragraph(self, text):
        self.set_font("DejaVu", "", 10)
        self.multi_cell(0, 5, str(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def rows(self, header, rows, *, align_right_from=1, widths=None):
        """A table: a bold header row, then one row per item; columns from `align_right_from` on are figures; `widths`:
        the columns' relative widths (equal by default)."""
        self.set_font("DejaVu", "", 9)
        alignment = tuple("LEFT" if index < align_right_from else "RIGHT" for index in range(len(header)))
        with self.table(text_align=alignment, headings_style=FontFace(emphasis="BOLD"), line_height=5,
                        col_widths=widths) as table:
            for values in (header, *rows):
                line = table.row()
                for value in values:
                    line.cell(str(value))
        self.ln(3)

    def to_bytes(self):
        return bytes(self.output())


def pdf_response(document, filename):
    """The document as a download."""
    return Response(document.to_bytes(), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
