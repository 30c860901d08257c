"""Per-locale text analysis: the same tokens for indexing, querying and highlighting.

* Korean: morphemes from kiwipiepy. Particles (조사) and endings (어미) are dropped and
  verbs are reduced to their stem, so "비밀번호를 재설정하려면" and "비밀번호 재설정"
  share every content token; spacing variants ("비밀번호재설정") split the same way.
* Languages with a Snowball stemmer (en, fr, de, es, ...): Whoosh's stemming analyzer.
* Japanese and Chinese (no spaces between words): overlapping character bigrams.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable
from functools import cache, lru_cache

from whoosh.analysis import (
    STOP_WORDS,
    Composable,
    LanguageAnalyzer,
    LowercaseFilter,
    RegexTokenizer,
    StemmingAnalyzer,
    Token,
    Tokenizer,
)

# Kiwi tags that carry meaning: nouns, numerals, verb/adjective stems, roots, foreign
# words, numbers, hanja, and the special "W_" tokens (URLs, e-mails, hashtags).
KOREAN_CONTENT_TAGS = frozenset(
    {"NNG", "NNP", "NNB", "NR", "VV", "VA", "XR", "SL", "SN", "SH", "W_URL", "W_EMAIL"}
)
CJK_BIGRAM_LOCALES = frozenset({"ja", "zh"})
# Whoosh's stop list plus the question words customers type ("how do I ..."): on StackFAQ
# keyword nDCG@10 0.884 -> 0.888, SciFact 0.672 -> 0.677, and shorter posting lists.
EN_STOP_WORDS = frozenset(STOP_WORDS) | {
    "how", "do", "does", "did", "i", "my", "me", "what", "why", "where", "which", "who",
    "there", "their", "its", "was", "were", "been", "has", "had", "but", "so", "than",
    "then", "also", "into", "our", "about", "would", "should", "could", "i'm", "get", "got",
}  # fmt: skip
SNOWBALL = {
    "da": "danish", "nl": "dutch", "fi": "finnish", "fr": "french", "de": "german",
    "hu": "hungarian", "it": "italian", "no": "norwegian", "pt": "portuguese",
    "ro": "romanian", "ru": "russian", "es": "spanish", "sv": "swedish", "tr": "turkish",
}  # fmt: skip


def base_locale(locale: str) -> str:
    """'ko-KR' -> 'ko', 'zh_Hans' -> 'zh'."""
    return re.split(r"[-_]", locale or "en")[0].lower()


# Texts up to this long (queries, their words, glossary terms, titles) keep their analysis
# in a bounded cache (a few MB): one Korean search asks for it from the keyword leg, the
# glossary in each locale and the translation. Longer texts (chunks) are analysed each time.
CACHED_ANALYSIS_CHARS = 256


class _Kiwi:
    """One process-wide Kiwi analyser, created on first use (loading it takes ~1 s)."""

    _instance = None
    _lock = threading.Lock()

    @classmethod
    def morphemes(cls, text: str) -> tuple[tuple[str, str, int, int], ...]:
        """(morpheme, tag, start, end) for every morpheme of ``text``."""
        if len(text) <= CACHED_ANALYSIS_CHARS:
            return cls._short_text(text)
        return cls._analyse(text)

    @classmethod
    def _analyse(cls, text: str) -> tuple[tuple[str, str, int, int], ...]:
        with cls._lock:
            if cls._instance is None:
                from kiwipiepy import Kiwi

                cls._instance = Kiwi()
            analysed = cls._instance.tokenize(text)
        return tuple(
            (t.form.lower(), t.tag.split("-")[0], t.start, t.start + t.len) for t in analysed
        )

    @classmethod
    @lru_cache(maxsize=4096)
    def _short_text(cls, text: str) -> tuple[tuple[str, str, int, int], ...]:
        return cls._analyse(text)

    @classmethod
    def tokens(cls, text: str, pieces: bool = True) -> list[tuple[str, int, int]]:
        """(morpheme, start, end) for the content morphemes of ``text``."""
        return _expand_nouns(cls.morphemes(text), pieces)


NOUN_TAGS = frozenset({"NNG", "NNP"})


def _expand_nouns(
    morphemes: Iterable[tuple[str, str, int, int]], pieces: bool = True
) -> list[tuple[str, int, int]]:
    """Content morphemes plus the compounds and bigrams that make noun splits agree.

    Kiwi splits "비밀번호를" into 비밀+번호 but keeps "비밀번호" whole; emitting the joined
    compound of adjacent nouns and the bigrams of long nouns (the ``pieces``) gives both
    forms the same terms.
    """
    out: list[tuple[str, int, int]] = []
    run: list[tuple[str, int, int]] = []

    def flush():
        if len(run) > 1:
            out.append(("".join(form for form, _, _ in run), run[0][1], run[-1][2]))
        run.clear()

    for form, tag, start, end in morphemes:
        if tag not in KOREAN_CONTENT_TAGS:
            flush()
            continue
        if tag in NOUN_TAGS:
            if run and run[-1][2] != start:
                flush()
            run.append((form, start, end))
        else:
            flush()
        out.append((form, start, end))
        if pieces and tag in NOUN_TAGS and len(form) >= 3:
            out.extend((form[i : i + 2], start + i, start + i + 2) for i in range(len(form) - 1))
    flush()
    return out


class KoreanTokenizer(Tokenizer):
    """A Whoosh tokenizer yielding Korean content morphemes (and Latin words as they are)."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for pos, (form, start, end) in enumerate(_Kiwi.tokens(value)):
            token.text = form
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class CjkBigramFilter(Composable):
    """Split runs of CJK ideographs/kana into overlapping bigrams; leave other words alone."""

    is_morph = False
    CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

    def __call__(self, tokens):
        for token in tokens:
            text = token.text
            if not self.CJK.search(text) or len(text) < 3:
                yield token
                continue
            start = getattr(token, "startchar", None)
            for i in range(len(text) - 1):
                token.text = text[i : i + 2]
                if start is not None:
                    token.startchar, token.endchar = start + i, start + i + 2
                yield token


WORDS = r"\w+(?:[.'’]\w+)*"
# Letters of each locale's writing system (Latin where not listed).
SCRIPT_LETTERS = {
    "ko": re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]"),
    "ja": re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]"),
    "zh": re.compile(r"[\u3400-\u9fff]"),
}
LATIN_LETTERS = re.compile(r"[A-Za-z\u00c0-\u024f]")


# Korean words are written in syllables; loose jamo alone ("ㅋㅋㅋ", "ㅎㅇ", "ㅠㅠ") are chat
# noise, not a question.
HANGUL_SYLLABLES = re.compile(r"[\uac00-\ud7a3]")


def written_in_script_of(text: str, locale: str) -> bool:
    """True when ``text`` has a letter of ``locale``'s writing system."""
    letters = SCRIPT_LETTERS.get(base_locale(locale), LATIN_LETTERS)
    return letters.search(normalize_text(text)) is not None


def has_words_of(text: str, locale: str) -> bool:
    """True when ``text`` has a word of ``locale``'s writing system: for Korean a syllable."""
    if base_locale(locale) == "ko":
        return HANGUL_SYLLABLES.search(normalize_text(text)) is not None
    return written_in_script_of(text, locale)


@cache
def analyzer_for(locale: str):
    """The Whoosh analyzer for ``locale`` (cached: analyzers are stateless)."""
    lang = base_locale(locale)
    if lang == "ko":
        return KoreanTokenizer() | LowercaseFilter()
    if lang in CJK_BIGRAM_LOCALES:
        return RegexTokenizer(WORDS) | LowercaseFilter() | CjkBigramFilter()
    if lang == "en":
        return StemmingAnalyzer(expression=WORDS, minsize=1, stoplist=EN_STOP_WORDS)
    if lang in SNOWBALL:
        return LanguageAnalyzer(lang)
    return RegexTokenizer(WORDS) | LowercaseFilter()


def normalize_text(text: str) -> str:
    """NFKC-normalize so full-width letters and compatibility jamo match their plain forms."""
    return unicodedata.normalize("NFKC", text or "")


# Korean words that stand alone in a dictionary: nouns and roots (one syllable is too
# ambiguous), and verbs or adjectives in their dictionary form ("사라지" -> "사라지다").
KOREAN_WORD_TAGS = frozenset({"NNG", "NNP", "XR"})
KOREAN_VERB_TAGS = frozenset({"VV", "VA"})
MIN_WORD_LENGTH = 3  # outside Korean: shorter words are mostly abbreviations or noise


def content_words(text: str, locale: str, *, one_syllable: bool = False) -> list[str]:
    """The meaning-bearing words of ``text`` in ``locale``'s script, as a dictionary lists
    them, each once in order; [] for Japanese and Chinese (no word boundaries to find).
    Words in another script (Latin in Korean text, digits) are :func:`foreign_words`.

    Korean nouns of one syllable (앱, 폰) only with ``one_syllable``: a glossary's terms
    need them, but the model's translations of them are mostly noise."""
    text = normalize_text(text)
    lang = base_locale(locale)
    if lang in CJK_BIGRAM_LOCALES:
        return []
    words: dict[str, None] = {}
    if lang == "ko":
        compound, end_of = "", -1  # nouns written together: "장바구니" is 장 + 바구니
        for form, tag, start, end in _Kiwi.morphemes(text):
            if tag in NOUN_TAGS:
                compound = compound + form if start == end_of else form
                end_of = end
                if len(compound) > len(form):
                    words.setdefault(compound, None)
            else:
                end_of = -1
            if tag in KOREAN_WORD_TAGS and len(form) >= (1 if one_syllable else 2):
                words.setdefault(form, None)
            elif tag in KOREAN_VERB_TAGS:
                words.setdefault(form + "다", None)
        return [w for w in words if written_in_script_of(w, locale)]
    for _, start, end in term_spans(text, locale):
        word = text[start:end].lower()
        if len(word) >= MIN_WORD_LENGTH and written_in_script_of(word, locale):
            words.setdefault(word, None)
    return list(words)


def dictionary_forms(text: str, locale: str) -> frozenset[str]:
    """The verbs and adjectives of a Korean ``text`` in dictionary form ("잠겨서" ->
    "잠기다"); empty in other languages, which are not analysed into stems."""
    if base_locale(locale) != "ko":
        return frozenset()
    morphemes = _Kiwi.morphemes(normalize_text(text))
    return frozenset(form + "다" for form, tag, _, _ in morphemes if tag in KOREAN_VERB_TAGS)


def ends_in_verb_ending(word: str) -> bool:
    """Whether Kiwi reads the Korean ``word`` as ending in a verb's ending ("느려지다":
    느리 + 어 + 지 + 다), not as a noun ("과다", excess) or with a particle ("시간마다")."""
    morphemes = _Kiwi.morphemes(normalize_text(word))
    return bool(morphemes) and morphemes[-1][1].startswith("E")


# What Kiwi reads after a stem: particles (J...), endings (E...) and suffixes (XS...).
GRAMMAR_TAG_PREFIXES = ("J", "E", "XS")


def misread_by_kiwi(word: str) -> bool:
    """Whether Kiwi takes the Korean ``word`` apart as it does a misspelt one: into pieces
    ending in neither a particle nor an ending ("환블" -> root 환 + auxiliary verb 블, of
    which only 환 is a term). A word as written is one morpheme or a stem with its particles
    and endings ("환불은" -> 환불 + 은, "언제", "되나요" -> 되 + 나요)."""
    morphemes = _Kiwi.morphemes(normalize_text(word))
    return len(morphemes) > 1 and not morphemes[-1][1].startswith(GRAMMAR_TAG_PREFIXES)


def foreign_words(text: str, locale: str) -> list[str]:
    """Words of ``text`` with no letter of ``locale``'s script ("Magento", "cron", "2.4.4"
    in a Korean question): every language's articles may contain them as they are."""
    letters = SCRIPT_LETTERS.get(base_locale(locale), LATIN_LETTERS)
    found: dict[str, None] = {}
    for word in re.findall(WORDS, normalize_text(text)):
        for piece in letters.split(word):  # "cron이": a particle written onto the word
            piece = piece.strip(".'’_")
            if piece:
                found.setdefault(piece, None)
    return list(found)


def tokenize(text: str, locale: str) -> list[str]:
    """The index terms of ``text`` in ``locale``."""
    return [t.text for t in analyzer_for(locale)(normalize_text(text))]


def whole_terms(terms: Iterable[str]) -> set[str]:
    """The ``terms`` that are no part of a longer one among them: of a Korean phrase's
    terms 상품권 / 상품 / 품권 (gift certificate and its pieces), 상품권 alone."""
    terms = set(terms)
    return {t for t in terms if not any(t != other and t in other for other in terms)}


@cache
def _word_pattern(locale: str):
    """The tokenizer regex of ``locale``'s analyzer when every later step maps one word to
    at most one term on its own (lowercase, stop words, stemming); else None (CJK bigrams
    split words; Korean, whose morphemes depend on context, never asks)."""
    if base_locale(locale) in CJK_BIGRAM_LOCALES:
        return None
    tokenizer = getattr(analyzer_for(locale), "items", [None])[0]
    return tokenizer.expression if isinstance(tokenizer, RegexTokenizer) else None


# Word -> index term (None: a stop word), per locale. A plain dict: through lru_cache, the
# per-word lookup made cutting ten snippets cost 2.5 ms of a 10k-article search; cleared
# when full rather than evicting one by one (one word is re-analysed in microseconds).
_WORD_TERMS: dict[str, dict[str, str | None]] = {}
WORD_TERMS_SIZE = 200_000


def _word_terms(locale: str) -> dict[str, str | None]:
    terms = _WORD_TERMS.setdefault(locale, {})
    if len(terms) > WORD_TERMS_SIZE:
        terms.clear()
    return terms


@lru_cache(maxsize=4096)
def term_spans(text: str, locale: str, pieces: bool = True) -> tuple[tuple[str, int, int], ...]:
    """(term, start, end) for each term of ``text``; offsets index into ``text`` itself.

    Without ``pieces``, long Korean nouns are not cut into the two-syllable pieces the index
    matches their compounds by: marked in a snippet, the piece "프트" of a query's
    "기프트카드" lit up inside "소프트웨어" (software).

    Cached: snippets of popular chunks are cut again and again. Where the analyzer works
    word by word, each distinct word is analysed once per process (a section's worth of
    Whoosh token objects cost ~2 ms); Korean analysis runs on the whole text.
    """
    if base_locale(locale) == "ko":  # what the Korean analyzer yields, without Whoosh
        return tuple(_Kiwi.tokens(text, pieces))
    pattern = _word_pattern(locale)
    if pattern is None:
        analyzer = analyzer_for(locale)
        return tuple((t.text, t.startchar, t.endchar) for t in analyzer(text, chars=True))
    terms = _word_terms(locale)
    analyzer = analyzer_for(locale)
    spans = []
    for match in pattern.finditer(text):
        word = match.group()
        term = terms.get(word, terms)  # the dict itself marks "not seen yet"
        if term is terms:
            term = terms[word] = next((t.text for t in analyzer(word)), None)
        if term is not None:
            spans.append((term, match.start(), match.end()))
    return tuple(spans)
