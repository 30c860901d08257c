"""Markdown rendering: sanitized HTML, heading anchors, table of contents, article links."""

from __future__ import annotations

import pytest

from portal.rendering import plain_text, render_markdown


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        '<iframe src="https://evil.example"></iframe>',
        "<style>body{display:none}</style>",
        '<div style="position:fixed" onclick="x()">raw</div>',
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_hostile_markdown_is_neutralized(hostile):
    html = render_markdown(hostile).html.lower()
    for bad in ("<script", "onerror", "javascript:", "<iframe", "<style", "onclick", "data:"):
        assert bad not in html


def test_tables_lists_code_and_keys_survive_sanitizing():
    text = (
        "| Method | Time |\n| --- | --- |\n| Card | 3 days |\n\n"
        "1. one\n2. two\n\n```\nportal index build\n```\n\nPress <kbd>Ctrl</kbd>+<kbd>K</kbd>.\n"
    )
    html = render_markdown(text).html
    assert "<table>" in html and "<td>Card</td>" in html
    assert "<ol>" in html and "<code>portal index build" in html
    assert "<kbd>Ctrl</kbd>" in html


def test_headings_get_unicode_anchors_and_a_table_of_contents():
    rendered = render_markdown("## 비밀번호 재설정 방법\n\ntext\n\n### Step two\n")
    assert [(e.level, e.anchor, e.title) for e in rendered.toc] == [
        (2, "비밀번호-재설정-방법", "비밀번호 재설정 방법"),
        (3, "step-two", "Step two"),
    ]
    assert 'id="비밀번호-재설정-방법"' in rendered.html


def test_reply_text_gets_no_heading_ids_that_could_clash_on_its_page():
    html = render_markdown("## Steps\n\nDo this.", heading_ids=False).html
    assert html.startswith("<h2>Steps</h2>")


def test_article_links_resolve_per_reader_and_unknown_ones_go_nowhere():
    text = "[Refunds](article:refund-timelines#card) and [gone](article:missing)"
    html = render_markdown(
        text,
        resolve_article=lambda aid: "/ko/articles/refund-timelines" if aid != "missing" else None,
    ).html
    assert 'href="/ko/articles/refund-timelines#card"' in html
    assert 'href="#"' in html


def test_external_links_cannot_reach_back_into_the_opener():
    html = render_markdown("[site](https://example.com)").html
    assert 'rel="noopener noreferrer"' in html


def test_a_huge_article_renders(benchmark_text="word " * 50_000):
    html = render_markdown("## Big\n\n" + benchmark_text).html
    assert html.count("word") == 50_000


def test_plain_text_excerpts_strip_markup_and_stay_short():
    excerpt = plain_text("## Title\n\n**Bold** [link](article:x) `code`\n\n" + "long " * 100, 60)
    assert "#" not in excerpt and "*" not in excerpt and len(excerpt) <= 60


def test_writer_html_cannot_dress_up_as_a_site_banner_or_reuse_page_ids():
    text = (
        '<div class="flash flash-error" id="main">Your account is locked</div>\n\n'
        '<h2 id="feedback">Raw heading</h2>\n\n'
        "## Steps {#main .flash}\n\nText {: #content .notice }\n"
    )

    rendered = render_markdown(text)

    assert "class=" not in rendered.html
    for page_id in ("main", "feedback", "content"):
        assert f'id="{page_id}"' not in rendered.html
    assert '<h2 id="steps">Steps</h2>' in rendered.html
    assert [entry.anchor for entry in rendered.toc] == ["steps"]


def test_classes_and_ids_the_renderer_writes_itself_survive_sanitizing():
    text = "## Set up\n\nSee the note[^1].\n\n```python\nprint(1)\n```\n\n[^1]: A footnote.\n"

    html = render_markdown(text).html

    assert '<h2 id="set-up">' in html
    assert '<code class="language-python">' in html
    assert '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1"' in html
    assert '<div class="footnote">' in html and '<li id="fn:1">' in html
    assert 'class="footnote-backref" href="#fnref:1"' in html
