"""Campaign stories and updates: Markdown written by owners, shown as sanitised HTML."""
from functools import lru_cache
from html import escape, unescape

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML

#: CommonMark with tables and strikethrough; raw HTML in the Markdown is not passed through at all.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])
_TAGS = {"p", "br", "strong", "em", "del", "a", "ul", "ol", "li", "blockquote", "code", "pre", "h2", "h3", "h4", "hr",
         "table", "thead", "tbody", "tr", "th", "td", "img"}
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}


def _is_https(url):
    return url.strip().lower().startswith("https://")


def _image(renderer, tokens, index, options, env):
    """An image over https as markdown-it writes it; any other (http://, relative, data:…) is dropped, its alt text
    kept as words: an http:// image would be mixed content and lets its host follow the readers."""
    token = tokens[index]
    if _is_https(token.attrGet("src") or ""):
        return RendererHTML.image(renderer, tokens, index, options, env)
    return escape(renderer.renderInlineAsText(token.children or [], options, env))


def _only_https_images(tag, attribute, value):
    """nh3's last word on URLs: an image source must be https (links keep http, https and mailto)."""
    if tag == "img" and attribute == "src" and not _is_https(value):
        return None
    return value


_MARKDOWN.add_render_rule("image", _image)


@lru_cache(maxsize=512)
def render(markdown):
    """Markdown → HTML safe to put in a page: only the tags above, links over http(s) or mailto, images over https only
    (others are dropped, their alt text kept), links with
    rel="nofollow noopener"; headings start at h2 (the page's h1 is the campaign's title). Cached by text: a campaign
    page renders its story and updates on every view, and they rarely change."""
    html = _MARKDOWN.render(markdown or "").replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, attribute_filter=_only_https_images,
                     url_schemes={"http", "https", "mailto"}, link_rel="nofollow noopener noreferrer")


def plain_text(markdown):
    """The words of the Markdown as a reader sees them, without markup or link targets (what the search index holds).
    Not through render's cache: a reindex reads every story once, and would push out the pages' stories."""
    return unescape(nh3.clean(_MARKDOWN.render(markdown or ""), tags=set(), attributes={}, link_rel=None)).strip()
