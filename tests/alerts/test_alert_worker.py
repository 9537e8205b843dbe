"""In production the sync worker only indexes: each document it writes is queued for the alert worker (`flask alerts
percolate`), which percolates it as the index then holds it — so indexing never waits for the percolator."""
from sqlalchemy import select

from app.alerts.models import AlertMatch
from app.catalog.models import Listing
from app.extensions import db
from app.mail.models import MailOutbox
from tests.alerts.test_alerts import save


def alert_mails(app):
    with app.app_context():
        return list(db.session.scalars(select(MailOutbox.subject).where(MailOutbox.unsubscribe_scope == "search")))


def run(app, *command):
    result = app.test_cli_runner().invoke(args=list(command))
    assert result.exit_code == 0, result.output
    return result.output


def test_the_sync_worker_indexes_and_the_alert_worker_percolates(app, client, make, watcher, search):
    saved = save(client, watcher, "listings", {"q": "arabica coffee"})
    app.config["SEARCH_SYNC_ON_COMMIT"] = False  # what follows is left to the workers, as in production
    seller = make.organization(make.user(), name="Coffee Growers Co-operative")
    coffee = make.listing(seller, title="Washed arabica coffee beans")
    make.listing(seller, title="Handmade wooden chairs")

    assert "0 parked" in run(app, "search", "sync")
    assert search.document("listings", coffee.id)["title"] == "Washed arabica coffee beans"
    assert {row.doc_id for row in search.outbox("percolate:listings")} == {coffee.id, coffee.id + 1}
    assert alert_mails(app) == []

    assert "2 document(s) percolated" in run(app, "alerts", "percolate")
    assert search.outbox("percolate:listings") == []
    with app.app_context():
        assert list(db.session.scalars(select(AlertMatch.doc_id).where(AlertMatch.saved_search_id == saved["id"]))) \
            == [coffee.id]
    assert len(alert_mails(app)) == 1


def test_a_document_withdrawn_before_its_percolation_alerts_no_one(app, client, make, watcher, search):
    save(client, watcher, "listings", {"q": "arabica coffee"})
    app.config["SEARCH_SYNC_ON_COMMIT"] = False
    seller = make.organization(make.user(), name="Coffee Growers Co-operative")
    coffee = make.listing(seller, title="Washed arabica coffee beans")
    run(app, "search", "sync")
    with app.app_context():
        db.session.get(Listing, coffee.id).status = "archived"
        db.session.commit()
    run(app, "search", "sync")  # the index no longer holds it

    assert "1 document(s) percolated" in run(app, "alerts", "percolate")
    with app.app_context():
        assert db.session.scalar(select(AlertMatch.id)) is None
    assert alert_mails(app) == []


def test_one_percolation_matches_each_document_to_its_own_searches(app, client, make, watcher, search):
    """Documents of several countries and divisions percolated together: each search gets only its documents."""
    coffee_fr = save(client, watcher, "listings", {"q": "coffee", "country": ["FR"]}, name="Coffee in France")
    any_honey = save(client, watcher, "listings", {"q": "miel"}, name="Honey anywhere")  # a synonym of honey
    app.config["SEARCH_SYNC_ON_COMMIT"] = False
    french = make.organization(make.user(), country="FR", name="Coopérative des Cévennes")
    peruvian = make.organization(make.user(), country="PE", name="Cooperativa Andina")
    ids = {(name, country): make.listing(org, title=title, cpv_code=code,
                                                         description="From our members.").id for name, country, org, title, code in (
        ("coffee", "FR", french, "Roasted coffee beans", "03131100"),
        ("coffee", "PE", peruvian, "Green coffee beans", "03131100"),
        ("honey", "FR", french, "Chestnut honey", "15831300"), ("honey", "PE", peruvian, "Wild honey", "15831300"))}
    run(app, "search", "sync")
    assert "4 document(s) percolated" in run(app, "alerts", "percolate")

    def matched(saved):
        with app.app_context():
            return set(db.session.scalars(select(AlertMatch.doc_id).where(AlertMatch.saved_search_id == saved["id"])))

    assert matched(coffee_fr) == {ids["coffee", "FR"]}
    assert matched(any_honey) == {ids["honey", "FR"], ids["honey", "PE"]}


def test_the_alert_worker_gives_way_while_documents_wait_to_be_written(app, client, make, watcher, search):
    save(client, watcher, "listings", {"q": "arabica coffee"})
    app.config["SEARCH_SYNC_ON_COMMIT"] = False
    seller = make.organization(make.user(), name="Coffee Growers Co-operative")
    make.listing(seller, title="Washed arabica coffee beans")
    run(app, "search", "sync")
    make.listing(seller, title="Natural arabica coffee beans")  # not written yet

    assert "0 document(s) percolated" in run(app, "alerts", "percolate")
    assert len(search.outbox("percolate:listings")) == 1
    run(app, "search", "sync")
    assert "2 document(s) percolated" in run(app, "alerts", "percolate")
    assert len(alert_mails(app)) == 1  # one mail of the two new results


def test_a_supplier_uploading_in_many_batches_has_its_default_alerts_worked_out_once(app, make, search):
    """Each batch of listings the sync worker writes queues its organisation's default alerts; the alert worker works
    them out once for all the batches queued meanwhile, from every active listing."""
    from app.alerts.models import SavedSearch
    from app.indexing.sync import TASKS, drain_all, drain_writes

    app.config["SEARCH_SYNC_ON_COMMIT"] = False
    seller = make.user()
    mills = make.organization(seller, name="Valley Mills Cooperative", country="GB")
    for title, code in (("Durum wheat", "03211100"), ("Oak chairs", "39112000"), ("Roof repairs", "45261900")):
        make.listing(mills, title=title, cpv_code=code)
    with app.app_context():
        assert drain_writes(batch=1).written == 4  # the organisation, then one listing per batch
        db.session.commit()
    assert len(search.outbox("default-alerts")) == 3

    with app.app_context():  # the alert worker, one row at a time: the first of the three settles the others
        result = drain_all(1, kinds=sorted(TASKS))
    assert result.tasks == {"percolate:listings": 3, "default-alerts": 1} and result.rows == 6
    assert search.outbox("default-alerts") == []
    with app.app_context():
        queries = list(db.session.scalars(select(SavedSearch.query).where(SavedSearch.user_id == seller.id)))
    assert queries == [{"cpv_division": ["03", "39", "45"], "country": ["GB"]}] * 2
