"""What one side did with a case, with everything that legitimately differs between endpoints taken out.

Kept: the status and error code, the error's dialect (``judge.error_dialect``: how the official SDK would
read it), whether ``x-oss-request-id`` is there, which stored keys the request removed or changed, and
which of the requested stored keys GetVectors still returns. Dropped: request ids, dates, messages,
signatures and the run-unique bucket and index names (the keys themselves are the same on both sides).
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.differential.exchange import Arranged
from conformance.judge import error_code, error_dialect
from conformance.oracle import Expectation


@dataclass(frozen=True)
class Normalised:
    answer: str  # "204", "400 VectorIndexParameterInvalid", "204 with a body"
    is_error: bool
    shape: str | None  # the error's dialect (None for a success)
    request_id: bool
    refused: frozenset[str]  # stored keys the side would not store
    requested: frozenset[str]  # the requested keys that were stored
    gone: frozenset[str]  # stored keys ListVectors no longer shows
    changed: frozenset[str]  # stored keys whose vector changed, and keys that appeared
    returned: frozenset[str] | None  # requested stored keys GetVectors still returns
    context: str  # the requirement the oracle files this request under (where the docs speak, or are silent)

    def effect(self) -> tuple[frozenset[str], frozenset[str]]:
        return self.gone, self.changed

    def effect_text(self) -> str:
        """The effect relative to the request, in words (kinds are named by it, not by key names)."""
        gone, requested = self.gone, self.requested
        if not gone:
            text = "nothing deleted"
        elif gone == requested:
            text = "the requested keys deleted"
        elif gone < requested:
            text = "part of the requested keys deleted"
        else:
            text = "unrequested keys deleted"
        return text + (" and vectors changed" if self.changed else "")

    def readback_text(self) -> str:
        if self.returned is None:
            return "nothing to read back"
        if not self.returned:
            return "GetVectors returns none of the requested keys"
        if self.returned == self.requested:
            return "GetVectors returns every requested key"
        return "GetVectors returns part of the requested keys"


def _answer(arranged: Arranged) -> tuple[str, bool, str | None, bool]:
    exchange = arranged.exchange
    if exchange is None or exchange.response is None:
        return "no answer", True, None, False
    response = exchange.response
    if response.status < 300:
        text = str(response.status) + (" with a body" if response.body.strip() else "")
        return text, False, None, bool(response.header("x-oss-request-id"))
    code = error_code(response)
    shape = error_dialect(response)[0]
    return f"{response.status} {code}" if code else f"{response.status} without a code", True, shape, bool(
        response.header("x-oss-request-id")
    )


def _context(expectation: Expectation | None) -> str:
    """Where the request falls: the OBSERVE requirements it touches (the docs are silent there), else its requirement."""
    if expectation is None:
        return ""
    silent = [r for r in expectation.observe if r != "DV-OBS-PRECEDENCE"] or list(expectation.observe)
    return ", ".join(silent) if silent else expectation.requirement


def normalise(arranged: Arranged) -> Normalised:
    answer, is_error, shape, request_id = _answer(arranged)
    effect = arranged.effect
    before = arranged.before
    after = effect.after if effect is not None else before
    gone = frozenset(k for k in before if k not in after)
    changed = frozenset(k for k in after if before.get(k) != after.get(k))
    expectation = arranged.expectation
    return Normalised(
        answer=answer,
        is_error=is_error,
        shape=shape,
        request_id=request_id,
        refused=frozenset(arranged.refused),
        requested=arranged.requested_stored if expectation is not None else frozenset(),
        gone=gone,
        changed=changed,
        returned=effect.returned if effect is not None else None,
        context=_context(expectation),
    )
