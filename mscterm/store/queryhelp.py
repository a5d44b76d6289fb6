"""The offline query language as the user reads it (``?`` in the TUI, the Library's query help).

Kept apart from the parser so the help screen imports no SQLite code. Every line fits the help
dialog at 80 columns (border, padding and scroll bar take six): at most :data:`HELP_WIDTH`.
"""

from __future__ import annotations

COUNT_CAP = 20_000
"""Matches are counted up to this many; past it a count reads "more than …" (a count walks every
match: uncapped, a common word in a huge cache would cost more than ranking the page)."""
HELP_WIDTH = 74

QUERY_HELP = f"""\
Search the records in the local cache (works offline).

  mesenchymal transformation    every word, in any field (cells = cell)
  mesench*                      words starting with "mesench"
  "spontaneous transformation"  the exact phrase
  tumor OR tumour               either word (OR in capitals; binds first)
  -mouse   NOT mouse            leave out records with the word
  (tumor OR cancer) -mouse      parentheses group terms

Fields: a word, a prefix* or a "phrase" after the colon
  ti:sarcoma   ab:karyotype     title · abstract
  au:rubio     jo:cytotherapy   author · journal (name or abbreviation)
  mesh:"cell transformation, neoplastic"   MeSH heading or qualifier
  kw:senescence                 author keywords
  year:2012   year:2010-2015    a year · a range (year:2010- from 2010 on)
  pmid:15833829   pmcid:PMC3363282   doi:10.1158/0008-5472.CAN-04-4194

Filters (a - in front leaves those records out)
  is:retracted   -is:retracted  only retracted papers · leave them out
  retracted      -retracted     the same: a bare retracted is the status
                                ("retracted" in quotes: the word)
  pt:review   pt:"systematic review"   pt:meta-analysis   pt:rct
  pt:"clinical trial"   pt:"case report"   pt:editorial   pt:letter
                                publication type (PubMed's names, any
                                case); pt:review includes systematic
                                reviews, pt:"clinical trial" RCTs and
                                phase I-IV trials
  has:abstract   has:doi   has:pmcid   records that have one

An unknown field (foo:bar) or a bad value (year:abc) gets a hint.
Records with every word in the title come first, then the best matches,
newer first among equals; a query matching most of the cache shows its
most relevant recent records. Matches are counted up to {COUNT_CAP:,};
past that a list says "more than {COUNT_CAP:,}".
"""
