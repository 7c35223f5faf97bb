"""Differential mode: where the documentation leaves room, does one endpoint behave like another?

``ossv-conformance diff`` sends the same generated cases (same seed, same world arranged on both
sides) to two endpoints and groups every difference in status, error code, error shape, effect on
the stored vectors and read-back by kind, each with a shrunk example and a replay command. One module
per job: ``sides`` (each side's settings and safety), ``cases`` (a case as data, and its generator),
``exchange`` (one case on one side), ``normalise``, ``compare``, ``pair`` (a case on both sides),
``explore`` (Hypothesis exploration, shrinking), ``report`` (text, diff.json), ``run`` and ``main``.
``options`` holds the command's arguments only, so the CLI can build its parser without importing
the rest.
"""
