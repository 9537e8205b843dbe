"""Facets: which fields they count, the aggregations counting them (each facet under the other facets' selections), and
the counts read back from the engine's answer. Shared by every kind; listings also count the facets no selection
widens in one aggregation over their FACET_VALUES_FIELD."""

#: facet name -> indexed field. Selections inside one facet are OR-ed, facets are AND-ed.
FACET_FIELDS = {
    "cpv_division": "cpv.division",
    "country": "organization.country",
    "region": "organization.region",
    "sector": "organization.sector",
    "legal_form": "organization.legal_form",
    "sdg": "sdgs",
    "size": "organization.size",
}
RETURNED_FACETS = ("cpv_division", "country", "region", "sector", "legal_form", "sdg")
#: Facets of numbers: listings index them as keywords (a keyword facet over everything is counted from the index's term
#: statistics, 2 ms at a million listings against 19 for a number field); their values are read back as numbers.
NUMBER_FACETS = {"sdg"}
FACET_SIZES = {"country": 100, "cpv_division": 60}
#: Every returned facet's values of a listing in one field, as "facet=value" (facet_values): the facets that no
#: selection of their own widens are counted in one aggregation over it, not one per facet (30 ms against 50–65 for
#: the co-operatives' 988,000 listings of the bench's million; browsing everything 2.4 against 6.2).
FACET_VALUES_FIELD = "facet_values"
#: How many values that one aggregation returns: more than all facets can hold (about 250 countries, 4 regions,
#: 45 CPV divisions, 17 SDGs, the sectors and legal forms), so that each facet's most frequent are among them.
FACET_VALUES_SIZE = 1000


def terms(field_name, values):
    return {"terms": {field_name: list(values)}}


def facet_filters(selections, leave_out=None, facet_fields=FACET_FIELDS):
    return [
        terms(facet_fields[name], values)
        for name, values in sorted(selections.items())
        if values and name != leave_out
    ]


#: The name of a facet's second aggregation, counting its selected values (see facet_aggregations).
SELECTED = "__selected"


def facet_size(name):
    """How many values of a facet are shown, the most frequent."""
    return FACET_SIZES.get(name, 30)


def facet_aggregations(names, selections, facet_fields=FACET_FIELDS):
    """The aggregations counting each facet's values under every other facet's selection; the values selected in it
    are always counted, even when they are not among the most frequent (a checked box must never vanish).

    A facet that no other selection narrows is counted over the query's own matches, without a filter aggregation
    around it: at a million listings the wrapper cost a third of the facets' time (each document passed through it)."""
    aggregations = {}
    for name in names:
        values = {"terms": {"field": facet_fields[name], "size": facet_size(name)}}
        chosen = list(dict.fromkeys(selections.get(name) or ()))
        selected = ({"terms": {"field": facet_fields[name], "include": [str(value) for value in chosen],
                               "size": len(chosen)}} if chosen else None)
        others = facet_filters(selections, name, facet_fields)
        if others:
            aggregations[name] = {"filter": {"bool": {"filter": others}},
                                  "aggs": {"values": values, **({"selected": selected} if selected else {})}}
        else:
            aggregations[name] = values
            if selected:
                aggregations[name + SELECTED] = selected
    return aggregations


#: The aggregation over FACET_VALUES_FIELD (see listing_facet_aggregations).
ALL_FACETS = "__facets"


#: Each returned facet's path in a listing document.
_PATHS = {name: FACET_FIELDS[name].split(".") for name in RETURNED_FACETS}


def facet_values(document):
    """A listing document's FACET_VALUES_FIELD: "name=value" for each value of each returned facet."""
    values = []
    for name, path in _PATHS.items():
        found = document
        for part in path:
            found = (found or {}).get(part)
        values += [f"{name}={value}" for value in (found if isinstance(found, list) else [found]) if value is not None]
    return values


def _all_facets(selections):
    """The count of every facet value under all the selections (each facet's own included)."""
    counted = {"terms": {"field": FACET_VALUES_FIELD, "size": FACET_VALUES_SIZE}}
    narrowed = facet_filters(selections)
    return {"filter": {"bool": {"filter": narrowed}}, "aggs": {"values": counted}} if narrowed else counted


def unselected_facets(chosen, selections, together):
    """The facets not in `chosen`, under `selections` (none when the query holds them): counted in one aggregation over
    FACET_VALUES_FIELD, or, not `together`, each alone (documents written before that field lack it)."""
    if together:
        return {ALL_FACETS: _all_facets(selections)}
    return facet_aggregations([name for name in RETURNED_FACETS if name not in chosen], selections)


def chosen_facets(selections):
    """The returned facets with values selected."""
    return [name for name in RETURNED_FACETS if selections.get(name)]


def listing_facet_aggregations(selections, together=True):
    """The aggregations counting the listings' facets (facet_aggregations' rules): a facet with values selected is
    counted alone, under the other facets' selections; all the others at once, under every selection."""
    chosen = chosen_facets(selections)
    return {**facet_aggregations(chosen, selections), **unselected_facets(chosen, selections, together)}


def facet_counts(aggregations, name):
    """(value, count) pairs of a facet (facet_aggregations), most frequent first, then selected values that were not
    among them."""
    if name not in aggregations:
        return _counted_with_the_others(aggregations[ALL_FACETS], name)
    aggregation = aggregations[name]
    if "values" in aggregation:  # counted under the other facets' selections
        values, selected = aggregation["values"], aggregation.get("selected", {})
    else:
        values, selected = aggregation, aggregations.get(name + SELECTED, {})
    buckets = [(bucket["key"], bucket["doc_count"]) for bucket in values["buckets"]]
    shown = {value for value, _count in buckets}
    buckets += [(bucket["key"], bucket["doc_count"]) for bucket in selected.get("buckets", []) if bucket["key"] not in shown]
    return [(int(value), count) for value, count in buckets] if name in NUMBER_FACETS else buckets


def _counted_with_the_others(aggregation, name):
    """A facet's (value, count) pairs from the one aggregation over FACET_VALUES_FIELD: its FACET_SIZES most frequent
    values, in the order its own aggregation would give (most frequent first, then by value)."""
    prefix = f"{name}="
    values = (aggregation.get("values") or aggregation)["buckets"]
    buckets = [(bucket["key"][len(prefix):], bucket["doc_count"]) for bucket in values if bucket["key"].startswith(prefix)]
    buckets = buckets[:facet_size(name)]
    return [(int(value), count) for value, count in buckets] if name in NUMBER_FACETS else buckets
