"""Hypothesis profiles for a remote system, chosen explicitly; the one place the profile names live.

With ``CI`` set, Hypothesis would otherwise pick its own CI profile (derandomized, no
database) and every night would replay the same inputs. Every field that matters is set
here, so whichever profile Hypothesis has loaded underneath cannot leak through.

The settings table (``conformance.config``) and the command line take the names from here;
Hypothesis itself is imported only when a profile is built, so reading the names is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from hypothesis import settings


class ProfileNumbers(TypedDict):
    max_examples: int  # examples per property
    stateful_step_count: int  # steps per stateful run
    shrink_budget_s: int  # seconds a test may spend shrinking once it has failed


QUICK, DEFAULT, NIGHTLY = "quick", "default", "nightly"

PROFILES: dict[str, ProfileNumbers] = {
    QUICK: {"max_examples": 6, "stateful_step_count": 8, "shrink_budget_s": 8},
    DEFAULT: {"max_examples": 30, "stateful_step_count": 25, "shrink_budget_s": 20},
    NIGHTLY: {"max_examples": 300, "stateful_step_count": 50, "shrink_budget_s": 60},
}
NAMES: tuple[str, ...] = tuple(PROFILES)

_active: settings | None = None
_active_name = DEFAULT


def build(name: str, database_dir: str | None = ".hypothesis/examples") -> settings:
    from hypothesis import HealthCheck, Phase, Verbosity, settings
    from hypothesis.database import DirectoryBasedExampleDatabase

    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(NAMES)}")
    numbers = PROFILES[name]
    return settings(
        max_examples=numbers["max_examples"],
        stateful_step_count=numbers["stateful_step_count"],
        deadline=None,  # a network call is not a unit of computation
        derandomize=False,
        database=DirectoryBasedExampleDatabase(database_dir) if database_dir else None,
        print_blob=True,
        report_multiple_bugs=False,
        verbosity=Verbosity.normal,
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
        suppress_health_check=list(HealthCheck),
    )


def activate(name: str, database_dir: str | None = ".hypothesis/examples") -> settings:
    global _active, _active_name
    _active = build(name, database_dir)
    _active_name = name
    return _active


def shrink_budget_s() -> float:
    """How long a failed test may go on shrinking: a broken server still gets its report in time."""
    return float(PROFILES[_active_name]["shrink_budget_s"])


def current() -> settings:
    """The active profile; suite modules decorate their properties with it at import."""
    return _active if _active is not None else build(DEFAULT)


STATEFUL_CAP = 15  # runs of the stateful model at most


def settings_for_stateful(active: settings) -> settings:
    """Stateful runs are long, each a sequence of steps of a few requests each: a sixth of the examples, at
    least three (Hypothesis tries the empty program first) and at most STATEFUL_CAP, so the nightly profile
    fits a rate-limited endpoint's hour."""
    from hypothesis import settings

    return settings(active, max_examples=min(STATEFUL_CAP, max(3, active.max_examples // 6)))
