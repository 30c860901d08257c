"""Every user-visible string has a Korean translation (an untranslated one shows English on
Korean pages, as flask-login's sign-in prompt once did)."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "_pl": ((1, "c"), 2)}


def source_messages() -> set[str]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = set()
    for _, _, message, _, _ in extract_from_dir(ROOT, method_map, options_map, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_string_of_the_code_and_templates_is_translated_into_korean():
    with (ROOT / "portal/translations/ko/LC_MESSAGES/messages.po").open("rb") as po:
        catalog = read_po(po)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.string}
    missing = sorted(source_messages() - translated)
    assert not missing, f"untranslated: {missing} (see README: translations)"


def test_no_message_is_translated_twice():
    """A second entry for one msgid (easy to add at the end of the file) silently loses."""
    ids = []
    entry = []
    for line in (ROOT / "portal/translations/ko/LC_MESSAGES/messages.po").read_text().splitlines():
        if line.startswith("msgctxt") or line.startswith("msgid "):
            entry.append(line)
        elif line.startswith('"') and entry:
            entry.append(line)
        elif entry:
            ids.append("\n".join(entry))
            entry = []
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"translated twice: {duplicates}"
