"""YAML parsing for articles' front matter and glossaries: libyaml's safe loader when PyYAML
was built with it (pure-Python parsing made every store reload of the sample site take 0.75 s,
90% of it the glossary), else PyYAML's own. Same documents, same errors."""

from __future__ import annotations

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str):
    """``yaml.safe_load``, fast."""
    return yaml.load(text, Loader=SafeLoader)  # nosec B506 - a safe loader
