"""The Library: the one facade between the user interfaces (CLI, TUI) and the data.

The CLI commands and the TUI import :class:`Library` (and the result types of
:mod:`mscterm.results`) and nothing below it. Its parts, one job each:

* ``facade``       :class:`Library` itself: every public call, each a short delegation
* ``connection``   the service clients behind one online/offline switch, with listeners
* ``failures``     which failure is which (network, server, refused, offline, storage, input)
* ``fetching``     records for a list of ids: cache first, the rest in efetch batches
* ``resolution``   PMIDs for records known only by DOI or citation (ECitMatch, DOI search)
* ``pubmed``       links, search pages and counts, kept with a time limit
* ``membership``   which cached records belong to which topic (the one topic counter)
* ``localsearch``  offline search: the cache's index, then the seed snapshot
* ``housekeeping`` cache stats, verify, clear, export and import
* ``trials``       registered trials: by id, a topic's list, the publication gap
* ``trialpubs``    the papers that came out of a trial (its references, records naming it)
"""

from mscterm.library.facade import Library
from mscterm.library.pubmed import LINKNAMES
from mscterm.results import Fetched, TopicCounts

__all__ = ["LINKNAMES", "Fetched", "Library", "TopicCounts"]
