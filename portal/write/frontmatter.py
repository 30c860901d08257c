"""An edited article's file text, changed only where the writer changed something.

Dumping the whole front matter again on every save restyled what nobody touched
(``tags: [a, b]`` became a block list, comments and quoting went, absent defaults such as
``visibility: public`` appeared), so every save made a noisy git diff. :func:`rewrite` keeps
each top-level key's original lines while its value is the same, writes only the keys whose
value changed, drops removed keys, appends new ones (not an absent key's default), and keeps
the body byte for byte when its text is the same. A file it cannot map key by key (a flow
mapping, duplicate keys, CRLF line endings) is written whole, as :func:`serialize_article`
does.
"""

from __future__ import annotations

import yaml

from indexer import yamltext
from portal.store import FRONT_MATTER, Article, front_matter, serialize_article

# What parse_article reads when a key is absent: writing it would change nothing.
ABSENT_DEFAULTS = {"tags": [], "status": "published", "visibility": "public"}
TEXT_KEYS = ("id", "title", "locale", "category", "status", "visibility")


def rewrite(original_text: str | None, article: Article, *, normalize_body=None) -> str:
    """The file text of ``article`` as an edit of ``original_text`` (see the module doc).

    ``normalize_body`` maps a body to the form ``article.body`` has (the editor's), to tell
    whether the writer changed the body at all."""
    whole = serialize_article(article)
    if not original_text or "\r" in original_text:
        return whole
    match = FRONT_MATTER.match(original_text)
    if not match:
        return whole
    front = match.group(1) + "\n"
    segments = _segments(front)
    try:
        old = yamltext.safe_load(front)
    except yaml.YAMLError:
        return whole
    if segments is None or not isinstance(old, dict):
        return whole
    if any(key not in old for key, _text, _flow in segments[1]):  # a key YAML reads as a non-string
        return whole
    prefix, keyed = segments
    new = front_matter(article)
    lines = [prefix]
    for key, text, flow in keyed:
        if key not in new:
            continue  # removed
        lines.append(text if _same(key, old[key], new[key]) else _dump(key, new[key], flow))
    for key, value in new.items():
        if key not in old and not (key in ABSENT_DEFAULTS and value == ABSENT_DEFAULTS[key]):
            lines.append(_dump(key, value))
    old_body = original_text[match.end() :]
    same_body = normalize_body is not None and normalize_body(old_body) == article.body
    if same_body:
        body = old_body
    else:  # the blank lines the file had after the front matter, then the new text
        body = old_body[: len(old_body) - len(old_body.lstrip("\n"))] + article.body
    return "---\n" + "".join(lines) + "---\n" + body


def _segments(front: str) -> tuple[str, list[tuple[str, str, bool]]] | None:
    """The text before the first key, then each top-level key with its lines (its value,
    and comments up to the next key) and whether its value was written in flow style
    (``[a, b]``); None when keys cannot be told apart by lines."""
    try:
        node = yaml.compose(front, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(node, yaml.MappingNode) or node.flow_style:
        return None
    starts = []
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.start_mark.column != 0:
            return None
        flow = bool(getattr(value_node, "flow_style", False))
        starts.append((key_node.value, key_node.start_mark.index, flow))
    keys = [key for key, _start, _flow in starts]
    if len(set(keys)) != len(keys):
        return None
    if not starts:
        return front, []
    bounds = [start for _key, start, _flow in starts] + [len(front)]
    keyed = [
        (key, front[bounds[i] : bounds[i + 1]], flow) for i, (key, _s, flow) in enumerate(starts)
    ]
    return front[: bounds[0]], keyed


def _same(key: str, old, new) -> bool:
    """Whether a key's value is unchanged, as parse_article reads it."""
    if key in TEXT_KEYS:
        return old is not None and str(old).strip() == new
    if key == "tags" and isinstance(old, str):
        return [t.strip() for t in old.split(",") if t.strip()] == list(new)
    if key == "tags" and isinstance(old, list):
        return [str(t).strip() for t in old if str(t).strip()] == list(new)
    return type(old) is type(new) and old == new


def _dump(key: str, value, flow: bool = False) -> str:
    """One key as YAML lines; a list or mapping that was ``[a, b]`` stays in that style."""
    style = None if flow else False  # None: flow style for collections of scalars
    return yaml.safe_dump(
        {key: value}, allow_unicode=True, sort_keys=False, default_flow_style=style
    )
