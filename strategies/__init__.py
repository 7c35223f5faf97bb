"""Hypothesis strategies that make DeleteVectors inputs: data only, never expected outcomes.

Modules, one job each:

- ``strategies.keys``: single vector keys (ASCII, Unicode, punctuation, padding, lengths, near-miss pairs).
- ``strategies.keylists``: ``keys`` arrays by size/uniqueness, ``DeleteScenario`` and ``KeySplit``.
- ``strategies.bodies``: request body bytes (valid spellings, malformed families, wrong types) and header variants.
- ``strategies.auth``: ``AuthSpec`` signing variants.
"""

__all__ = ["auth", "bodies", "keylists", "keys"]
