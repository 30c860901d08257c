"""Browser tests: staff forms line up and their selects look like the other fields (issue 25.11)."""

from __future__ import annotations

import pytest

from tests.e2e.test_staff_workspace import sign_in

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 900}


def box(page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_new_article_form_lines_up_its_selects_with_the_text_fields(live_url, new_page, width):
    writer = new_page()
    writer.set_viewport_size({"width": width, "height": 900})
    sign_in(writer, live_url, "writer@example.com", "writer-demo-pass", "/write/new")
    writer.screenshot(path=f"/tmp/ui/new-article-{width}.png")
    fields = {
        name: box(writer, f"#{name}") for name in ("article_id", "locale", "category", "slug")
    }
    heights = {name: round(b["height"]) for name, b in fields.items()}
    assert max(heights.values()) - min(heights.values()) <= 1, heights
    labels = {name: box(writer, f"label[for={name}]") for name in fields}
    for name in fields:  # each control starts right under its label, as wide as its column
        assert 0 <= fields[name]["y"] - (labels[name]["y"] + labels[name]["height"]) <= 8, name
        assert abs(fields[name]["x"] - labels[name]["x"]) <= 1, name
    same_row = [n for n in fields if abs(fields[n]["y"] - fields["article_id"]["y"]) <= 1]
    for name in same_row:
        assert abs(fields[name]["width"] - fields["article_id"]["width"]) <= 1, name


def test_staff_selects_are_styled_like_the_text_fields(live_url, new_page):
    writer = new_page()
    writer.set_viewport_size(DESKTOP)
    sign_in(writer, live_url, "writer@example.com", "writer-demo-pass", "/write/new")
    style = """el => { const s = getComputedStyle(el);
        return [s.appearance, s.borderTopWidth, s.borderTopColor, s.borderRadius, s.fontSize]; }"""
    text_field = writer.locator("#article_id").evaluate(style)
    for select in ("#locale", "#category", "#visibility"):
        appearance, *rest = writer.locator(select).evaluate(style)
        assert appearance == "none", select  # drawn by the stylesheet, with its own arrow
        assert rest == text_field[1:], select
