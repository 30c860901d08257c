"""Cross-origin rules of the public API: only listed origins, matched exactly; preflights
answered; never credentials (issue 27.4)."""

from __future__ import annotations

import pytest

from portal.widget.cors import allowed_origin, normalize_origin, parse_origins
from tests.conftest import SHOP


@pytest.mark.parametrize(
    ("entry", "origin"),
    [
        ("https://shop.example.com", "https://shop.example.com"),
        ("https://Shop.Example.com/", "https://shop.example.com"),
        ("https://shop.example.com:443", "https://shop.example.com"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("  https://a.example  ", "https://a.example"),
    ],
)
def test_listed_origins_are_normalized_as_browsers_send_them(entry, origin):
    assert normalize_origin(entry) == origin


@pytest.mark.parametrize(
    "entry",
    ["shop.example.com", "*", "https://shop.example.com/app", "ftp://x.example", "https://"],
)
def test_an_entry_that_is_not_an_origin_stops_the_app_with_its_name(entry):
    with pytest.raises(ValueError, match="PORTAL_WIDGET_ORIGINS"):
        parse_origins(f"https://ok.example,{entry}")


def test_origins_match_exactly():
    allowed = parse_origins("https://shop.example.com,http://localhost:3000")
    assert allowed_origin("https://shop.example.com", allowed)
    assert allowed_origin("http://localhost:3000", allowed)
    for other in (
        "http://shop.example.com",  # another scheme
        "https://shop.example.com:8443",  # another port
        "https://evil-shop.example.com",
        "https://shop.example.com.evil.example",
        "https://example.com",
        "http://localhost:3001",
        "null",  # sandboxed frames and file:// pages
        "",
        None,
    ):
        assert allowed_origin(other, allowed) is None, other


def test_the_environment_variable_lists_origins(monkeypatch, tmp_path, articles_dir):
    from tests.conftest import make_app

    monkeypatch.setenv("PORTAL_WIDGET_ORIGINS", "https://shop.example.com, https://b.example/")
    app = make_app(tmp_path, articles_dir, f"sqlite:///{tmp_path / 'e.db'}")
    assert app.config["WIDGET_ORIGINS"] == ("https://shop.example.com", "https://b.example")


ENDPOINTS = [
    ("get", "/api/v1/widget?locale=en"),
    ("get", "/api/v1/search?q=refund&locale=en"),
    ("get", "/api/v1/articles/reset-password?locale=en"),
    ("post", "/api/v1/answers"),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_a_listed_origin_may_read_the_answers_without_credentials(api, method, url):
    kwargs = {"json": {"question": "refund", "locale": "en"}} if method == "post" else {}
    response = getattr(api, method)(url, headers={"Origin": SHOP}, **kwargs)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == SHOP
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "Origin" in response.headers["Vary"]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_another_origin_gets_no_cors_headers(api, method, url):
    kwargs = {"json": {"question": "refund", "locale": "en"}} if method == "post" else {}
    response = getattr(api, method)(url, headers={"Origin": "https://evil.example"}, **kwargs)
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.headers["Vary"]  # caches keep the answers apart


@pytest.mark.parametrize("path", ["/api/v1/answers", "/api/v1/tickets", "/api/v1/answers/feedback"])
def test_a_preflight_from_a_listed_origin_is_answered(api, widget_app, path):
    response = api.options(
        path,
        headers={
            "Origin": SHOP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, idempotency-key",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == SHOP
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "content-type" in allowed and "idempotency-key" in allowed
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_preflight_from_another_origin_is_not_allowed(api):
    response = api.options(
        "/api/v1/tickets",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Methods" not in response.headers


def test_errors_and_limits_still_carry_the_cors_headers(api):
    """A listed site's script must be able to read a 400 or 429 to tell the customer."""
    response = api.post("/api/v1/answers", json={"locale": "en"}, headers={"Origin": SHOP})
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == SHOP


def test_pages_outside_the_api_never_allow_other_origins(api):
    response = api.get("/en/", headers={"Origin": SHOP})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_each_visitor_has_a_limit_on_questions_and_a_listed_site_can_read_the_429(
    tmp_path, articles_dir, fake_index
):
    import shutil

    from portal.limits import RateLimits
    from tests.conftest import make_app

    shutil.copytree(fake_index, tmp_path / "index")
    app = make_app(
        tmp_path,
        articles_dir,
        f"sqlite:///{tmp_path / 'limits.db'}",
        EMBEDDER="fake",
        WIDGET_ORIGINS=(SHOP,),
        RATELIMIT_ENABLED=True,
    )
    per_minute = int(RateLimits().answers.split("/")[0])
    client = app.test_client()
    visitor = {"REMOTE_ADDR": "203.0.113.7"}
    for _ in range(per_minute):
        response = client.post(
            "/api/v1/answers",
            json={"question": "refund", "locale": "en"},
            headers={"Origin": SHOP},
            environ_base=visitor,
        )
        assert response.status_code == 200
    limited = client.post(
        "/api/v1/answers",
        json={"question": "refund", "locale": "en"},
        headers={"Origin": SHOP},
        environ_base=visitor,
    )
    assert limited.status_code == 429
    assert limited.headers["Access-Control-Allow-Origin"] == SHOP
    assert "error" in limited.get_json()
    other = client.post(
        "/api/v1/answers",
        json={"question": "refund", "locale": "en"},
        environ_base={"REMOTE_ADDR": "203.0.113.8"},
    )
    assert other.status_code == 200  # another visitor is not held back
    preflight = client.options(
        "/api/v1/answers",
        headers={"Origin": SHOP, "Access-Control-Request-Method": "POST"},
        environ_base=visitor,
    )
    assert preflight.status_code == 200  # preflights do not use up (or hit) the limit
