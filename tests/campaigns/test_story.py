"""Stories and updates: Markdown shown sanitised, images only over https, links over http(s) and mailto."""
import pytest

from app.campaigns import story


@pytest.mark.parametrize("source", [
    "![tracker](http://ads.example.com/pixel.gif)", "![tracker](HTTP://ads.example.com/pixel.gif)",
    "![local](/static/logo.png)", "![relative](pixel.gif)", "![protocol-relative](//ads.example.com/pixel.gif)",
    "![inline](data:image/gif;base64,R0lGODlhAQABAAAAACw=)", "![ftp](ftp://example.com/a.png)",
    "[![tracker](http://ads.example.com/pixel.gif)](https://example.coop)",
    "![ref][pixel]\n\n[pixel]: http://ads.example.com/pixel.gif",
])
def test_an_image_not_over_https_is_dropped_and_its_words_stay(source):
    html = story.render(source)
    assert "<img" not in html and "ads.example.com" not in html and "src=" not in html
    assert story.render("Before " + source.split("\n")[0] + " after").startswith("<p>Before ")


def test_an_image_over_https_is_shown_and_links_keep_http_https_and_mailto():
    html = story.render("![The cold store](https://images.example.coop/store.jpg \"Summer 2026\")\n\n"
                        "[plain](http://example.coop) [safe](https://example.coop) [mail](mailto:info@example.coop) "
                        "[bad](javascript:alert(1))")
    assert '<img src="https://images.example.coop/store.jpg" alt="The cold store" title="Summer 2026">' in html
    assert 'href="http://example.coop"' in html and 'href="https://example.coop"' in html
    assert 'href="mailto:info@example.coop"' in html and 'href="javascript' not in html


def test_a_dropped_images_alt_text_is_kept_as_escaped_words():
    assert story.render('![<b>cold</b> & "store"](http://example.coop/a.png)') == '<p>&lt;b&gt;cold&lt;/b&gt; &amp; "store"</p>\n'


def test_the_api_and_the_page_drop_an_http_image(app, funding, client):
    campaign = funding.live(story="Our store:\n\n![store](http://example.coop/store.jpg)\n\n"
                                  "![roof](https://example.coop/roof.jpg)")
    assert "http://example.coop/store.jpg" not in campaign["story_html"]
    assert '<img src="https://example.coop/roof.jpg" alt="roof">' in campaign["story_html"]
    page = client.get(f"/campaigns/{campaign['id']}").get_data(as_text=True)
    assert "http://example.coop/store.jpg" not in page and 'src="https://example.coop/roof.jpg"' in page
