"""Files attached to a bid (the same types and limit as a tender's documents), sealed like the bid: its bidder's
members read them always, the buyer's members once the deadline has passed, nobody else ever."""
from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import Conflict, NotFound
from app.extensions import db
from app.tenders.document_models import BidFile
from app.tenders.documents import stored_file
from app.tenders.policy import require_bidder
from app.tenders.services import visible_bid
from app.uploads import TENDER_FILES

#: Enough for a technical offer split in parts; an archive holds the rest.
MAX_FILES_PER_BID = 20


def attach(actor, bid, upload):
    """A file added to a standing bid before the deadline (the bidder's admins and sellers)."""
    require_bidder(actor, bid)
    tender = bid.tender
    if bid.status != "submitted" or tender.status != "published" or tender.is_past_deadline():
        raise Conflict(_("Files are attached to a standing bid before the deadline."))
    if len(files_of(bid)) >= MAX_FILES_PER_BID:
        raise Conflict(_("A bid holds at most %(count)s files: put the others in a ZIP archive.", count=MAX_FILES_PER_BID),
                       {"file": [_("At most %(count)s files.", count=MAX_FILES_PER_BID)]})
    bid_file = BidFile(bid_id=bid.id, uploaded_by_id=actor.id, **stored_file(upload))
    db.session.add(bid_file)
    db.session.flush()
    return bid_file


def files_of(bid):
    """The bid's files, oldest first (callers have read the bid through visible_bid)."""
    return list(db.session.scalars(select(BidFile).where(BidFile.bid_id == bid.id).order_by(BidFile.id)))


def visible_file(user, file_id):
    """(file, path) for whoever may read its bid; else NotFound."""
    bid_file = db.session.get(BidFile, file_id)
    if bid_file is None:
        raise NotFound(_("No such file."))
    try:
        visible_bid(bid_file.bid_id, user)
    except NotFound:
        raise NotFound(_("No such file.")) from None
    return bid_file, TENDER_FILES.path_of(bid_file.storage_key)
