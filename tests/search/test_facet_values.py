"""The listings' facets counted in one aggregation over their "name=value" field (search.facets.facet_values): the
same counts, in the same order, as one aggregation per facet would give. Pure logic; the engine's answers are modelled
by how a terms aggregation orders its buckets (most documents first, then by key)."""
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import distinct, func, select

from app.orgs.models import LEGAL_FORMS, SECTORS
from app.reference.models import Country, CpvCode
from app.schemas import ICA_REGIONS
from search.facets import ALL_FACETS, FACET_VALUES_SIZE, RETURNED_FACETS, facet_size, facet_values
from search.queries import parse_results


def test_a_documents_facet_values_name_each_facet_and_leave_out_what_it_lacks():
    document = {"cpv": {"division": "15"}, "sdgs": [2, 12],
                "organization": {"country": "FR", "region": None, "sector": "agriculture", "legal_form": "cooperative"}}
    assert facet_values(document) == ["cpv_division=15", "country=FR", "sector=agriculture", "legal_form=cooperative",
                                       "sdg=2", "sdg=12"]


def _buckets(counts, size):
    """A terms aggregation's buckets: most documents first, then by key; the `size` first."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"key": key, "doc_count": count} for key, count in ordered[:size]]


# Values such as "10" and "2" (SDGs, divisions) and few distinct counts: ties, ordered by key, decide who is shown.
values = st.one_of(st.integers(1, 300).map(str), st.text("ABCXYZ", min_size=1, max_size=3))
counts = st.dictionaries(st.sampled_from(RETURNED_FACETS),
                         st.dictionaries(values, st.integers(1, 3), min_size=10, max_size=120), min_size=1)


@given(counts)
def test_one_aggregation_over_every_facet_gives_each_facet_what_its_own_would(facets):
    facets = {name: {value: count for value, count in found.items() if name != "sdg" or value.isdigit()}
              for name, found in facets.items()}
    alone = {name: _buckets(found, facet_size(name)) for name, found in facets.items()}
    together = _buckets({f"{name}={value}": count for name, found in facets.items() for value, count in found.items()},
                        FACET_VALUES_SIZE)
    answer = {"hits": {"total": {"value": 1}, "hits": []}}
    expected = parse_results({**answer, "aggregations": {name: {"buckets": buckets} for name, buckets in alone.items()}},
                             facet_names=list(facets))
    found = parse_results({**answer, "aggregations": {ALL_FACETS: {"buckets": together}}}, facet_names=list(facets))
    assert found["facets"] == expected["facets"]
    # and so when the aggregation is under a filter (a text search with selections)
    wrapped = {ALL_FACETS: {"doc_count": 1, "values": {"buckets": together}}}
    assert parse_results({**answer, "aggregations": wrapped}, facet_names=list(facets))["facets"] == expected["facets"]


def test_the_one_aggregation_returns_more_values_than_all_facets_can_hold(app, db):
    with app.app_context():
        countries = db.session.scalar(select(func.count()).select_from(Country))
        divisions = db.session.scalar(select(func.count(distinct(CpvCode.division))))
    assert countries > 200 and divisions > 40
    assert countries + len(ICA_REGIONS) + divisions + len(SECTORS) + len(LEGAL_FORMS) + 17 < FACET_VALUES_SIZE
