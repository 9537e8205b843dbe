"""Alerts: as the sync worker writes new or changed documents, it queues them in the outbox, and the alert worker
matches them against every saved search with the engine's percolator; each (search, document) pair is recorded once,
and only a new pair alerts — by mail at once, in the next daily or weekly digest, or only in the feed, as the search
and its owner chose."""
from flask import g, has_request_context
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import BigInteger, Integer, String, bindparam, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY

from app.accounts.models import User
from app.alerts.models import AlertMatch, SavedSearch
from app.database import insert_many, upsert
from app.extensions import db
from app.i18n import N_, language_or_default
from app.indexing import listeners, search_engine
from app.mail import link, unsubscribe
from app.mail.models import MailOutbox
from app.models_base import UTCDateTime, utcnow
from app.notices.models import DigestItem, Notification
from app.notices.telling import mail_mode
from search import ALERT_KINDS
from search.alert_queries import alert_document

#: kind -> (page endpoint, its id parameter, the document's id field).
PAGES = {"listings": ("catalog.show", "listing_id"), "tenders": ("tenders.tender_page", "tender_id"),
         "rfqs": ("trade.rfq_page", "rfq_id"), "campaigns": ("campaigns.campaign_page", "campaign_id")}
#: A line of a digest: the title of a document new to a saved search.
NEW_RESULT = N_("New: %(title)s")
#: Matches recorded per INSERT (the engine may find many searches for a batch of documents): as rows, as arrays.
CHUNK, ARRAY_CHUNK = 1000, 50_000


def document_link(kind, doc_id):
    endpoint, parameter = PAGES[kind]
    return link(endpoint, **{parameter: doc_id})


def scope(kind, document):
    """(country, CPV division) of a document as the saved searches of its kind filter them: the seller's or buyer's
    country (the delivery country for a request for quotation); campaigns have no CPV code."""
    if kind == "rfqs":
        country = document.get("delivery_country")
    else:
        party = document.get("buyer" if kind == "tenders" else "organization") or {}
        country = party.get("country")
    return country, (document.get("cpv") or {}).get("division")


def _record(pairs, titles):
    """Insert the (saved search, document) pairs not seen before, in order (two workers lock rows in the same order);
    returns the new ones. PostgreSQL takes them as three arrays per statement: a percolated batch can match hundreds of
    thousands of pairs, and one bound value per column costs far less than one per row."""
    new = []
    now = utcnow()
    from_arrays = db.session.get_bind().dialect.name == "postgresql"
    chunk = ARRAY_CHUNK if from_arrays else CHUNK
    for start in range(0, len(pairs), chunk):
        part = pairs[start:start + chunk]
        if from_arrays:
            rows = func.unnest(bindparam("searches", [search_id for search_id, _doc in part], ARRAY(BigInteger)),
                               bindparam("docs", [doc_id for _search, doc_id in part], ARRAY(Integer)),
                               bindparam("titles", [titles[doc_id][:300] for _search, doc_id in part], ARRAY(String))
                               ).table_valued("saved_search_id", "doc_id", "title").render_derived()
            statement = upsert(AlertMatch).from_select(
                ["saved_search_id", "doc_id", "title", "created_at"],
                select(rows.c.saved_search_id, rows.c.doc_id, rows.c.title, literal(now, UTCDateTime())))
        else:
            statement = upsert(AlertMatch).values([
                {"saved_search_id": search_id, "doc_id": doc_id, "title": titles[doc_id][:300], "created_at": now}
                for search_id, doc_id in part])
        new += db.session.execute(statement.on_conflict_do_nothing(index_elements=["saved_search_id", "doc_id"])
                                  .returning(AlertMatch.saved_search_id, AlertMatch.doc_id)).all()
    return new


def percolate(kind, documents):
    """Match the documents just written against the saved searches of their kind, and alert (see the module)."""
    if not documents:
        return
    ids = list(documents)
    matches = search_engine().percolate(ALERT_KINDS[kind], [alert_document(kind, documents[doc_id]) for doc_id in ids],
                                        [scope(kind, documents[doc_id]) for doc_id in ids])
    pairs = sorted({(search_id, ids[slot]) for search_id, slots in matches.items() for slot in slots})
    if not pairs:
        return
    new = _record(pairs, {doc_id: documents[doc_id].get("title", "") for doc_id in ids})
    if new:
        alert(kind, new, documents)


def task_kind(kind):
    """The outbox kind of "percolate these documents of `kind`"."""
    return f"percolate:{kind}"


def _after_write(kind):
    def queue_percolation(documents):
        listeners.queue(db.session, task_kind(kind), sorted(documents))

    return queue_percolation


def _percolation(kind):
    def percolate_queued(doc_ids):
        percolate(kind, search_engine().sources(kind, doc_ids))

    return percolate_queued


#: kind -> what the sync worker calls with the documents of that kind it has just written: it queues them for the
#: alert worker (`flask alerts percolate`), so that indexing never waits for the percolator.
HOOKS = {kind: _after_write(kind) for kind in PAGES}
#: outbox kind -> the alert worker's task: percolate the documents as the index holds them (one written and then
#: withdrawn before its turn is no longer there, and alerts no one).
TASKS = {task_kind(kind): _percolation(kind) for kind in PAGES}


def alert(kind, new_pairs, documents):
    """Mail or keep for a digest the new matches, grouped per saved search."""
    by_search = {}
    for search_id, doc_id in new_pairs:
        by_search.setdefault(search_id, []).append(doc_id)
    mode = mail_mode("alerts", SavedSearch.user_id)
    rows = db.session.execute(
        select(SavedSearch.id.label("search_id"), SavedSearch.name, SavedSearch.frequency, User.id.label("user_id"),
               User.email, User.name.label("user_name"), User.language,
               mode.label("mode"), SavedSearch.is_default, SavedSearch.organization_id)
        .join(User, User.id == SavedSearch.user_id)
        .where(SavedSearch.id.in_(list(by_search)), SavedSearch.frequency != "off", User.suspended_at.is_(None),
               mode != "off")).all()
    mails, digest = [], []
    now = utcnow()
    told = _told_already(kind, rows, by_search)
    for search_id, name, frequency, user_id, email, user_name, language, chosen, is_default, organization_id in rows:
        found = [(documents[doc_id].get("title", ""), document_link(kind, doc_id)) for doc_id in by_search[search_id]]
        if is_default:
            found = [(title, url) for title, url in found if (organization_id, url) not in told]
        if not found:
            continue
        if frequency == "immediately" and chosen == "immediately":
            subject, body = _mail(language_or_default(language), name, user_name, found)
            mails.append({"recipient": email, "subject": subject[:300], "body": body, "created_at": now,
                          "unsubscribe_scope": "search", "unsubscribe_ref": search_id})
        else:
            digest += [{"user_id": user_id, "frequency": "weekly" if frequency == "weekly" else "daily", "kind": "alerts",
                        "heading": name, "phrase": NEW_RESULT, "params": {"title": title}, "link": url,
                        "created_at": now} for title, url in found]
    if mails:
        insert_many(MailOutbox.__table__, mails)
        if has_request_context():
            g.mail_queued = True  # development and tests: sent right after the request that published the document
    if digest:
        insert_many(DigestItem.__table__, digest)


def _told_already(kind, rows, by_search):
    """(organisation, link) pairs of documents its members were already told of by a notice: publishing a request for
    quotation tells the suppliers it suits (app.trade.rfqs), and their default alert does not mail it a second time."""
    defaults = [(row.organization_id, row.search_id) for row in rows if row.is_default]
    if kind != "rfqs" or not defaults:
        return set()
    links = {document_link(kind, doc_id) for _organization, search_id in defaults for doc_id in by_search[search_id]}
    return set(db.session.execute(select(Notification.organization_id, Notification.link).where(
        Notification.organization_id.in_({organization for organization, _search in defaults}),
        Notification.link.in_(links))).all())


def _mail(language, name, user_name, found):
    with force_locale(language):
        subject = ngettext("Coopex: %(num)d new result for “%(name)s”", "Coopex: %(num)d new results for “%(name)s”",
                           len(found), name=name)
        lines = [_("Hello %(name)s, new results for your saved search “%(search)s”:", name=user_name, search=name), ""]
        for title, url in found:
            lines += [f"- {title}", f"  {url}"]
        lines += ["", "-- ", _("Your saved searches: %(page)s\nStop the alerts of this search: %(unsubscribe)s",
                               page=link("alerts.saved_searches_page"), unsubscribe=unsubscribe.PLACEHOLDER)]
    return subject, "\n".join(lines)
