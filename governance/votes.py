"""Votes of no confidence and Packaging Council motions (PEP 772, "Processes")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from wheelnext.governance.errors import GovernanceError

NO_CONFIDENCE_BASES = ("electors", "voters")


@dataclass(frozen=True)
class NoConfidence:
    """PEP 772: "If at least two thirds of Electors express a lack of confidence, then the
    vote succeeds." and "Quorum for Packaging Council votes (...) is 50% of Electors."."""

    target: str
    electors: int
    against: int
    support: int = 0
    basis: str = "electors"
    quorum: str = "at-least-half"

    def decide(self) -> dict[str, object]:
        if self.basis not in NO_CONFIDENCE_BASES:
            raise GovernanceError(f"--basis: unknown value {self.basis!r} (use electors or voters)")
        if min(self.electors, self.against, self.support) < 0:
            raise GovernanceError("no-confidence: counts must not be negative")
        voted = self.against + self.support
        if voted > self.electors:
            raise GovernanceError(
                f"--electors: {voted} votes cast but only {self.electors} electors"
            )
        quorum_met = (2 * voted > self.electors) if self.quorum == "more-than-half" else (
            2 * voted >= self.electors
        )
        denominator = self.electors if self.basis == "electors" else voted
        two_thirds = denominator > 0 and 3 * self.against >= 2 * denominator
        succeeds = quorum_met and two_thirds
        whole = self.target == "council"
        half = "more than" if self.quorum == "more-than-half" else "at least"
        rules = [
            f"quorum ('50% of Electors', {half} half): {voted} of {self.electors} voted, "
            + ("met" if quorum_met else "not met"),
            f"two thirds ('at least two thirds of Electors', of {self.basis}): "
            f"3 * {self.against} >= 2 * {denominator} is {str(two_thirds).lower()}",
        ]
        consequence = "none"
        if succeeds:
            consequence = (
                "council dissolved; a whole-council election is triggered immediately"
                if whole else f"{self.target} removed; the vacancy is filled as normal"
            )
        rules.append(
            f"{'whole council' if whole else 'single member'}: "
            + (consequence if succeeds else "the vote fails, nothing changes")
        )
        return {
            "target": self.target,
            "kind": "whole council" if whole else "single member",
            "electors": self.electors,
            "lack_of_confidence": self.against,
            "confidence": self.support,
            "voted": voted,
            "basis": self.basis,
            "threshold": f"3 * {self.against} >= 2 * {denominator}",
            "quorum_met": quorum_met,
            "two_thirds_met": two_thirds,
            "succeeds": succeeds,
            "consequence": consequence,
            "rules": rules,
        }


MOTION_VOTES = ("yes", "no", "abstain", "conflicted", "absent")


@dataclass(frozen=True)
class Motion:
    """PEP 772: "Every Council member must either vote or explicitly abstain. Members with
    conflicts of interest on a particular vote must abstain. Passing requires support from a
    majority of non-abstaining Council members, which requires a quorum of 3 non-abstaining
    members." For replacing an out-of-touch member: "the missing member is recorded as an
    abstention"."""

    votes: Mapping[str, str]
    replaces: str | None = None
    notes: list[str] = field(default_factory=list)

    def decide(self) -> dict[str, object]:
        recorded: dict[str, str] = {}
        rules: list[str] = []
        for member, vote in self.votes.items():
            if vote not in MOTION_VOTES:
                raise GovernanceError(
                    f"--vote: {member}={vote} is not one of {', '.join(MOTION_VOTES)}"
                )
            if vote == "conflicted":
                rules.append(f"{member}: conflicted, recorded as abstaining ('must abstain')")
                vote = "abstain"
            if member == self.replaces and vote != "abstain":
                rules.append(
                    f"{member}: out of touch and the subject of this replacement vote, "
                    "recorded as an abstention"
                )
                vote = "abstain"
            if vote == "absent":
                raise GovernanceError(
                    f"--vote: {member} is absent; 'Every Council member must either vote or "
                    "explicitly abstain' (only the member being replaced is recorded as abstaining)"
                )
            recorded[member] = vote
        if self.replaces is not None and self.replaces not in recorded:
            recorded[self.replaces] = "abstain"
            rules.append(f"{self.replaces}: out of touch, recorded as an abstention")
        if len(recorded) > 5:
            raise GovernanceError(f"--vote: {len(recorded)} members, the council has five")
        yes = sum(1 for v in recorded.values() if v == "yes")
        no = sum(1 for v in recorded.values() if v == "no")
        voting = yes + no
        quorum = voting >= 3
        majority = 2 * yes > voting
        passed = quorum and majority
        outcome = "passed" if passed else "failed"
        if not quorum:
            outcome = "no quorum: the council may refer the matter to the Steering Council"
        rules.append(
            f"quorum ('a quorum of 3 non-abstaining members'): {voting} non-abstaining, "
            + ("met" if quorum else "not met")
        )
        rules.append(
            f"majority ('a majority of non-abstaining Council members'): 2 * {yes} > {voting} "
            f"is {str(majority).lower()}" + (" (a tie fails)" if voting and 2 * yes == voting
                                               else "")
        )
        return {
            "recorded": recorded,
            "yes": yes,
            "no": no,
            "abstain": len(recorded) - voting,
            "non_abstaining": voting,
            "quorum_met": quorum,
            "majority_met": majority,
            "passed": passed,
            "outcome": outcome,
            "rules": rules,
        }
