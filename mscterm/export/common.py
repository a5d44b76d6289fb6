"""What every export format needs from a record, decided once: clean text, kind, pages, notes.

Keeping these in one place means a .bib, a .json and a .ris of the same records agree on what
is a chapter, how a page range reads and which records are flagged as retracted.
"""

from __future__ import annotations

import re
import unicodedata

from mscterm.model import Author, Record

MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# C0/C1 controls (tab, newline and CR are folded to spaces separately), zero-width and bidi
# controls, BOM: never meaningful in a reference, and they can hide or reorder text.
_CONTROLS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
_SPACES = re.compile(r"\s+")
_ASCII_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")


def is_clean_ascii(text: str) -> bool:
    """ASCII without controls or stray spaces: already what :func:`clean_text` would return.

    Written as a character-class search plus substring tests (C speed) because it is the fast
    path for nearly every value of every exported record.
    """
    return (
        text.isascii()
        and _ASCII_CONTROLS.search(text) is None
        and "  " not in text
        and not text.startswith(" ")
        and not text.endswith(" ")
    )


_RANGE = re.compile(r"([A-Za-z]*\d+[A-Za-z]*)\s*[-‐‑‒–—]+\s*([A-Za-z]*\d+[A-Za-z]*)")


def clean_text(text: str | None) -> str:
    """One line of plain text: controls dropped, white space folded, NFC-composed.

    Everything exported goes through here first, so no format ever carries a raw control
    character (which would corrupt RIS lines or confuse TeX) or a decomposed accent.
    """
    if not text:
        return ""
    if text.isascii():
        if is_clean_ascii(text):
            return text
        return _SPACES.sub(" ", _CONTROLS.sub("", text)).strip()
    text = unicodedata.normalize("NFC", _CONTROLS.sub("", text))
    return _SPACES.sub(" ", text).strip()


def title_text(record: Record) -> str:
    """The title without NLM's closing period (styles add their own punctuation)."""
    title = clean_text(record.title)
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1].rstrip()
    return title


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", clean_text(text).casefold())


def kind(record: Record) -> str:
    """``article``, ``book`` or ``chapter``.

    A PubmedBookArticle is a whole book when it has no title of its own distinct from the book's,
    otherwise a chapter (an article in an edited collection such as GeneReviews).
    """
    if record.book is None:
        return "article"
    book_title = clean_text(record.book.booktitle)
    own = clean_text(record.title)
    if not own or not book_title or _norm(own) == _norm(book_title):
        return "book"
    return "chapter"


def book_title(record: Record) -> str:
    """Title of the book a book record belongs to (or is), without a closing period."""
    title = clean_text(record.book.booktitle if record.book else "") or title_text(record)
    if title.endswith(".") and not title.endswith(".."):
        title = title[:-1].rstrip()
    return title


def page_range(pages: str | None) -> tuple[str, str | None] | None:
    """``("123", "129")`` for ``123-9`` (NLM abbreviates end pages), ``("e1001", None)`` alone.

    Only the first range of a multi-range string is returned (RIS has one SP/EP pair).
    """
    text = clean_text(pages)
    if not text:
        return None
    m = _RANGE.search(text)
    if not m:
        return (text, None)
    return (m.group(1), _expand_end(m.group(1), m.group(2)))


def _expand_end(start: str, end: str) -> str:
    if start.isdigit() and end.isdigit() and len(end) < len(start):
        full = start[: len(start) - len(end)] + end
        if int(full) >= int(start):
            return full
    return end


def pages_with(pages: str | None, dash: str) -> str:
    """Every range of ``pages`` expanded and joined by ``dash`` (``--`` for TeX, ``-`` for CSL)."""
    text = clean_text(pages)
    if not text:
        return ""
    return _RANGE.sub(lambda m: f"{m.group(1)}{dash}{_expand_end(m.group(1), m.group(2))}", text)


def pubmed_url(record: Record) -> str | None:
    """Where a reader can see the record: its PubMed page, else its DOI resolver link."""
    if record.pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{record.pmid}/"
    if record.doi:
        return "https://doi.org/" + safe_doi(record.doi)
    return None


_DOI_UNSAFE = re.compile(r"[\\{}\s\x00-\x1f\x7f\"]")


def safe_doi(doi: str | None) -> str:
    """A DOI with the characters that could break TeX structure or a URL percent-encoded.

    DOIs are written verbatim (styles put them in ``\\url``/``\\doi``), so backslashes and braces
    -- the only characters that can form a TeX command or unbalance a field -- are encoded.
    """
    text = clean_text(doi)
    if not text:
        return ""
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
            break
    return _DOI_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), text)


def safe_id(value: str | None) -> str:
    """PMID/PMCID values reduced to letters and digits (they never legitimately hold more)."""
    return re.sub(r"[^A-Za-z0-9]", "", value or "")


def abstract_text(record: Record) -> str:
    """The abstract as one paragraph, structured sections as ``LABEL: text``."""
    parts = []
    for section in record.abstract:
        text = clean_text(section.text)
        label = clean_text(section.label)
        if text:
            parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


def keyword_list(record: Record) -> list[str]:
    """MeSH descriptors, then author keywords not already among them (case-insensitive)."""
    seen: set[str] = set()
    out = []
    for word in [m.descriptor for m in record.mesh] + list(record.keywords):
        text = clean_text(word)
        if text and text.casefold() not in seen:
            seen.add(text.casefold())
            out.append(text)
    return out


def retraction_note(record: Record) -> str | None:
    """``Retracted publication; retraction notice: PMID 123`` for retracted records, else None."""
    if not record.retracted:
        return None
    notices = []
    for comment in record.comments:
        if isinstance(comment, dict) and comment.get("type") == "RetractionIn":
            pmid = safe_id(str(comment.get("pmid") or ""))
            if pmid:
                notices.append(f"PMID {pmid}")
    note = "Retracted publication"
    if notices:
        note += "; retraction notice: " + ", ".join(notices)
    return note


_UPPER_LETTERS = re.compile(r"^[^\W\d_a-z]+$")
_DOTTED_INITIALS = re.compile(r"^(?:[^\W\d_]\.)+$")


def _as_initials(token: str, initials: str) -> str | None:
    """``J. H.`` for a token that is only initials (``JH``, ``J.H.``, ``J-P``), else None.

    A run of capitals counts as initials when it is short (three letters at most: PubMed's
    given names are never all capitals otherwise) or when it is the author's initials.
    """
    if _DOTTED_INITIALS.match(token):
        return " ".join(f"{c}." for c in token if c != ".")
    if "-" in token:
        parts = token.split("-")
        if all(len(p) == 1 and p.isupper() for p in parts):
            return "-".join(f"{p}." for p in parts)
        return None
    short = len(token) <= 3 or token == initials.replace(" ", "")
    if short and _UPPER_LETTERS.match(token) and token.isupper():
        return " ".join(f"{c}." for c in token)
    return None


def given_name(author: Author) -> str:
    """The given name with initials written as ``J. H.`` (styles then abbreviate correctly).

    NLM writes initials bare -- ``JH`` as a whole given name, ``Margaret P`` for a middle
    initial -- and styles would print "Bean LJ" for "Bean LJH"; every format gets periods.
    """
    given = clean_text(author.given)
    initials = clean_text(author.initials)
    if not given:
        return " ".join(f"{c}." for c in initials if c.isalpha())
    tokens = given.split(" ")
    if not any(t.isupper() or "." in t for t in tokens):
        return given  # the common case: "Youwei", "Zhi-Bo", "Maria Luisa"
    return " ".join(_as_initials(t, initials) or t for t in tokens)


def month_of(record: Record) -> int | None:
    """The month when it is usable (1-12 and a year is known), else None."""
    if record.year and record.month and 1 <= record.month <= 12:
        return record.month
    return None


_BCP47 = {
    "afr": "af", "alb": "sq", "amh": "am", "ara": "ar", "arm": "hy", "aze": "az", "bel": "be",
    "ben": "bn", "bos": "bs", "bul": "bg", "cat": "ca", "chi": "zh", "cze": "cs", "dan": "da",
    "dut": "nl", "eng": "en", "epo": "eo", "est": "et", "fin": "fi", "fre": "fr", "geo": "ka",
    "ger": "de", "gla": "gd", "gle": "ga", "glg": "gl", "gre": "el", "heb": "he", "hin": "hi",
    "hrv": "hr", "hun": "hu", "ice": "is", "ind": "id", "ita": "it", "jpn": "ja", "kin": "rw",
    "kor": "ko", "lat": "la", "lav": "lv", "lit": "lt", "mac": "mk", "mal": "ml", "mao": "mi",
    "may": "ms", "mon": "mn", "nep": "ne", "nor": "no", "per": "fa", "pol": "pl", "por": "pt",
    "pus": "ps", "rum": "ro", "rus": "ru", "san": "sa", "scc": "sr", "scr": "hr", "sin": "si",
    "slo": "sk", "slv": "sl", "som": "so", "spa": "es", "srp": "sr", "swa": "sw", "swe": "sv",
    "tam": "ta", "tgl": "tl", "tha": "th", "tur": "tr", "ukr": "uk", "urd": "ur", "uzb": "uz",
    "vie": "vi", "wel": "cy", "yid": "yi", "zul": "zu",
    # ISO 639-2/T spellings of the same languages (some sources use them)
    "sqi": "sq", "hye": "hy", "zho": "zh", "ces": "cs", "nld": "nl", "kat": "ka", "deu": "de",
    "ell": "el", "isl": "is", "mkd": "mk", "mri": "mi", "msa": "ms", "fas": "fa", "ron": "ro",
    "slk": "sk", "cym": "cy", "fra": "fr",
}  # fmt: skip
"""ISO 639-2 codes PubMed uses (``<Language>``) -> BCP 47 (ISO 639-1 where one exists).

``mul`` (several) and ``und`` (undetermined) have no single language and are left out."""


def language_code(record: Record) -> str | None:
    """The record's first language as a BCP 47 tag (``en``), or None when unknown.

    CSL processors decide by it whether to title-case (pandoc takes ``eng`` for "not English").
    """
    for code in [*record.languages, record.language]:
        text = clean_text(code).lower()
        if len(text) == 2 and text.isascii() and text.isalpha():
            return text
        if text in _BCP47:
            return _BCP47[text]
    return None


JOURNAL_FORMS = ("abbrev", "full")


def journal_title(record: Record, form: str = "abbrev") -> str:
    """The journal in the export's one form: ISO abbreviation or full title.

    Each falls back to the other where the record lacks it (shipped seed records know only the
    abbreviation, as their source pages show it).
    """
    abbrev = clean_text(record.journal_abbrev)
    full = clean_text(record.journal)
    if form == "full":
        return full or abbrev
    return abbrev or full
