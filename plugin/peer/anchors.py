"""The rating form's five dimensions and their behaviourally anchored 1-5 scale.

Tandem's own wording (English here, Dutch in the catalogue): each point describes what a
teammate did, so two raters who saw the same behaviour pick the same number. Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass

from plugin.i18n import N_, Text


@dataclass(frozen=True)
class Dimension:
    key: str
    name: Text
    question: Text
    anchors: tuple[Text, Text, Text, Text, Text]  # for 1, 2, 3, 4, 5


SCALE: tuple[Dimension, ...] = (
    Dimension(
        "contributing",
        N_("Contributing to the team's work"),
        N_("How much of the team's work did this person take on and deliver?"),
        (
            N_("Delivered almost nothing the team asked for; others had to step in."),
            N_("Delivered some parts, often late or unfinished."),
            N_("Did their agreed share, on time, with occasional reminders."),
            N_("Did their share well and picked up extra work when needed."),
            N_("Carried a large, reliable part of the work and helped others finish theirs."),
        ),
    ),
    Dimension(
        "interacting",
        N_("Interacting with teammates"),
        N_("How did this person communicate and work with the others?"),
        (
            N_("Rarely answered messages or came to meetings; ignored others' ideas."),
            N_("Answered slowly; listened to some teammates more than others."),
            N_("Answered within a day or two and took part in discussions."),
            N_("Asked for others' views, including teammates from the other university."),
            N_("Made everyone feel heard, helped bridge language and time-zone gaps."),
        ),
    ),
    Dimension(
        "on_track",
        N_("Keeping the team on track"),
        N_("Did this person help the team plan and keep to its plan?"),
        (
            N_("Paid no attention to deadlines or the team's plan."),
            N_("Followed the plan only when someone pointed to it."),
            N_("Knew the plan and deadlines and worked toward them."),
            N_("Noticed when the team was falling behind and said so."),
            N_("Helped set the plan, tracked progress and suggested fixes in time."),
        ),
    ),
    Dimension(
        "quality",
        N_("Expecting quality"),
        N_("How much did this person care about the quality of the team's work?"),
        (
            N_("Handed in work that clearly needed more effort; did not check it."),
            N_("Accepted weak work to be done with it."),
            N_("Checked their own work before sharing it."),
            N_("Gave teammates useful feedback and improved shared work."),
            N_("Set a high standard for the whole team and helped everyone reach it."),
        ),
    ),
    Dimension(
        "knowledge",
        N_("Relevant knowledge and skills"),
        N_("How well did this person bring the knowledge and skills the work needed?"),
        (
            N_("Lacked what the task needed and did not try to learn it."),
            N_("Had some of what was needed; learnt slowly."),
            N_("Had or learnt what their own part needed."),
            N_("Used their knowledge to help with other parts too."),
            N_("Brought expertise that shaped the work and taught teammates."),
        ),
    ),
)
