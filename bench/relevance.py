"""Search relevance on the judged sets of tests/relevance: nDCG@10, precision@10, zero-result and junk rates.

Loads the organisations and the listing, tender and campaign corpora into a fresh database (PostgreSQL database
`coopex_relevance` by default, or a SQLite file) and a fresh index (prefix `coopex-relevance-<random>`, dropped
afterwards) through the app's services and search outbox, runs every judged query through the search API (the first
page of 10, as a buyer would see it), and prints the figures overall, per language and per kind of query, then the
worst queries with the junk in their top 10.

Grades: 0 junk, 1 related, 2 good, 3 exactly what was asked; precision counts grades 2 and 3 as relevant; a result
nobody judged counts as junk (and is listed, to be judged). `junk` is the share of junk in the top 10s, `junk all` in
everything the queries found (their first 100 results). Definitions: bench/relevance_metrics.py.

    scripts/postgres.sh createdb coopex_relevance && search/node/node.sh start
    python bench/relevance.py [--database-url URL] [--json FIGURES.json] [--worst 10] [--cooperative-boost 0.5]
                              [--corpus listings] [--check-engine] [--sweep 0,0.1,0.2,0.3,0.5,0.75,1]

`--sweep` runs the listing queries again with each cooperative boost and prints, per boost, nDCG@10 overall and of the
`coop_preference` and `non_coop_better` queries, how often the verified co-op's offer comes first where offers are
equal, and how often a clearly better non-co-op offer stays above every weaker co-op offer.

`--json tests/relevance/baseline.json` records the figures the regression test (tests/relevance) holds the engine to:
write it deliberately, when a change is meant to move them, and say so in the commit.
"""
import argparse
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on sys.path and would shadow the `search` package.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.relevance_corpus import CORPORA, judged_set, load, read, run_queries  # noqa: E402
from bench.relevance_metrics import K, figures, figures_by, ndcg, report  # noqa: E402

DEFAULT_URL = "postgresql://coopex@127.0.0.1:5433/coopex_relevance"
#: The figures the regression test holds the engine to (tests/relevance/test_relevance.py).
BASELINE = ROOT / "tests" / "relevance" / "baseline.json"


def fresh_database(url):
    """An empty database at `url` (a local PostgreSQL database is created if missing, its schema dropped; a SQLite file
    is removed); returns the URL as SQLAlchemy takes it."""
    from sqlalchemy import create_engine, text

    from config import normalise_database_url

    url = normalise_database_url(url)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    else:
        parsed = urlparse(url.replace("+psycopg", ""))
        if parsed.hostname in ("127.0.0.1", "localhost") and parsed.port == 5433:
            subprocess.run([str(ROOT / "scripts/postgres.sh"), "createdb", parsed.path.lstrip("/")], check=True,
                           stdout=subprocess.DEVNULL)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    return url


def build_app(url, boost):
    from app import create_app

    return create_app("development", SQLALCHEMY_DATABASE_URI=url, SEARCH_INDEX_PREFIX=f"coopex-relevance-{uuid.uuid4().hex[:8]}",
                      SEARCH_SYNC_ON_COMMIT=False, SEARCH_COOPERATIVE_BOOST=boost)


def prepare(app):
    """Migrate the empty database and load the reference data (CPV codes, countries, SDGs)."""
    from flask_migrate import upgrade

    from app.extensions import db
    from app.reference.services import load_reference_data

    with app.app_context():
        logging.disable(logging.INFO)  # the migrations' log, one line each
        try:
            upgrade(directory=str(ROOT / "migrations"))
        finally:
            logging.disable(logging.NOTSET)
        load_reference_data()
        db.session.commit()


def row(name, group):
    return (f"{name:24} {group.queries:7d} {group.ndcg:8.3f} {group.precision:8.3f} {group.zero_result_rate:8.3f} "
            f"{group.junk_rate:8.3f} {group.junk_rate_found:9.3f} {group.unjudged:9d}")


HEADER = f"{'':24} {'queries':>7} {'nDCG@10':>8} {'P@10':>8} {'zero':>8} {'junk':>8} {'junk all':>9} {'unjudged':>9}"


def print_figures(kind, results):
    print(f"\n== {kind}: {len(judged_set(kind).documents)} documents, {len(results)} judged queries")
    print(HEADER)
    print(row("overall", figures(results)))
    for attribute in ("language", "kind"):
        for value, group in figures_by(results, attribute).items():
            print(row(f"{attribute} {value}", group))


def print_worst(kind, results, titles, count):
    """The queries with the lowest nDCG@10, those with the most junk in their top 10, and those with the most junk in
    everything they found, each with that junk (results judged 0 or not judged at all)."""
    lists = (
        ("the lowest nDCG@10", results, lambda result: (result.ndcg, result.query_id), K),
        ("the most junk in the top 10", [result for result in results if result.junk],
         lambda result: (-len(result.junk), -len(result.junk_found), result.query_id), K),
        ("the most junk in all they found", [result for result in results if result.junk_found],
         lambda result: (-len(result.junk_found), result.query_id), 5),
    )
    for title, candidates, order, shown in lists:
        print(f"\n-- {kind}: the {min(count, len(candidates))} queries with {title}")
        for result in sorted(candidates, key=order)[:count]:
            print(f"{result.ndcg:.3f}  {result.query_id} {result.text!r} [{result.language}, {result.kind}] found "
                  f"{result.total}, junk {len(result.junk)} of the first {len(result.ranked[:K])}, "
                  f"{len(result.junk_found)} of {len(result.ranked)} in all")
            junk = [(rank, key) for rank, key in enumerate(result.ranked, start=1) if not result.judgements.get(key)]
            for rank, key in junk[:shown]:
                label = "unjudged" if key not in result.judgements else "grade 0"
                print(f"        {rank:2d}. {label:8}  {key}: {titles.get(key, '?')[:90]}")


def engine_ndcg(app, kind, judged, ids):
    """nDCG@10 of each listing query as the engine's own `_rank_eval` computes it, on the query the API sends."""
    from app.catalog.search_schemas import ListingSearchQuerySchema
    from app.catalog.search_service import build_query
    from app.indexing import search_engine
    from search.queries import listing_search_body

    engine, schema = search_engine(), ListingSearchQuerySchema()
    index = engine.indices_behind(kind)[0]
    requests_ = []
    for query in judged.queries:
        body = listing_search_body(build_query(schema.load({"q": query["text"]}), app.config["SEARCH_COOPERATIVE_BOOST"]))
        ratings = [{"_index": index, "_id": str(ids[key]), "rating": grade} for key, grade in query["judgements"].items()]
        requests_.append({"id": query["id"], "request": {"query": body["query"], "sort": body["sort"]}, "ratings": ratings})
    answer = engine.client.rank_eval(index=engine.alias(kind), body={
        "requests": requests_, "metric": {"dcg": {"k": K, "normalize": True}}})
    return {query_id: detail["metric_score"] for query_id, detail in answer["details"].items()}


def compare_with_engine(results, engine_scores):
    """Our nDCG@10, with the ideal order cut where the engine cuts it, against the engine's own, query by query."""
    ours = {result.query_id: ndcg(result.grades, list(result.judgements.values()), depth=len(result.ranked))
            for result in results}
    differing = {query_id: (round(ours[query_id], 4), round(score, 4)) for query_id, score in engine_scores.items()
                 if abs(ours[query_id] - score) > 1e-6}
    print(f"\n_rank_eval dcg@{K} normalised (ideal order cut at the results returned), mean: "
          f"{sum(engine_scores.values()) / len(engine_scores):.4f}, ours on that footing: {sum(ours.values()) / len(ours):.4f}; "
          f"queries that differ (ours, engine's): {differing or 'none'}")


def _verified_first(result):
    """A coop_preference query: is the first result one graded 3 (the verified co-op's equal offer)?"""
    return bool(result.ranked) and result.judgements.get(result.ranked[0]) == 3


def _better_not_buried(result, cooperative):
    """A non_coop_better query: does every non-co-op result of the best grade rank above every weaker co-op result?"""
    grades = {key: result.judgements.get(key, 0) for key in result.ranked}
    best = max(result.judgements.values())
    better = [rank for rank, key in enumerate(result.ranked) if grades[key] == best and not cooperative[key]]
    weaker = [rank for rank, key in enumerate(result.ranked) if grades[key] < best and cooperative[key]]
    return bool(better) and (not weaker or max(better) < min(weaker))


def print_recorded(kind):
    """The overall figures recorded in BASELINE for `kind`, the limit the regression test compares this run's with."""
    recorded = json.loads(BASELINE.read_text(encoding="utf-8")).get(kind, {}).get("overall")
    if recorded:
        print(f"{'recorded (limit)':24} {recorded['queries']:7d} {recorded['ndcg@10']:8.3f} {'':>8} {'':>8} "
              f"{recorded['junk_rate']:8.3f}   (the test fails below this nDCG@10 or above this junk)")


def sweep(app, client, ids, boosts):
    """The listing queries with each cooperative boost: the table the default boost was chosen from."""
    from app.orgs.models import COOPERATIVE_FAMILY

    judged = judged_set("listings")
    organisations = {organisation["key"]: organisation for organisation in read("organisations.json")["organisations"]}
    cooperative = {document["key"]: organisations[document["organisation"]]["legal_form"] in COOPERATIVE_FAMILY
                   for document in judged.documents}
    print("\n== cooperative boost sweep (listings; 'co-op first': coop_preference queries whose first result is the "
          "verified co-op's equal offer; 'not buried': non_coop_better queries whose best non-co-op offers rank above "
          "every weaker co-op offer)")
    print(f"{'boost':>6} {'nDCG@10':>8} {'junk':>6} {'coop_pref nDCG':>15} {'co-op first':>12} "
          f"{'non_coop nDCG':>14} {'not buried':>11}")
    default = app.config["SEARCH_COOPERATIVE_BOOST"]
    try:
        for boost in boosts:
            app.config["SEARCH_COOPERATIVE_BOOST"] = boost
            results = run_queries(client, judged, ids)
            preference = [result for result in results if result.kind == "coop_preference"]
            better = [result for result in results if result.kind == "non_coop_better"]
            overall = figures(results)
            print(f"{boost:6.2f} {overall.ndcg:8.3f} {overall.junk_rate:6.3f} {figures(preference).ndcg:15.3f} "
                  f"{sum(map(_verified_first, preference)):>8d} of {len(preference)} {figures(better).ndcg:14.3f} "
                  f"{sum(_better_not_buried(result, cooperative) for result in better):>7d} of {len(better)}")
    finally:
        app.config["SEARCH_COOPERATIVE_BOOST"] = default


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_RELEVANCE_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--json", type=Path, help="write the figures to this file (tests/relevance/baseline.json records them)")
    parser.add_argument("--worst", type=int, default=10, help="list this many worst queries of each set")
    parser.add_argument("--cooperative-boost", type=float, default=None,
                        help="SEARCH_COOPERATIVE_BOOST to measure with (default: the configuration's)")
    parser.add_argument("--corpus", action="append", choices=sorted(CORPORA), help="only this set (repeatable; default: all)")
    parser.add_argument("--check-engine", action="store_true",
                        help="also compute the listings' nDCG@10 with the engine's _rank_eval API and compare")
    parser.add_argument("--sweep", type=lambda text: [float(value) for value in text.split(",")],
                        help="also run the listing queries with each of these cooperative boosts (comma-separated)")
    args = parser.parse_args()
    if args.json and args.corpus and set(args.corpus) != set(CORPORA):
        parser.error("--json records every judged set: leave out --corpus")

    logging.getLogger("opensearch").setLevel(logging.ERROR)  # 404s of alias look-ups on a fresh index
    started = time.perf_counter()
    url = fresh_database(args.database_url)
    boost = args.cooperative_boost
    if boost is None:
        from config import load_config

        boost = load_config("development").SEARCH_COOPERATIVE_BOOST
    app = build_app(url, boost)
    prepare(app)
    recorded, kinds = {}, args.corpus or list(CORPORA)
    with app.app_context():
        from app.indexing import search_engine

        engine = search_engine()
        if not engine.ping():
            raise SystemExit(f"no OpenSearch node at {app.config['SEARCH_URL']}; start it with search/node/node.sh start")
        try:
            ids = load(kinds)
            loaded = time.perf_counter()
            client = app.test_client()
            version = engine.client.info()["version"]["number"]
            print(f"OpenSearch {version}; database {urlparse(url).scheme}; cooperative boost {boost}; "
                  f"loaded and indexed in {loaded - started:.1f} s")
            for kind in kinds:
                judged = judged_set(kind)
                results = run_queries(client, judged, ids[kind])
                recorded[kind] = report(results)
                print_figures(kind, results)
                print_recorded(kind)
                titles = {document["key"]: document["title"] for document in judged.documents}
                if args.worst:
                    print_worst(kind, results, titles, args.worst)
                if args.check_engine and kind == "listings":
                    compare_with_engine(results, engine_ndcg(app, kind, judged, ids[kind]))
                if args.sweep and kind == "listings":
                    sweep(app, client, ids[kind], args.sweep)
            print(f"\nsearched in {time.perf_counter() - loaded:.1f} s")
        finally:
            engine.drop_all()
    if args.json:
        args.json.write_text(json.dumps({"cooperative_boost": boost, **recorded}, indent=2) + "\n", encoding="utf-8")
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
