"""Receipt files of expenses: PDF, PNG or JPEG, at most 5 MB (app.uploads.RECEIPTS)."""
from app.uploads import RECEIPTS

check, store, path_of, discard = RECEIPTS.check, RECEIPTS.store, RECEIPTS.path_of, RECEIPTS.discard
