"""Citation keys a person would pick (``wang2012safety``), stable across exports.

A manuscript cites ``\\cite{wang2012safety}`` for months; if the next export renamed that key
because other records were exported with it, the manuscript would break. So keys are computed
here by a pure function and *pinned* in user state by the caller: a record that already has a
pinned key keeps it, and a new record's key is suffixed (``a``, ``b``, …) against every key
already pinned, never against whatever happens to be in the current export only.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping

from mscterm.model import Record, Trial, fold_ascii

DEFAULT_TEMPLATE = "{author}{year}{word}"
TEMPLATE_FIELDS = ("author", "year", "word", "pmid")

_STOP = (
    "a an the of on in for and or to with by from is are its it at as into via vs versus"
    " be not do does can how what why when which who this that these those our we"
)
_STOP_FOREIGN = "de la le les el des du der die das und"
STOP_WORDS = frozenset(f"{_STOP} {_STOP_FOREIGN}".split(" "))
"""Words never used as the title word of a key (English plus the commonest foreign articles)."""

_LITERAL_OK = re.compile(r"^[A-Za-z0-9_:.+\-]*$")
_WORD = re.compile(r"[A-Za-z0-9]+")
_LETTERS = re.compile(r"[^a-z]+")
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_:.+\-]+")
_KEY_OK = re.compile(r"^[A-Za-z0-9_:.+\-]{1,100}$")


def is_valid_key(key: object) -> bool:
    """Whether ``key`` follows the key rules: letters, digits and ``_:.+-``, at most 100.

    Every key written into ``@type{key,`` passes here, whatever its origin: a pinned key read
    back from ``state.json`` could have been edited into ``x{}\\input{/etc/passwd}``.
    """
    return isinstance(key, str) and _KEY_OK.match(key) is not None


def usable_pins(pinned: Mapping[str, object]) -> dict[str, str]:
    """The pinned keys that pass :func:`is_valid_key` (the others are made again)."""
    return {rid: key for rid, key in pinned.items() if isinstance(key, str) and is_valid_key(key)}


class TemplateError(ValueError):
    """The configured ``citekey_template`` cannot be used; the message says why and how to fix."""


def validate_template(template: str) -> None:
    """Raise :class:`TemplateError` unless ``template`` renders keys BibTeX and biber accept.

    Checked once up front so a typo in config.toml gives one clear line, not odd keys in a .bib.
    """
    hint = "use fields {author} {year} {word} {pmid} and letters, digits or _:.+- between them"
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise TemplateError(f"citekey_template {template!r} is malformed ({exc}); {hint}") from None
    fields = 0
    for literal, name, spec, conversion in parts:
        if not _LITERAL_OK.match(literal):
            raise TemplateError(
                f"citekey_template {template!r} has characters not allowed in a key; {hint}"
            )
        if name is None:
            continue
        if name not in TEMPLATE_FIELDS:
            raise TemplateError(f"citekey_template {template!r}: unknown field {{{name}}}; {hint}")
        if spec or conversion:
            raise TemplateError(
                f"citekey_template {template!r}: format specs are not supported; {hint}"
            )
        fields += 1
    if not fields:
        raise TemplateError(f"citekey_template {template!r} has no field; {hint}")


def _ascii(text: str) -> str:
    return text if text.isascii() else fold_ascii(text)


def author_part(record: Record) -> str:
    """First author's family name, or a collective's first significant word, as ASCII letters."""
    if not record.authors:
        return "anon"
    first = record.authors[0]
    if first.collective and not first.family:
        for word in _WORD.findall(_ascii(first.collective).lower()):
            if word not in STOP_WORDS and not word.isdigit():
                letters = _LETTERS.sub("", word)
                if letters:
                    return letters
        return "anon"
    name = first.family or first.given or ""
    return _LETTERS.sub("", _ascii(name).lower()) or "anon"


def title_word(record: Record) -> str:
    """First significant word of the title (stop words and bare numbers skipped), lower ASCII."""
    title = record.title or (record.book.booktitle if record.book else "") or ""
    for word in _WORD.findall(_ascii(title).lower()):
        if word not in STOP_WORDS and not word.isdigit():
            return word
    return ""


def base_key(record: Record | Trial, template: str = DEFAULT_TEMPLATE) -> str:
    """The key ``template`` gives ``record`` before any collision suffix.

    A trial is cited by its registration: its key is its NCT number, whatever the template.
    """
    if isinstance(record, Trial):
        return _KEY_UNSAFE.sub("", record.nct_id) or "trial"
    values = {
        "author": author_part(record),
        "year": str(record.year) if record.year else "nd",
        "word": title_word(record),
        "pmid": record.pmid or "",
    }
    key = _KEY_UNSAFE.sub("", template.format(**values))[:90]  # room for a suffix
    return key or "ref"


def _suffixes() -> Iterable[str]:
    """a … z, then aa, ab … : deterministic, unbounded."""
    letters = string.ascii_lowercase
    yield from letters
    n = 1
    while True:
        n += 1
        stack = [""]
        for _ in range(n):
            stack = [p + c for p in stack for c in letters]
        yield from stack


def assign_keys(
    records: Iterable[Record | Trial],
    pinned: Mapping[str, str],
    template: str = DEFAULT_TEMPLATE,
    *,
    taken: Iterable[str] = (),
) -> dict[str, str]:
    """Record id -> citation key for ``records``; pure (the caller pins the new ones).

    Records with a pinned key keep it (unless it breaks the key rules: it is then made again).
    The others get their template key, suffixed ``a``, ``b``…
    when it clashes (case-insensitively, as BibTeX compares keys) with any pinned key, any key in
    ``taken`` (e.g. a .bib file being appended to) or a key given earlier in this call. New
    records are keyed in order of record id, so the result does not depend on the order in which
    the caller listed them.
    """
    validate_template(template)
    records = list(records)
    pinned = usable_pins(pinned)
    used = {k.casefold() for k in pinned.values()}
    used.update(k.casefold() for k in taken)
    out: dict[str, str] = {}
    fresh: dict[str, Record | Trial] = {}
    for rec in records:
        if rec.id in pinned:
            out[rec.id] = pinned[rec.id]
        else:
            fresh.setdefault(rec.id, rec)
    for rid in sorted(fresh, key=_id_order):
        base = base_key(fresh[rid], template)
        key = base
        if key.casefold() in used:
            for suffix in _suffixes():
                key = base + suffix
                if key.casefold() not in used:
                    break
        used.add(key.casefold())
        out[rid] = key
    return {rec.id: out[rec.id] for rec in records}


def _id_order(rid: str) -> tuple[int, int, str]:
    """PMIDs numerically (older records first get the bare key), then doi:/cite: ids."""
    return (0, int(rid), "") if rid.isdigit() else (1, 0, rid)
