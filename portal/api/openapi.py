"""The OpenAPI 3.1 description of the public API (``GET /api/v1/openapi.json``).

Written by hand, next to the views it describes; ``tests/test_openapi.py`` fails when a
route under ``/api/v1`` is missing from it (or it names one that does not exist).
"""

from __future__ import annotations

from portal.search import MAX_QUERY_CHARS, MAX_RESULTS
from portal.tickets.forms import LIMITS
from portal.widget.answers import MAX_QUESTION_CHARS
from portal.widget.service import MAX_CONTEXT_CHARS

VERSION = "1.0.0"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR = _json(_ref("Error"), "Invalid parameters: the reason is in `error`.")
LIMITED = _json(
    _ref("Error"), "Too many requests from this client address; `Retry-After` says when."
)
NOT_FOUND = _json(_ref("Error"), "No such public article.")


def _locale(locales: tuple[str, ...], required: bool = False) -> dict:
    return {
        "name": "locale",
        "in": "query",
        "required": required,
        "description": "The reader's language (default: the site's default locale).",
        "schema": {"type": "string", "enum": list(locales)},
    }


def _schemas(locales: tuple[str, ...]) -> dict:
    locale = {"type": "string", "enum": list(locales)}
    label = {
        "type": ["string", "null"],
        "description": "The article's language named in the reader's, when they differ "
        '("영어" for an English article on `ko`): the label the site shows.',
    }
    listed = {
        "type": "object",
        "required": ["id", "locale", "locale_name", "title", "url"],
        "properties": {
            "id": {"type": "string"},
            "locale": locale,
            "locale_name": label,
            "title": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
        },
    }
    return {
        "Error": {
            "type": "object",
            "properties": {"error": {"type": "string"}},
            "required": ["error"],
        },
        "FieldErrors": {
            "type": "object",
            "properties": {
                "errors": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "A readable message per invalid field.",
                }
            },
            "required": ["errors"],
        },
        "SearchHit": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "locale": locale,
                "locale_name": {"type": "string"},
                "title": {"type": "string"},
                "url": {"type": "string", "description": "Relative URL, at the section."},
                "snippet": {
                    "type": "string",
                    "description": "HTML-escaped text; matched words in <mark>.",
                },
                "category": {"type": "string"},
                "score": {"type": "number"},
                "cross_lingual": {"type": "boolean"},
            },
        },
        "SearchResults": {
            "type": "object",
            "properties": {
                "query": {"type": "string"},
                "locale": locale,
                "mode": {"type": "string", "enum": ["hybrid", "keyword", "dense"]},
                "degraded": {"type": ["string", "null"]},
                "total": {"type": "integer"},
                "results": {"type": "array", "items": _ref("SearchHit")},
            },
        },
        "Article": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "locale": locale,
                "requested_locale": locale,
                "fallback": {"type": "boolean"},
                "locale_name": label,
                "title": {"type": "string"},
                "category": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "updated": {"type": ["string", "null"], "format": "date"},
                "html": {"type": "string", "description": "Sanitized HTML of the article."},
                "url": {"type": "string"},
                "translations": {"type": "array", "items": locale},
            },
        },
        "NewTicket": {
            "type": "object",
            "required": ["email", "name", "subject", "description"],
            "properties": {
                "email": {"type": "string", "format": "email", "maxLength": LIMITS["email"]},
                "name": {"type": "string", "maxLength": LIMITS["name"]},
                "subject": {"type": "string", "minLength": 2, "maxLength": LIMITS["subject"]},
                "description": {
                    "type": "string",
                    "minLength": 5,
                    "maxLength": LIMITS["description"],
                },
                "locale": locale,
                "category": {"type": "string"},
                "channel": {"type": "string", "enum": ["api", "widget"], "default": "api"},
                "articles_shown": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "Ids of the articles the customer was shown first.",
                },
            },
        },
        "FiledTicket": {
            "type": "object",
            "properties": {
                "reference": {"type": "string", "examples": ["HM-7K3F9QX"]},
                "url": {"type": "string", "format": "uri", "description": "The private link."},
            },
        },
        "ListedArticle": listed,
        "WidgetStart": {
            "type": "object",
            "properties": {
                "locale": locale,
                "strings": {"type": "object", "additionalProperties": {"type": "string"}},
                "listing": {"type": "string", "enum": ["popular", "category", "context"]},
                "articles": {"type": "array", "items": _ref("ListedArticle")},
                "contact_url": {"type": "string", "format": "uri"},
            },
        },
        "Question": {
            "type": "object",
            "required": ["question"],
            "properties": {
                "question": {"type": "string", "minLength": 1, "maxLength": MAX_QUESTION_CHARS},
                "locale": locale,
            },
        },
        "BotAnswer": {
            "type": "object",
            "properties": {
                "question": {"type": "string"},
                "locale": locale,
                "answered": {
                    "type": "boolean",
                    "description": "false: no good answer (confidence under the line).",
                },
                "confidence": {"type": "number", "minimum": 0},
                "answer": {
                    "oneOf": [
                        {"type": "null"},
                        {
                            "allOf": [
                                _ref("ListedArticle"),
                                {
                                    "type": "object",
                                    "properties": {
                                        "heading": {"type": "string"},
                                        "anchor": {"type": "string"},
                                        "passage": {
                                            "type": "string",
                                            "description": "The section's text, quoted.",
                                        },
                                    },
                                },
                            ]
                        },
                    ]
                },
                "more": {"type": "array", "maxItems": 2, "items": _ref("ListedArticle")},
                "mode": {"type": "string"},
                "degraded": {"type": ["string", "null"]},
            },
        },
        "CustomerMessage": {
            "type": "object",
            "required": ["body"],
            "properties": {"body": {"type": "string", "maxLength": LIMITS["description"]}},
        },
        "AnswerFeedback": {
            "type": "object",
            "required": ["question", "article_id", "helpful"],
            "properties": {
                "question": {"type": "string", "maxLength": MAX_QUESTION_CHARS},
                "locale": locale,
                "article_id": {"type": "string"},
                "article_locale": locale,
                "helpful": {"type": "boolean"},
            },
        },
    }


def openapi_document(server_url: str, locales: tuple[str, ...]) -> dict:
    """The whole public API as an OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Help center public API",
            "version": VERSION,
            "description": "Search, articles, the answer bot and tickets, for apps, "
            "widgets and other channels. Limits are per client address; no cookies. "
            "Browsers may call it from the origins listed in PORTAL_WIDGET_ORIGINS.",
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/api/v1/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Search public articles (the site's ranking).",
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "schema": {"type": "string", "maxLength": MAX_QUERY_CHARS},
                        },
                        _locale(locales),
                        {"name": "category", "in": "query", "schema": {"type": "string"}},
                        {
                            "name": "limit",
                            "in": "query",
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": MAX_RESULTS,
                                "default": 10,
                            },
                        },
                        {
                            "name": "offset",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 0, "maximum": 10000},
                        },
                    ],
                    "responses": {
                        "200": _json(_ref("SearchResults"), "Results in ranking order."),
                        "400": ERROR,
                        "429": LIMITED,
                    },
                }
            },
            "/api/v1/articles/{article_id}": {
                "get": {
                    "operationId": "getArticle",
                    "summary": "One public article, in the locale or the best other one.",
                    "parameters": [
                        {
                            "name": "article_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        _locale(locales),
                    ],
                    "responses": {
                        "200": _json(_ref("Article"), "The article."),
                        "400": ERROR,
                        "404": NOT_FOUND,
                        "429": LIMITED,
                    },
                }
            },
            "/api/v1/tickets": {
                "post": {
                    "operationId": "fileTicket",
                    "summary": "File a ticket (the contact form's validation).",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "description": "The same key and content file one ticket.",
                            "schema": {"type": "string", "maxLength": 56},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("NewTicket")}},
                    },
                    "responses": {
                        "201": _json(_ref("FiledTicket"), "Filed."),
                        "200": _json(_ref("FiledTicket"), "Already filed under this key."),
                        "400": _json(_ref("FieldErrors"), "Invalid fields."),
                        "429": LIMITED,
                        "503": _json(_ref("Error"), "Not stored; retry later."),
                    },
                }
            },
            "/api/v1/widget": {
                "get": {
                    "operationId": "widgetStart",
                    "summary": "The widget's strings and first list of articles.",
                    "parameters": [
                        {
                            "name": "locale",
                            "in": "query",
                            "description": "The page's language; one the site lacks gets "
                            "the default.",
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "context",
                            "in": "query",
                            "description": "A category key or a few words about the page.",
                            "schema": {"type": "string", "maxLength": MAX_CONTEXT_CHARS},
                        },
                    ],
                    "responses": {
                        "200": _json(_ref("WidgetStart"), "Strings and articles."),
                        "400": ERROR,
                        "429": LIMITED,
                    },
                }
            },
            "/api/v1/answers": {
                "post": {
                    "operationId": "answerQuestion",
                    "summary": "The answer bot: the best passage of our articles, or none.",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("Question")}},
                    },
                    "responses": {
                        "200": _json(_ref("BotAnswer"), "The answer (or answered: false)."),
                        "400": ERROR,
                        "429": LIMITED,
                    },
                }
            },
            "/api/v1/answers/feedback": {
                "post": {
                    "operationId": "answerFeedback",
                    "summary": '"Did this answer your question?" (yes counts a deflection).',
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("AnswerFeedback")}},
                    },
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "recorded": {"type": ["string", "null"]},
                                    "next": {"type": "string"},
                                },
                            },
                            "Recorded.",
                        ),
                        "400": ERROR,
                        "429": LIMITED,
                    },
                }
            },
            "/api/v1/tickets/{token}/events": {
                "get": {
                    "operationId": "ticketEvents",
                    "summary": "The ticket's conversation, live (Server-Sent Events).",
                    "description": "Each `message` event carries JSON {id, author, html}; "
                    "a stream ends after a few seconds and EventSource reconnects with "
                    "Last-Event-ID.",
                    "parameters": [
                        {
                            "name": "token",
                            "in": "path",
                            "required": True,
                            "description": "The token of the ticket's private link.",
                            "schema": {"type": "string"},
                        },
                        {"name": "after", "in": "query", "schema": {"type": "integer"}},
                        {"name": "Last-Event-ID", "in": "header", "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": {
                            "description": "An event stream.",
                            "content": {"text/event-stream": {"schema": {"type": "string"}}},
                        },
                        "404": _json(_ref("Error"), "No such ticket."),
                        "429": LIMITED,
                    },
                }
            },
            "/api/v1/tickets/{token}/messages": {
                "post": {
                    "operationId": "ticketMessage",
                    "summary": "The customer writes more in the ticket's conversation.",
                    "parameters": [
                        {
                            "name": "token",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("CustomerMessage")}},
                    },
                    "responses": {
                        "201": _json({"type": "object"}, "Stored ({id})."),
                        "400": ERROR,
                        "404": _json(_ref("Error"), "No such ticket."),
                        "429": LIMITED,
                        "503": _json(_ref("Error"), "Not stored; retry later."),
                    },
                }
            },
            "/api/v1/inbound/email": {
                "post": {
                    "operationId": "inboundEmail",
                    "summary": "Mail providers: post one raw RFC 5322 message.",
                    "security": [{"inboundSecret": []}],
                    "requestBody": {
                        "required": True,
                        "content": {"message/rfc822": {"schema": {"type": "string"}}},
                    },
                    "responses": {
                        "202": _json({"type": "object"}, "Ingested (outcome, reference)."),
                        "200": _json({"type": "object"}, "Already ingested."),
                        "400": ERROR,
                        "401": _json(_ref("Error"), "Missing or wrong bearer secret."),
                        "413": _json(_ref("Error"), "Over INBOUND_MAX_BYTES."),
                        "429": LIMITED,
                        "503": _json(_ref("Error"), "Not stored; retry later."),
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1.")},
                }
            },
        },
        "components": {
            "schemas": _schemas(locales),
            "securitySchemes": {
                "inboundSecret": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "PORTAL_INBOUND_SECRET",
                }
            },
        },
    }
