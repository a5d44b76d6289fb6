"""One PubMed article element -> one :class:`Record` (``PubmedArticle`` or ``PubmedBookArticle``).

The builder knows PubMed's record shape (EUTILS_FACTS.md §5.2) and nothing about bytes, safety
or streaming: :mod:`mscterm.ncbi.parser` hands it elements that :mod:`mscterm.ncbi.safexml`
already parsed safely. Records have ``source="pubmed"`` and ``id == pmid``.

Dates, most specific first. A journal article: the issue's PubDate, else the first ArticleDate
(electronic publication), else the ``pubmed`` History date. A book chapter (GeneReviews and the
like): the chapter's own ``ContributionDate`` when it has one, else the book's PubDate (which
for a living book is the year it *began*: GeneReviews' is 1993 for every chapter), else the
History date.
"""

from __future__ import annotations

from lxml import etree

from mscterm.model import Author, Book, Record
from mscterm.ncbi import article_fields as f
from mscterm.ncbi.pubdates import history_date, pub_date, ymd
from mscterm.ncbi.xmltext import opt, plain, text

__all__ = ["ARTICLE_TAGS", "article_record"]

ARTICLE_TAGS = ("PubmedArticle", "PubmedBookArticle")


def article_record(el: etree._Element) -> Record | None:
    """The record of one article element, or None for other elements (DeleteCitation …) and
    for articles without a PMID."""
    tag = el.tag
    if tag == "PubmedArticle":
        return _journal_record(el)
    if tag == "PubmedBookArticle":
        return _book_record(el)
    return None


def _journal_record(el: etree._Element) -> Record | None:
    """One ``<PubmedArticle>`` (MedlineCitation + PubmedData)."""
    citation = el.find("MedlineCitation")
    if citation is None:
        return None
    pmid = plain(citation.findtext("PMID"))
    if not pmid:
        return None
    article = citation.find("Article")
    if article is None:
        article = etree.Element("Article")  # a citation without Article: keep what there is
    journal = article.find("Journal")
    if journal is None:
        journal = etree.Element("Journal")
    issue = journal.find("JournalIssue")
    data = el.find("PubmedData")

    year, month = pub_date(issue.find("PubDate") if issue is not None else None)
    if year is None:
        for date in article.iterchildren("ArticleDate"):
            year, month = ymd(date)
            if year is not None:
                break
    if year is None:
        year, month = history_date(data)

    doi, pmcid = f.ids(data.find("ArticleIdList") if data is not None else None)
    author_list = article.find("AuthorList")
    pub_types = [
        t
        for t in (plain(p.text) for p in article.iterfind("PublicationTypeList/PublicationType"))
        if t
    ]
    notes = f.comments(citation)
    languages = f.languages(article)
    return Record(
        id=pmid,
        pmid=pmid,
        title=text(article.find("ArticleTitle")) or text(article.find("VernacularTitle")),
        authors=f.authors(author_list),
        authors_complete=author_list is None or author_list.get("CompleteYN") != "N",
        journal=plain(journal.findtext("Title")),
        journal_abbrev=plain(journal.findtext("ISOAbbreviation"))
        or plain(citation.findtext("MedlineJournalInfo/MedlineTA")),
        year=year,
        month=month,
        volume=plain(issue.findtext("Volume")) if issue is not None else None,
        issue=plain(issue.findtext("Issue")) if issue is not None else None,
        pages=f.pages(article.find("Pagination")) or f.article_number(article),
        doi=doi or f.elocation(article, "doi"),
        pmcid=pmcid,
        book=None,
        abstract=f.abstract(article.find("Abstract")),
        mesh=f.mesh(citation),
        publication_types=pub_types,
        keywords=f.keywords(citation),
        language=languages[0] if languages else None,
        languages=languages,
        registry_ids=f.registry_ids(article),
        retracted=f.is_retracted(pub_types, notes),
        comments=notes,
        source="pubmed",
    )


def _book_record(el: etree._Element) -> Record | None:
    """One ``<PubmedBookArticle>``: a whole book or a chapter (BookDocument + Book)."""
    doc = el.find("BookDocument")
    if doc is None:
        return None
    pmid = plain(doc.findtext("PMID"))
    if not pmid:
        return None
    book = doc.find("Book")
    if book is None:
        book = etree.Element("Book")
    booktitle = opt(book.find("BookTitle"))

    authors: list[Author] = []
    editors: list[Author] = []
    authors_complete = True
    for holder in (doc, book):  # the chapter's own authors first, then the book's
        for author_list in holder.iterchildren("AuthorList"):
            if author_list.get("Type") == "editors":
                editors.extend(f.authors(author_list))
            elif not authors:
                authors = f.authors(author_list)
                authors_complete = author_list.get("CompleteYN") != "N"

    doi, pmcid = f.ids(doc.find("ArticleIdList"))
    book_data = el.find("PubmedBookData")
    if book_data is not None:
        more_doi, more_pmcid = f.ids(book_data.find("ArticleIdList"))
        doi, pmcid = doi or more_doi, pmcid or more_pmcid

    year, month = ymd(doc.find("ContributionDate"))
    if year is None:
        year, month = pub_date(book.find("PubDate"))
    if year is None:
        year, month = history_date(book_data)

    pub_types = [t for t in (plain(p.text) for p in doc.iterchildren("PublicationType")) if t]
    notes = f.comments(doc)
    languages = f.languages(doc)
    return Record(
        id=pmid,
        pmid=pmid,
        title=text(doc.find("ArticleTitle"))
        or text(doc.find("VernacularTitle"))
        or booktitle
        or "",
        authors=authors,
        authors_complete=authors_complete,
        journal=None,
        journal_abbrev=None,
        year=year,
        month=month,
        volume=plain(book.findtext("Volume")),
        issue=None,
        pages=f.pages(doc.find("Pagination")),
        doi=doi or f.elocation(book, "doi"),
        pmcid=pmcid,
        book=Book(
            booktitle=booktitle,
            publisher=plain(book.findtext("Publisher/PublisherName")),
            location=plain(book.findtext("Publisher/PublisherLocation")),
            editors=editors,
            chapter=plain(doc.findtext("LocationLabel")),
        ),
        abstract=f.abstract(doc.find("Abstract")),
        mesh=f.mesh(doc),
        publication_types=pub_types,
        keywords=f.keywords(doc),
        language=languages[0] if languages else None,
        languages=languages,
        retracted=f.is_retracted(pub_types, notes),
        comments=notes,
        source="pubmed",
    )
