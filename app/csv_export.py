"""CSV downloads that a spreadsheet opens as data, never as formulas (OWASP "CSV injection")."""
import csv
import io
from decimal import Decimal

from flask import Response

#: A text cell starting with one of these is read by spreadsheets as a formula (or as the start of one, after a
#: tab or a carriage return).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell):
    """The cell as written: numbers our code computed (int, Decimal) as they are, a text cell that a spreadsheet would
    run as a formula behind a single quote (so "-5" typed by a user stays the text "-5"), None as empty."""
    if cell is None:
        return ""
    if isinstance(cell, (int, Decimal)) and not isinstance(cell, bool):
        return cell
    text = str(cell)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_text(rows):
    """The rows as CSV text, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([neutralised(cell) for cell in row])
    return buffer.getvalue()


def csv_response(rows, filename):
    """A CSV download of `rows`, every cell neutralised."""
    return Response(csv_text(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
