"""Registered trials in the explorer (ClinicalTrials.gov, through the Library's trial API).

* :mod:`.rows`    a trial's row in any list: status · phase · badge · title
* :mod:`.events`  the adverse-event tables, laid out for the width the pane has
* :mod:`.text`    the trial pane (facts, adverse events, publications), a topic's publication
                  gap, what a trial list is
* :mod:`.pages`   a page of a trial list (a topic's registered trials, a trial's publications)
* :mod:`.loaders` the trial workers (the full study, a topic's gap) and :mod:`.answers`
* :mod:`.view`    what the pane shows for a trial, and the gap in a topic's overview
* :mod:`.actions` ``y``/``o`` on a trial, ``T`` on a record naming trials
"""
