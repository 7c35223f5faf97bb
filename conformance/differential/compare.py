"""Two normalised outcomes of one case -> the differences between them, each of a named kind.

A kind names what differs and how, never which keys or names: ``DV-OBS-DUPLICATES: answer 204 vs 400
VectorIndexParameterInvalid``, ``error shape: JSON {"Error": {...}} vs OSS XML``. Answer, effect and
read-back kinds are prefixed by their context: the OBSERVE requirements the oracle finds the request
touches (where the documentation is silent), or the one requirement it files it under; so two causes
that happen to give the same pair of answers (duplicates, an unknown member) stay two kinds. When the
answers differ, the effect that follows from them is told in the difference's detail, not as a kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.differential.normalise import Normalised


@dataclass(frozen=True)
class Difference:
    """``core`` says what differs and how; ``context`` the requirement(s) the request falls under."""

    core: str
    detail: str
    context: str = ""

    @property
    def kind(self) -> str:
        return f"{self.context}: {self.core}" if self.context else self.core


def _keys(keys: frozenset[str], limit: int = 4) -> str:
    shown = sorted(keys)[:limit]
    text = ", ".join(repr(k if len(k) <= 40 else k[:37] + "...") for k in shown)
    more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
    return "{" + text + more + "}"


def _effect_detail(n: Normalised) -> str:
    text = f"deleted {_keys(n.gone)}" if n.gone else "deleted nothing"
    if n.changed:
        text += f", changed {_keys(n.changed)}"
    return text


def differences(a: Normalised, b: Normalised) -> list[Difference]:
    """Every difference between side a's and side b's outcome (empty: they behave alike here)."""
    out: list[Difference] = []
    context = a.context or b.context
    if a.refused != b.refused:
        out.append(
            Difference(
                f"PutVectors: stored {len(a.refused)} vs {len(b.refused)} key(s) refused",
                f"a refused {_keys(a.refused)}, b refused {_keys(b.refused)}",
            )
        )
    if a.answer != b.answer:
        out.append(
            Difference(
                f"answer {a.answer} vs {b.answer}",
                f"a: {a.answer}, {_effect_detail(a)}; b: {b.answer}, {_effect_detail(b)}",
                context,
            )
        )
    elif a.effect() != b.effect():
        out.append(
            Difference(
                f"effect {a.effect_text()} vs {b.effect_text()}",
                f"both answered {a.answer}; a {_effect_detail(a)}, b {_effect_detail(b)}",
                context,
            )
        )
    elif a.returned != b.returned:
        out.append(
            Difference(
                f"read-back {a.readback_text()} vs {b.readback_text()}",
                f"GetVectors of the requested stored keys: a {_keys(a.returned or frozenset())}, "
                f"b {_keys(b.returned or frozenset())}",
                context,
            )
        )
    if a.is_error and b.is_error and a.shape != b.shape and a.shape and b.shape:
        out.append(Difference(f"error shape: {a.shape} vs {b.shape}", f"a answered {a.answer}, b answered {b.answer}"))
    if a.request_id != b.request_id:
        present = {True: "present", False: "missing"}
        out.append(
            Difference(f"x-oss-request-id: {present[a.request_id]} vs {present[b.request_id]}", f"a {a.answer}, b {b.answer}")
        )
    return out
