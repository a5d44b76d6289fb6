"""ClinicalTrials.gov API v2: the JSON parser into :class:`mscterm.model.Trial` (and, later, the
client that fetches it).

``../shared/ctgov/CTGOV_FACTS.md`` says how the API behaves; the recorded answers in
``../shared/ctgov/samples/`` are the conformance corpus the parser is tested against. Nothing here
knows about the UI: the Library turns these errors into result objects.
"""
