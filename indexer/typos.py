"""Typo tolerance: the indexed words a misspelt query word may mean.

Latin and other alphabets are tried one edit away with the vocabulary's most used letters
(:func:`one_edit_away`). Korean is matched letter by letter: a one-key typo replaces a whole
Hangul syllable, one character of 11,172, but only one of the 2-3 jamo typed for it
(:func:`jamo`), so Korean words are looked up in a deletion index of their jamo
(:class:`HangulTypos`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

# Korean words whose typos are looked up letter by letter (one syllable is too ambiguous).
HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]{2,6}")
# A Hangul syllable is 0xAC00 + (initial * 21 + vowel) * 28 + final (Unicode 3.12).
HANGUL_FIRST, HANGUL_COUNT = 0xAC00, 11172
INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
FINALS = ("", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ")


def one_edit_away(word: str, alphabet: str, prefix: int = 1) -> set[str]:
    """Every string one deletion, transposition, replacement or insertion from ``word``,
    its first ``prefix`` characters unchanged (typos rarely hit the first letter)."""
    head, tail = word[:prefix], word[prefix:]
    splits = [(tail[:i], tail[i:]) for i in range(len(tail) + 1)]
    variants = {a + b[1:] for a, b in splits if b}
    variants |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    variants |= {a + c + b[1:] for a, b in splits if b for c in alphabet}
    variants |= {a + c + b for a, b in splits for c in alphabet}
    variants.discard(tail)
    return {head + variant for variant in variants}


def jamo(word: str) -> str:
    """``word`` with each Hangul syllable spelt out as the 2-3 letters typed for it
    ("환불" -> "ㅎㅘㄴㅂㅜㄹ"): a one-key typo replaces a whole syllable but only one of these.
    A consonant is the same letter at either end of a syllable, as on the keyboard."""
    letters = []
    for char in word:
        code = ord(char) - HANGUL_FIRST
        if 0 <= code < HANGUL_COUNT:
            initial, rest = divmod(code, len(VOWELS) * len(FINALS))
            vowel, final = divmod(rest, len(FINALS))
            letters += (INITIALS[initial], VOWELS[vowel], FINALS[final])
        else:
            letters.append(char)
    return "".join(letters)


def with_one_deleted(letters: str) -> set[str]:
    """``letters`` itself and every string one letter shorter."""
    return {letters} | {letters[:i] + letters[i + 1 :] for i in range(len(letters))}


def one_letter_apart(a: str, b: str) -> bool:
    """Whether one insertion, deletion or replacement turns ``a`` into ``b``."""
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1 or a == b:
        return False
    first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    skip_a = first + 1 if len(a) == len(b) else first
    return a[skip_a:] == b[first + 1 :]


class HangulTypos:
    """Korean words one jamo away from a query word, found through SymSpell's deletion
    index (Garbe 2012): two strings one edit apart share a string made by deleting at
    most one letter from each, so a query probes its few deletions instead of trying
    every letter at every position. The deletions are kept as sorted 64-bit hashes (a
    collision only adds a candidate that the final distance check drops): on autorag_ko's
    16.7k Korean words, 144k deletions take 1.9 MB (27 MB as a dict of strings), ~0.2 s
    to build, ~40 us per word looked up."""

    def __init__(self, words: Iterable[str]):
        self.words = list(words)
        hashes, owners = [], []
        for owner, word in enumerate(self.words):
            for key in with_one_deleted(jamo(word)):
                hashes.append(hash(key))
                owners.append(owner)
        keys = np.array(hashes, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        self._hashes = keys[order]
        self._owners = np.array(owners, dtype=np.int32)[order]

    def near(self, word: str) -> set[str]:
        """The words one jamo inserted, deleted or replaced away from ``word``."""
        letters = jamo(word)
        probes = np.array([hash(key) for key in with_one_deleted(letters)], dtype=np.int64)
        starts = np.searchsorted(self._hashes, probes, side="left")
        ends = np.searchsorted(self._hashes, probes, side="right")
        found = {
            self.words[o] for s, e in zip(starts, ends, strict=True) for o in self._owners[s:e]
        }
        return {w for w in found if one_letter_apart(letters, jamo(w))}
