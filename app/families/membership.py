"""Who a family lists, said in words: how many units passed the family's gate (store.scores.passes_gate) and what it
asks, or that the store keeps no evidence and the family is every scored unit ranked by its score alone."""

from __future__ import annotations

from app.families.schemas import MembershipPublic
from store.records import FamilyCount
from store.scores import gate_rule

UNGATED = (
    "ranked by score alone: this store keeps no evidence that these units answer the family's stimuli as strongly "
    "as their dataset examples (measured before the family gate, or without dataset images); re-run "
    "`microscope precompute` with dataset images to check it"
)


def membership_message(family: str, layer: str, count: FamilyCount | None) -> str:
    """One sentence on who the layer's family lists (`count`: None when the layer has no gated evidence)."""
    if count is None:
        return f"{layer}: {UNGATED}."
    rule = gate_rule(family, count.labelled)
    if count.members == 0:
        return f"None of the {count.measured} units of {layer} passes, so it has no {family} family: {rule}."
    return f"{count.members} of {count.measured} units of {layer} pass: {rule}."


def membership(family: str, layer: str, count: FamilyCount | None) -> MembershipPublic:
    """The layer's family membership as the pages and their JSON give it."""
    members, measured = (count.members, count.measured) if count is not None else (None, None)
    message = membership_message(family, layer, count)
    return MembershipPublic(gated=count is not None, members=members, measured=measured, message=message)
