"""Every route, fuzzed: hostile paths, query strings, forms, JSON and headers from every kind
of visitor (anonymous, a signed-in customer, agent, writer, admin), and never a server error
(a 5xx other than a documented 503), nor a payload echoed as live markup.

Routes come from ``app.url_map``, so a new route is fuzzed without anyone remembering to;
one that must not be is listed in ``SKIPPED`` with the reason. Each route's form is found on
the site's own pages, so fuzzed bodies can be valid but for one field and reach the code past
validation. Per route and method:

1. an edge pass, as the first role the route does not turn away: every path argument, every
   query parameter the code reads and every form field made hostile one at a time (huge
   numbers, NUL, invalid UTF-8, a file, 100 000 characters, markup), JSON of the wrong shape
   and lying content types;
2. Hypothesis, as each role: a fixed, derandomized number of examples (the same requests on
   every run and in CI), no example database kept in the repository.

SQLite refuses what PostgreSQL refuses (NUL, lone surrogates), so the fast database finds the
failures of the real one. A failure names the request (Hypothesis shrinks its own); each
defect found is pinned by a plain test in ``tests/test_guards.py``.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, PathConverter

from portal.customers import access
from portal.extensions import db
from portal.models import AccessLink, OutboxMessage, User
from portal.tickets.service import TicketInput, file_ticket
from portal.users import save_user
from tests.conftest import make_app, refuse_what_postgresql_refuses

PORTAL = Path(__file__).parent.parent / "portal"
ROLES = ("anonymous", "customer", "agent", "writer", "admin")
PASSWORD = "correct-horse-battery"
INBOUND_SECRET = "fuzz-inbound-secret"
CUSTOMER = "fuzz-customer@example.com"

# Endpoint -> why it is not fuzzed. Empty today: every route is.
SKIPPED: dict[str, str] = {}

# Endpoint -> why a 503 is its documented answer here (any other 5xx fails the test).
DOCUMENTED_503 = {
    "health.readyz": "not ready (index not warm yet): 503 with the reasons is its contract",
}

# Routes no page posts a form to, and the form whose fields they take.
FORM_LIKE = {"api.create_ticket": "tickets.new"}

# Hypothesis examples per route, method and role: fixed, so CI sends the same requests every
# time. With the edge pass about 4 000 requests, 35 s of CPU.
EXAMPLES_PER_ROUTE = 6
MIN_REQUESTS = 1000

# Payloads that must never come back as live markup in an HTML page.
XSS = (
    "<script>fz0()</script>",
    '"><img src=x onerror=fz0()>',
    "'><svg/onload=fz0()>",
)
LIVE_MARKUP = re.compile(r"<script>fz0|<img src=x onerror=fz0|<svg/onload=fz0")

HOSTILE_TEXT = (
    "",
    " ",
    "..",
    "../../../etc/passwd",
    "\x00",
    "a\x00b",
    "\ud800",
    "x\udfffy",
    "\u202eevil",
    "\ufeff",
    "İı",
    "ǅ",
    "한국어 질문",
    "🙂" * 40,
    "x" * 5000,
    "가" * 3000,
    "9" * 30,
    "-1",
    "0",
    "1e309",
    "NaN",
    "-Infinity",
    "null",
    "[]",
    "{}",
    "' OR 1=1 --",
    "{{7*7}}",
    "%(x)s",
    "\\",
    "/",
    "//evil.example/",
    "javascript:fz0()",
    "\r\nSet-Cookie: fz=1",
    "CON",
    *XSS,
)
# Already percent-encoded path segments and query values: sent exactly as written.
RAW_ENCODED = (
    "%2e%2e",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%2f..%2f",
    "%00",
    "a%00b",
    "%",
    "%ZZ",
    "%c0%af",
    "%ed%a0%80",
    "%ff%fe",
    "%252e%252e",
    "a%2fb",
    "%E2%80%AE",
    "%u0041",
)
JUNK_HEADERS = (
    "",
    "*",
    "ko;q=abc, en;q=-1",
    "xx-YY-ZZ, *;q=0",
    "ko-KR,ko;q=0.9,en-US;q=0.8",
    ";;;,,,",
    "q=1;q=2;q=3" * 300,
    "\x7f\x01",
    "é",
    "a" * 8000,
)
HOSTS = ("evil.example", "localhost:99999", "[::1", "a b", "xn--n3h.example", "localhost.", "")
CONTENT_TYPES = (
    "application/json",
    "application/json; charset=utf-16",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-7",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "multipart/form-data; boundary=zz",
    "text/plain",
    "text/html",
    "application/xml",
    "message/rfc822",
    "",
    "a/b/c; ;=",
)


def _text():
    """Hostile text: a list of known troublemakers, arbitrary unicode, lone surrogates."""
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.text(max_size=30),
        st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
    )


def _encode(text: str) -> str:
    """Percent-encode ``text`` as a browser would (lone surrogates as their raw bytes)."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def _valid(text: str) -> str:
    """``text`` with lone surrogates replaced (where the client itself must encode it)."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _piece():
    """One path segment or query value, already encoded for the URL."""
    return st.one_of(_text().map(_encode), st.sampled_from(RAW_ENCODED))


def _json_value():
    """JSON of the wrong shape: deep nesting, wrong types, huge numbers, NUL, surrogates."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**400), max_value=10**400),
        st.floats(allow_nan=False, allow_infinity=False),
        _text(),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(_text(), inner, max_size=4)
        ),
        max_leaves=12,
    )


def _field_value():
    """A form value: text, or a file where a text field is expected."""
    return st.one_of(
        _text(),
        st.binary(max_size=64).map(lambda data: ("file", data)),
    )


def _names_in_source() -> list[str]:
    """Parameter names the views read (``.get("name"``), plus every form's field names."""
    names: set[str] = set()
    for path in PORTAL.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        names.update(re.findall(r"\.get(?:list)?\(\s*\"([A-Za-z_][\w-]*)\"", text))
        names.update(re.findall(r"_param\(\s*\"([A-Za-z_][\w-]*)\"", text))
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names.update(n for n, v in vars(form).items() if hasattr(v, "field_class"))
    names.update({"csrf_token", "idempotency_key"})
    return sorted(names)


@dataclass
class Request:
    """One fuzzed request, as Hypothesis prints it when it fails."""

    role: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: object = None
    content_type: str | None = None


@dataclass
class Site:
    """A running app with data behind its ids and a signed-in session per role."""

    app: object
    samples: dict[str, list[str]]
    cookies: dict[str, list[tuple[str, str]]]
    session_tokens: dict[str, str]
    param_names: list[str]
    forms: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)

    def forms_for(self, endpoint: str) -> list[dict[str, str]]:
        """The forms posted to ``endpoint`` (or to the form it is like), maybe none."""
        return self.forms.get(endpoint) or self.forms.get(FORM_LIKE.get(endpoint, ""), [])

    def client(self, role: str):
        """A fresh client holding ``role``'s cookies, so no example changes another's."""
        client = self.app.test_client()
        for name, value in self.cookies[role]:
            client.set_cookie(name, value)
        return client

    def restore_sessions(self) -> None:
        """Signing out ends every copy of a staff session: give them their tokens back."""
        with self.app.app_context():
            for email, token in self.session_tokens.items():
                db.session.execute(
                    sa.update(User).where(User.email == email).values(session_token=token)
                )
            db.session.commit()


class _FormFinder(HTMLParser):
    """The forms of a page: their action and the fields with the values the page gave them."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("action") or "", {}))
        elif not self.forms:
            return
        elif attrs.get("name") == "csrf_token":
            return  # CSRF is off in the fuzzed app, and another session's token is no use
        elif tag in ("input", "button") and attrs.get("name"):
            fields = self.forms[-1][1]
            if attrs.get("type") not in ("radio", "checkbox", "submit") or "checked" in attrs:
                fields[attrs["name"]] = attrs.get("value") or ""
            else:
                fields.setdefault(attrs["name"], attrs.get("value") or "")
        elif tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self.forms[-1][1][self._textarea] = ""
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
        elif tag == "option" and self._select:
            self.forms[-1][1].setdefault(self._select, attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1][1][self._textarea] += data


def discover_forms(site: Site) -> dict[str, list[dict[str, str]]]:
    """Endpoint -> the forms that post to it, filled as the site's own pages fill them, so
    fuzzed bodies can keep every field valid but one and reach the code past validation."""
    found: dict[str, list[dict[str, str]]] = {}
    adapter = site.app.url_map.bind("localhost")
    for rule, method in routes(site.app):
        if method != "GET" or rule.arguments - site.samples.keys() - _int_arguments(rule):
            continue
        path = re.sub(
            r"<(?:[^>]*:)?(\w+)>",
            lambda m: _encode((site.samples.get(m.group(1)) or ["1"])[0]),
            rule.rule,
        )
        for role in ROLES:
            response = site.client(role).get(path)
            if response.mimetype != "text/html":
                continue
            finder = _FormFinder()
            finder.feed(response.get_data(as_text=True))
            for action, fields in finder.forms:
                try:
                    endpoint, _ = adapter.match(urlsplit(action or path).path, method="POST")
                except HTTPException:
                    continue
                # What a visitor would type where the page leaves a field empty.
                fields = {
                    name: value or (CUSTOMER if "email" in name else "Where is my parcel, please?")
                    for name, value in fields.items()
                }
                known = found.setdefault(endpoint, [])
                if fields and sorted(fields) not in [sorted(f) for f in known]:
                    known.append(fields)
    return found


def _int_arguments(rule) -> set[str]:
    return {n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)}


def _sign_in_staff(app, email: str) -> list[tuple[str, str]]:
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return [(c.key, c.value) for c in client._cookies.values()]


def _sign_in_customer(app) -> list[tuple[str, str]]:
    client = app.test_client()
    assert client.post("/en/requests", data={"email": CUSTOMER}).status_code == 200
    with app.app_context():
        row = db.session.execute(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "requests_link")
        ).scalar_one()
    link = re.search(r"/requests/link/\S+", row.body).group(0)
    assert client.post(link).status_code == 302
    return [(c.key, c.value) for c in client._cookies.values()]


def build_site(tmp_path, articles_dir, built_index, **config) -> Site:
    """An app on SQLite with staff, a customer with tickets, an unused access link, a job."""
    from portal.jobs.queue import enqueue

    shutil.copytree(built_index, tmp_path / "index")
    app = make_app(
        tmp_path,
        articles_dir,
        f"sqlite:///{tmp_path / 'test.db'}",
        INBOUND_SECRET=INBOUND_SECRET,
        **config,
    )
    store = app.extensions["article_store"]
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", refuse_what_postgresql_refuses)
    with app.test_request_context():
        for role in ("agent", "writer", "admin"):
            save_user(f"{role}@example.com", PASSWORD, roles=(role,))
        filed = [
            file_ticket(
                TicketInput(
                    email=email,
                    name="Kim",
                    subject="Where is my parcel",
                    description="It has not arrived yet, please help.",
                    locale=locale,
                )
            )
            for email, locale in ((CUSTOMER, "en"), ("other@example.com", "ko"))
        ]
        enqueue("noop", {"n": 1})
        db.session.commit()
        references = [f.ticket.reference for f in filed]
        tokens = [f.token for f in filed]
    cookies = {"anonymous": [], "customer": _sign_in_customer(app)}
    for role in ("agent", "writer", "admin"):
        cookies[role] = _sign_in_staff(app, f"{role}@example.com")
    with app.test_request_context():
        session_tokens = {u.email: u.session_token for u in db.session.query(User)}
        # One more link nobody has spent, for the link pages to reach their form.
        access.request_link(CUSTOMER, "en")
        link_body = (
            db.session.execute(
                sa.select(OutboxMessage)
                .where(OutboxMessage.kind == "requests_link")
                .order_by(OutboxMessage.id.desc())
            )
            .scalars()
            .first()
            .body
        )
        assert db.session.query(AccessLink).count() == 2
    link_token = re.search(r"/requests/link/(\S+)", link_body).group(1)
    locales = list(store.locales)
    samples = {
        "locale": locales,
        "article_locale": locales,
        "code": locales,
        "article_id": sorted({a.id for a in store.all()})[:6],
        "key": [c.key for c in store.categories],
        "reference": references,
        "token": [*tokens, link_token],
        "table": ["top-searches", "content-gaps", "least-helpful"],
        "filename": ["css/site.css", "favicon.svg"],
    }
    site = Site(app, samples, cookies, session_tokens, _names_in_source())
    site.forms = discover_forms(site)
    return site


def routes(app) -> list[tuple[object, str]]:
    """Every (rule, method) of the app not listed in ``SKIPPED``."""
    return [
        (rule, method)
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
        if rule.endpoint not in SKIPPED
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


def _argument(site: Site, rule, name: str):
    """A value for a path argument: a real one (to get past the lookup) or a hostile one."""
    converter = rule._converters[name]
    real = [_encode(v) for v in site.samples.get(name, [])]
    if isinstance(converter, IntegerConverter):
        numbers = st.integers(min_value=0, max_value=10**30).map(str)
        edges = ["1", "2", "3", str(2**31), str(2**63), "9" * 20, "0" * 30 + "1"]
        return st.one_of(st.sampled_from(edges), numbers, _piece())
    if isinstance(converter, PathConverter):
        real += ["..%2f..%2fpyproject.toml", "../../portal/config.py", "css/../../README.md"]
    hostile = _piece()
    return st.one_of(st.sampled_from(real), hostile) if real else hostile


def _query(site: Site):
    pair = st.tuples(
        st.one_of(st.sampled_from(site.param_names), _piece()),
        st.one_of(_piece(), st.sampled_from(site.samples["locale"])),
    )
    return st.lists(pair, max_size=5).map(lambda pairs: "&".join(f"{k}={v}" for k, v in pairs))


def _headers():
    optional = {
        "Accept-Language": st.sampled_from(JUNK_HEADERS),
        "Host": st.sampled_from(HOSTS),
        "Accept": st.sampled_from(["application/json", "text/html", "*/*", "x/y;q=z", ""]),
        "Idempotency-Key": st.sampled_from(["k1", "x" * 300, "\x7f"]),
        "Authorization": st.sampled_from(
            [f"Bearer {INBOUND_SECRET}", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer " + "x" * 500]
        ),
        "X-Forwarded-For": st.sampled_from(["1.2.3.4", "nonsense", "::1, 10.0.0.1"]),
        "User-Agent": st.sampled_from(["", "Mozilla/5.0", "x" * 2000]),
        "Cookie": st.sampled_from(["session=garbage", "locale=\x00", "a=" + "b" * 3000]),
    }
    return st.fixed_dictionaries({}, optional=optional)


def _filled(forms: list[dict[str, str]]):
    """One of ``forms`` as the page fills it: as is, one field made hostile (or a file),
    or every field perhaps made hostile."""

    def variants(fields: dict[str, str]):
        one = st.sampled_from(sorted(fields)).flatmap(
            lambda name: _field_value().map(lambda value: {**fields, name: value})
        )
        some = st.fixed_dictionaries(
            {name: st.one_of(st.just(value), _field_value()) for name, value in fields.items()}
        )
        return st.one_of(st.just(dict(fields)), one, some)

    return st.sampled_from(forms).flatmap(variants)


def _body(site: Site, endpoint: str):
    """(body, content type): nothing, a form (files for text fields too), JSON, raw bytes.
    A form the site's pages post here is the starting point, so validation is passed too;
    a route no page posts to (the API) starts from any form of the site."""
    forms = site.forms_for(endpoint) or [f for fs in site.forms.values() for f in fs]
    names = st.one_of(st.sampled_from(site.param_names), _text())
    form = st.one_of(_filled(forms), st.dictionaries(names, _field_value(), max_size=6))
    texts_only = _filled(forms).map(
        lambda fields: {
            k: v if isinstance(v, str) else v[1].decode("latin-1") for k, v in fields.items()
        }
    )
    deep = st.integers(min_value=30, max_value=5000).map(lambda n: "[" * n + "]" * n)
    json_text = st.one_of(
        texts_only.map(json.dumps),
        _json_value().map(json.dumps),
        st.dictionaries(st.sampled_from(site.param_names), _json_value()).map(json.dumps),
        deep,
        st.sampled_from(['{"a": 1e999999}', '{"a": NaN}', '{"a": "\\u0000"}', "{", ""]),
    )
    kinds = {
        "form": form.map(lambda fields: (fields, "form")),
        "json": st.tuples(
            json_text, st.sampled_from(["application/json", "application/json; charset=latin-1"])
        ),
        "raw": st.tuples(st.binary(max_size=200), st.sampled_from(CONTENT_TYPES)),
        "none": st.just((None, None)),
    }
    # Drawn by name: Hypothesis leans towards a one_of's first branch, and these should
    # come up about equally.
    return st.sampled_from(sorted(kinds)).flatmap(kinds.__getitem__)


def _requests(site: Site, rule, method: str, role: str):
    path_parts = {name: _argument(site, rule, name) for name in rule.arguments}
    return st.builds(
        lambda role, parts, query, headers, body: Request(
            role=role,
            method=method,
            path=re.sub(r"<(?:[^>]*:)?(\w+)>", lambda m: parts[m.group(1)], rule.rule),
            query=query,
            headers=headers,
            body=body[0],
            content_type=body[1],
        ),
        st.just(role),
        st.fixed_dictionaries(path_parts),
        _query(site),
        _headers(),
        _body(site, rule.endpoint) if method != "GET" else st.just((None, None)),
    )


def send(site: Site, rule, request: Request):
    """Send ``request`` with the role's cookies; fail on a server error or live markup."""
    client = site.client(request.role)
    kwargs: dict = {"headers": request.headers}
    if request.content_type == "form" and any(isinstance(v, tuple) for v in request.body.values()):
        # Multipart, with files: Werkzeug writes it, so the names must be valid UTF-8.
        kwargs["data"] = {
            _valid(name): (io.BytesIO(value[1]), "x.txt")
            if isinstance(value, tuple)
            else _valid(value)
            for name, value in request.body.items()
        }
    elif request.content_type == "form":
        # URL-encoded by hand: lone surrogates arrive as the invalid UTF-8 they encode to.
        pairs = [f"{_encode(k)}={_encode(v)}" for k, v in request.body.items()]
        kwargs["data"] = "&".join(pairs).encode("ascii")
        kwargs["content_type"] = "application/x-www-form-urlencoded"
    elif request.body is not None:
        body = request.body
        kwargs["data"] = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
        kwargs["content_type"] = request.content_type
    url = request.path + ("?" + request.query if request.query else "")
    response = client.open(url, method=request.method, **kwargs)
    site.counts[(rule.rule, request.method)] += 1
    if rule.endpoint == "auth.logout" or response.status_code >= 500:
        site.restore_sessions()
    allowed_503 = response.status_code == 503 and rule.endpoint in DOCUMENTED_503
    assert response.status_code < 500 or allowed_503, (
        f"{response.status_code} from {request}: {response.get_data(as_text=True)[:500]}"
    )
    if response.mimetype == "text/html":
        page = response.get_data(as_text=True)
        assert not LIVE_MARKUP.search(page), f"live markup echoed by {request}"
    return response


def sample_path(site: Site, rule, **hostile: str) -> str:
    """The rule's path with real values (``1`` for ids), or the encoded ``hostile`` ones."""

    def value(match) -> str:
        name = match.group(1)
        if name in hostile:
            return hostile[name]
        return _encode((site.samples.get(name) or ["1"])[0])

    return re.sub(r"<(?:[^>]*:)?(\w+)>", value, rule.rule)


# Values every parameter, path argument and form field is tried with in the edge pass.
EDGE_VALUES = (
    "9" * 25,
    str(2**63),
    "-1",
    "%00",
    "%ED%A0%80",
    "%FF",
    "%2e%2e%2f%2e%2e",
    _encode("x" * 5000),
    _encode(XSS[1]),
)
EDGE_FIELDS = (("file", b"uploaded, not typed"), "\x00", "\ud800", "x" * 100_000, "9" * 25, XSS[0])
EDGE_JSON = (
    "5",
    "[1, 2]",
    "null",
    '"\\ud800"',
    "[" * 2000 + "]" * 2000,
)


EDGE_RAW = (
    b"body=%FF%00&x",
    b"From: <script>@x\r\nSubject: =?utf-8?b?//4=?=\r\n"
    b"Content-Type: text/plain; charset=x-unknown\r\n\r\n\xff\x00",
    b"\x00" * 64,
)
# The inbound mail webhook's secret on every edge request, so its parser is reached too.
EDGE_HEADERS = {"Authorization": f"Bearer {INBOUND_SECRET}"}


def blocked(site: Site, response) -> bool:
    """Whether ``response`` turns the visitor away (no access, or a sign-in page)."""
    if response.status_code in (401, 403):
        return True
    if response.status_code not in (301, 302, 303):
        return False
    try:
        endpoint, _ = site.app.url_map.bind("localhost").match(urlsplit(response.location).path)
    except HTTPException:
        return False
    return endpoint in ("auth.login", "customers.find")


def deepest_role(site: Site, rule, method: str) -> str:
    """The first role (strangers first) that the route does not turn away."""
    forms = site.forms_for(rule.endpoint) or [{}]
    for role in ROLES:
        request = Request(role, method, sample_path(site, rule), "", {}, dict(forms[0]), "form")
        if method == "GET":
            request.body = request.content_type = None
        if not blocked(site, send(site, rule, request)):
            return role
    return ROLES[0]


def edge_requests(site: Site, rule, method: str, role: str):
    """Known troublemakers, one at a time, as the role that gets furthest: every path
    argument and every parameter the code reads hostile, each field of the route's form
    a file, NUL, a lone surrogate or huge, JSON of the wrong shape, lying content types."""
    plain = sample_path(site, rule)
    for name in sorted(rule.arguments):
        for value in EDGE_VALUES:
            yield Request(role, method, sample_path(site, rule, **{name: value}), "", {})
    for value in EDGE_VALUES:
        query = "&".join(f"{name}={value}" for name in site.param_names)
        yield Request(role, method, plain, query, {})
    yield Request(role, method, plain, "", {"Accept-Language": JUNK_HEADERS[2], "Host": "a b"})
    if method == "GET":
        return
    form = (site.forms_for(rule.endpoint) or [{}])[0]
    for name in sorted(form):
        for value in EDGE_FIELDS:
            yield Request(role, method, plain, "", {}, {**form, name: value}, "form")
    texts = {name: value for name, value in form.items()}
    for body in (
        *EDGE_JSON,
        json.dumps({k: 5 for k in texts}),
        json.dumps({k: [v, v] for k, v in texts.items()}),
    ):
        yield Request(role, method, plain, "", {}, body, "application/json")
    for content_type in (
        "multipart/form-data",
        "application/x-www-form-urlencoded; charset=utf-7",
        "text/plain",
    ):
        yield Request(role, method, plain, "", {}, b"body=%FF%00&x", content_type)


def fuzz_route(site: Site, rule, method: str, role: str, examples: int) -> None:
    """Run ``examples`` Hypothesis requests against one route and method as ``role``."""

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(_requests(site, rule, method, role))
    def run(request: Request) -> None:
        send(site, rule, request)

    run()


def describe(exc: BaseException) -> str:
    """The failure and the request Hypothesis shrank it to (each one of a group)."""
    if isinstance(exc, BaseExceptionGroup):
        return "\n".join(describe(sub) for sub in exc.exceptions)
    notes = "\n".join(getattr(exc, "__notes__", []))
    return f"{type(exc).__name__}: {str(exc)[:1500]}\n{notes[:1500]}"


def test_no_route_answers_any_input_with_a_server_error(tmp_path, articles_dir, built_index):
    site = build_site(tmp_path, articles_dir, built_index)
    failures = []
    for rule, method in routes(site.app):
        deep = deepest_role(site, rule, method)
        for request in edge_requests(site, rule, method, deep):
            try:
                send(site, rule, request)
            except Exception as exc:  # noqa: BLE001  (a 5xx, or an exception the app let out)
                failures.append(
                    f"{type(exc).__name__}: {str(exc)[:300]}\n    from {request}"[:1500]
                )
        for role in ROLES:
            try:
                fuzz_route(site, rule, method, role, EXAMPLES_PER_ROUTE)
            except Exception as exc:  # noqa: BLE001
                failures.append(f"{method} {rule.rule} as {role}: {describe(exc)}")
    assert not failures, "\n\n".join(failures)
    unfuzzed = [f"{m} {r.rule}" for r, m in routes(site.app) if not site.counts[(r.rule, m)]]
    assert not unfuzzed, f"routes neither fuzzed nor in SKIPPED: {unfuzzed}"
    assert sum(site.counts.values()) >= MIN_REQUESTS


def test_every_skipped_route_exists_and_says_why(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    for endpoint, reason in {**SKIPPED, **DOCUMENTED_503}.items():
        assert endpoint in endpoints, f"{endpoint} is listed but no longer a route"
        assert reason.strip()


def test_a_form_without_its_csrf_token_is_a_400_on_every_protected_route(
    tmp_path, articles_dir, built_index
):
    site = build_site(tmp_path, articles_dir, built_index)
    site.app.config["WTF_CSRF_ENABLED"] = True  # read per request; the sign-ins had it off
    csrf = site.app.extensions["csrf"]
    bodies = (
        ({"body": "text", "email": CUSTOMER}, "form"),
        ({"body": "text", "csrf_token": "forged"}, "form"),
        ({"body": ("file", b"x"), "csrf_token": ("file", b"x")}, "form"),
        ('{"body": "text"}', "application/json"),
    )
    for rule, method in routes(site.app):
        if method == "GET":
            continue
        view = site.app.view_functions[rule.endpoint]
        blueprint = site.app.blueprints.get(rule.endpoint.rpartition(".")[0])
        exempt = blueprint in csrf._exempt_blueprints or (
            f"{view.__module__}.{view.__name__}" in csrf._exempt_views
        )
        for role in ROLES:
            for body, content_type in bodies:
                request = Request(role, method, sample_path(site, rule), "", {}, body, content_type)
                response = send(site, rule, request)
                if not exempt:
                    assert response.status_code == 400, f"{response.status_code} from {request}"
