"""Equivalent search terms, written by the site's writers (``articles/glossary.yml``).

Each entry is one concept with its terms per locale::

    - en: [password, passcode]
      ko: [비밀번호, 비번, 패스워드]

A query using any term of an entry also searches for the entry's other terms: in its own
language (a customer's "비번" finds articles saying "비밀번호"; "2fa" finds "two-step
verification") and in another locale's keyword index (a Korean question's "장바구니" finds
English articles about the cart). The multilingual model translates single words roughly
(:mod:`indexer.lexicon`: "계정" -> "www", "주문" -> "catalog"); a glossary is what a
help center's writers keep anyway for consistent translations, and it is exact.

A query names a term when it holds the term's index terms (:func:`~indexer.analyzers.tokenize`)
and its words as written: "비밀번호를" names "비밀번호" and "orders" names "order", but
"동기화" (synchronisation) does not name "비동기" (asynchronous), whose index term is 동기.
A Korean verb or adjective written in dictionary form is named in every conjugation:
"잠기다" (to be locked) by "잠겨서", "잠겼어요" and "잠긴", where the noun form "잠김" is
named only as written (a writer who lists "알리다" for notifications would also catch
every "알려주세요", please tell me: which verbs to list is the writers' choice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import zip_longest
from pathlib import Path
from typing import NamedTuple

import yaml

from indexer import yamltext
from indexer.analyzers import (
    base_locale,
    content_words,
    dictionary_forms,
    ends_in_verb_ending,
    normalize_text,
    tokenize,
    whole_terms,
    written_in_script_of,
)

MAX_ENTRIES = 10_000
MAX_TERM_CHARS = 80
# Equivalents added to one query per locale: those of the concepts it names that come
# first in the file (ordering them by their place in the query lost answers).
MAX_EQUIVALENTS = 12


class GlossaryError(ValueError):
    """The glossary file cannot be read at all (its valid entries are kept otherwise)."""


@lru_cache(maxsize=4096)  # a query's words recur: each is looked up once per locale
def term_key(text: str, locale: str) -> frozenset[str]:
    """The index terms of ``text`` a glossary term must find in a query.

    Korean keeps only whole words: its analyzer also indexes two-syllable pieces of words
    it does not know ("페이지빌더" -> "페이", "이지"...), and a term "페이" (pay) must not be
    found in "페이지" (page). A verb's stem of two syllables or more counts as a word, so
    that terms such as "잠김" (locked) or "튕김" (crashing) can be found at all; one-syllable
    stems (하, 되) are in too many queries."""
    tokens = set(tokenize(text, locale))
    if base_locale(locale) == "ko":
        words = set(content_words(text, locale, one_syllable=True))
        tokens = {
            t
            for t in tokens
            if t in words
            or (len(t) >= 2 and t + "다" in words)
            or not written_in_script_of(t, locale)
        }
    return frozenset(tokens)


def _misread_verb(term: str, locale: str) -> bool:
    """Whether a word of a Korean ``term`` ends in a verb's ending "-다" but is not one
    verb in dictionary form as analysed."""
    if base_locale(locale) != "ko":
        return False
    verbs = dictionary_forms(term, locale)
    return any(
        word.endswith("다") and word not in verbs and ends_in_verb_ending(word)
        for word in term.split()
    )


def _own_key(term: str, locale: str) -> frozenset[str]:
    """What a query must contain to use ``term``: its key without the pieces of its
    compounds. Korean analysis depends on the context: "비밀번호" alone is 비밀 + 번호 +
    비밀번호, before "비번" it is 비밀번호 alone, and both queries name the term."""
    return frozenset(whole_terms(term_key(term, locale)))


@dataclass
class Glossary:
    """Concepts, each a mapping of locale to its terms."""

    entries: tuple[dict[str, tuple[str, ...]], ...] = ()
    _terms: dict[str, _Terms] = field(default_factory=dict, repr=False)

    @cached_property
    def locales(self) -> list[str]:
        """Every locale some entry has terms in (asked by every search)."""
        return sorted({locale for entry in self.entries for locale in entry})

    @classmethod
    def parse(cls, data, source: str = "glossary") -> tuple[Glossary, list[str]]:
        """A glossary from loaded YAML, and a problem per entry that had to be skipped."""
        if data is None:
            return cls(), []
        if not isinstance(data, list):
            raise GlossaryError(f"{source}: expected a list of entries")
        entries, problems = [], []
        for number, item in enumerate(data[:MAX_ENTRIES], start=1):
            entry, problem = _entry(item)
            if problem:
                problems.append(f"{source}: entry {number}: {problem}")
            else:
                entries.append(entry)
        if len(data) > MAX_ENTRIES:
            problems.append(f"{source}: only the first {MAX_ENTRIES} entries are used")
        return cls(tuple(entries)), problems

    @classmethod
    def load(cls, path: Path) -> tuple[Glossary, list[str]]:
        """The glossary in ``path`` (none when the file is missing)."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(), []
        except (OSError, UnicodeDecodeError) as exc:
            raise GlossaryError(f"{path}: cannot be read ({exc})") from exc
        try:
            data = yamltext.safe_load(text)
        except yaml.YAMLError as exc:
            raise GlossaryError(f"{path}: not valid YAML ({exc})") from exc
        return cls.parse(data, str(path))

    def __len__(self) -> int:
        return len(self.entries)

    def unfindable(self) -> list[tuple[str, str]]:
        """(locale, term) for each term no query can name: its analysis leaves no word to
        look for (Korean "켜기", whose verb stem has one syllable; English "the"), or a
        Korean verb in dictionary form is read as several ("느려지다": 느리다 + 지다), so
        no conjugation names it."""
        return [
            (locale, term)
            for entry in self.entries
            for locale, terms in entry.items()
            for term in terms
            if not _own_key(term, locale) or _misread_verb(term, locale)
        ]

    def _terms_of(self, locale: str) -> _Terms:
        """``locale``'s terms, analysed once, looked up by index term and by entry."""
        terms = self._terms.get(locale)
        if terms is None:
            terms = _Terms({}, {})
            for number, entry in enumerate(self.entries):
                for term in entry.get(locale, ()):
                    if key := _own_key(term, locale):
                        found = (number, term, key)
                        terms.by_entry.setdefault(number, []).append(found)
                        for token in key:
                            terms.by_token.setdefault(token, []).append(found)
            self._terms[locale] = terms
        return terms

    def equivalents(self, text: str, target: str) -> list[str]:
        """``target``'s terms for the concepts ``text`` names in any locale, except the
        terms ``text`` already contains; at most :data:`MAX_EQUIVALENTS`."""
        return every_term(self.concepts(text, target))

    def concepts(self, text: str, target: str) -> list[tuple[str, ...]]:
        """Per concept ``text`` names in any locale, in the file's order: ``target``'s terms
        for it, writers' preferred first, except the terms ``text`` already contains."""
        if not self.entries or not text.strip():
            return []
        named: dict[int, set[str]] = {}  # entry -> its terms the text names
        said = term_key(text, target)
        written = normalize_text(text).lower()
        conjugated: set[str] = set()  # the text's verbs in dictionary form
        for locale in self.locales:
            if locale != target and not written_in_script_of(text, locale):
                continue  # no Korean term in "password reset" (nor Kiwi's 500 MB to learn it)
            words = said if locale == target else term_key(text, locale)
            verbs = dictionary_forms(text, locale)
            conjugated |= verbs
            by_token = self._terms_of(locale).by_token
            for token in words:
                for number, term, key in by_token.get(token, ()):
                    if key <= words and all(
                        word in written or word in verbs for word in term.split()
                    ):
                        named.setdefault(number, set()).add(term)
        by_entry = self._terms_of(target).by_entry
        concepts = (
            tuple(term for _, term, key in by_entry.get(number, ()) if not key <= said)
            for number in sorted(_standing_alone(named, written, conjugated))
        )
        return [terms for terms in concepts if terms]


def every_term(concepts: list[tuple[str, ...]]) -> list[str]:
    """The terms of ``concepts``, each once, at most :data:`MAX_EQUIVALENTS`."""
    return list(dict.fromkeys(term for terms in concepts for term in terms))[:MAX_EQUIVALENTS]


def terms_by_rank(concepts: list[tuple[str, ...]]) -> list[str]:
    """Every concept's first term, then every one's second..., each once, at most
    :data:`MAX_EQUIVALENTS`: as many concepts as the cap allows, preferred terms first."""
    ranked = (term for terms in zip_longest(*concepts) for term in terms if term)
    return list(dict.fromkeys(ranked))[:MAX_EQUIVALENTS]


def _standing_alone(named: dict[int, set[str]], written: str, verbs: set[str]) -> set[int]:
    """The entries of ``named`` with a term written outside every longer word of a named
    term holding it: "비활성화" (disable) holds 활성화 (enable), and Kiwi reads it as 비 +
    활성화, but names the enable entry only where 활성화 is written on its own. Whole words
    of a phrase still count ("cancel order" names "cancel" and "order" too), and so do the
    ``verbs`` of the text in dictionary form, which are not written as such."""
    longer_words = {word for terms in named.values() for term in terms for word in term.split()}

    def stands_alone(term: str) -> bool:
        rest = written
        for word in longer_words:
            if term != word and term in word:
                rest = rest.replace(word, " ")
        return all(word in rest or word in verbs for word in term.split())

    return {number for number, terms in named.items() if any(map(stands_alone, terms))}


class _Terms(NamedTuple):
    """One locale's glossary terms as (entry number, term, key)."""

    by_token: dict[str, list[tuple[int, str, frozenset[str]]]]
    by_entry: dict[int, list[tuple[int, str, frozenset[str]]]]


def _entry(item) -> tuple[dict[str, tuple[str, ...]], str | None]:
    """One entry checked: its terms per locale, or why it is skipped."""
    if not isinstance(item, dict) or not item:
        return {}, "expected a mapping of locale to terms"
    entry: dict[str, tuple[str, ...]] = {}
    for locale, terms in item.items():
        if not isinstance(locale, str) or not locale.replace("-", "").isalnum():
            return {}, f"{locale!r} is not a locale"
        terms = [terms] if isinstance(terms, str) else terms
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            return {}, f"{locale}: expected a list of terms"
        cleaned = [" ".join(normalize_text(t).split()).lower() for t in terms]
        if any(not t or len(t) > MAX_TERM_CHARS for t in cleaned):
            return {}, f"{locale}: empty term, or one longer than {MAX_TERM_CHARS} characters"
        entry[locale] = tuple(dict.fromkeys(cleaned))
    if sum(len(terms) for terms in entry.values()) < 2:
        return {}, "an entry needs two terms at least"
    return entry, None
