"""The percolator reads a document's text in one field, and a saved search's words are looked for there."""
from search.alert_queries import TEXT_PATHS, alert_document, alert_words


def test_a_document_s_text_moves_into_one_field_and_the_rest_stays():
    document = {"listing_id": 7, "title": "Chestnut honey", "description": "From the Cévennes.",
                "cpv": {"code": "15831300", "label_en": "Honey", "parents_en": "Sugar products", "ancestors": ["15"]},
                "organization": {"name": "Les Ruchers", "country": "FR"}}
    moved = alert_document("listings", document)
    assert moved == {"listing_id": 7, "cpv": {"code": "15831300", "ancestors": ["15"]},
                     "organization": {"country": "FR"},
                     "alert_text": ["Chestnut honey", "From the Cévennes.", "Honey", "Sugar products", "Les Ruchers"]}
    assert document["title"] == "Chestnut honey" and document["cpv"]["label_en"] == "Honey"  # the original is intact


def test_every_kind_reads_the_text_its_search_reads():
    assert TEXT_PATHS["listings"][:2] == ["title", "description"] and "organization.name" in TEXT_PATHS["listings"]
    assert "lots" in TEXT_PATHS["tenders"] and "buyer.name" in TEXT_PATHS["rfqs"]
    assert TEXT_PATHS["campaigns"] == ["title", "summary", "story", "organization.name"]
    assert all("." not in path or not path.endswith((".en", ".fr", ".es")) for paths in TEXT_PATHS.values()
               for path in paths)


def test_a_search_s_words_are_matched_under_any_one_analysis():
    query = alert_words({"query": "wild honey", "fields": ["title^3"], "minimum_should_match": "3<80%"})
    should = query["bool"]["should"]
    assert [next(iter(clause["match"])) for clause in should] == [
        "alert_text", "alert_text.en", "alert_text.fr", "alert_text.es"]
    assert all(next(iter(clause["match"].values())) == {"query": "wild honey", "minimum_should_match": "3<80%"}
               for clause in should)
    assert query["bool"]["minimum_should_match"] == 1
