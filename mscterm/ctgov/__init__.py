"""ClinicalTrials.gov API v2: the client (:mod:`.client`), the JSON parser into
:class:`mscterm.model.Trial` (:mod:`.parser`) and their typed errors (:mod:`.errors`).

``../shared/ctgov/CTGOV_FACTS.md`` says how the API behaves; the recorded answers in
``../shared/ctgov/samples/`` are the conformance corpus the parser and the client are tested
against. Nothing here knows about the UI: the Library turns these errors into result objects.
Nothing is imported here, so the parser stays importable without httpx.
"""
