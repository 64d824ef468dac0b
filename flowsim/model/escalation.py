"""The escalation plan at work: reviews, rules starting and standing down, and their actions on the services.

At each review (`wards.opel_hour`, then every 24 / `wards.reviews_per_day`
hours) the wards declare their OPEL level, each rule reads its measure and
starts or stands down (see `flowsim.scenario.escalation`), and the actions
of the rules now active are applied together: the services are handed the
number of escalation beds to open, discharges to add, care hours and beds to
buy, shares of patients to offer admission avoidance or to divert.

A run may follow another's plan instead (`schedule`): its rules then start
and stand down at each review as they did in that run, whatever this run's
own state, so the beds an option frees reach the front door rather than
closing escalation beds (the scenario's `escalation_as_in`). Every run keeps
its `timeline`, the reviews at which its rules changed, for such a follower.

Every action's use over the results period is counted: each rule's days
active and starts, escalation bed days, extra discharge slots, spot-bought
hours and bed days (priced at the scenario's spot prices), and, counted by
the services themselves, same-day discharges, admissions avoided under
pressure and ambulances diverted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from flowsim.engine.environment import Environment
from flowsim.scenario import HOURS_PER_DAY, WEEKS_PER_MONTH
from flowsim.results.pressure import EscalationUse
from flowsim.scenario.escalation import Actions, EscalationRule
from flowsim.services.admission_avoidance import AdmissionAvoidance
from flowsim.services.arrivals import Arrivals
from flowsim.services.discharge import Discharge
from flowsim.services.home_care import HomeCare
from flowsim.services.reablement import Reablement
from flowsim.services.step_down import StepDown
from flowsim.services.wards import Wards

HOURS_PER_MONTH = WEEKS_PER_MONTH * 7 * HOURS_PER_DAY
NO_ACTIONS = Actions()
"""What the services are handed while no rule that acts on them is active."""


@dataclass
class RuleState:
    """Where one rule stands: active or not, since when, and its use so far."""

    rule: EscalationRule
    active: bool = False
    pending_since: float | None = None
    started: float = 0.0
    starts: int = 0
    slug: str = field(init=False)
    """The rule's name in KPI names, worked out once (an active rule's hours are added at every review)."""

    def __post_init__(self) -> None:
        self.slug = self.rule.slug

    def review(self, value: float, now: float) -> bool:
        """Start or stand down on the measure's `value` at this review; whether it did either."""
        when = self.rule.when
        if not self.active:
            if value < when.at_least:
                self.pending_since = None
                return False
            if self.pending_since is None:
                self.pending_since = now
            if now - self.pending_since >= when.for_hours:
                self.active, self.started = True, now
                self.starts += 1
                return True
        elif value < when.stand_down and now - self.started >= when.min_active_hours:
            self.active, self.pending_since = False, None
            return True
        return False

    def follow(self, active: bool, now: float) -> None:
        """Be active or not as the run this one follows was at this review."""
        if active and not self.active:
            self.started = now
            self.starts += 1
        self.active, self.pending_since = active, None


@dataclass
class Levers:
    """The services an escalation rule acts on (None where the county, or a test, lacks one)."""

    wards: Wards
    discharge: Discharge | None = None
    admission_avoidance: AdmissionAvoidance | None = None
    arrivals: Arrivals | None = None
    reablement: Reablement | None = None
    home_care: HomeCare | None = None
    step_down: StepDown | None = None


@dataclass
class Usage:
    """What the escalation actions used over the results period, in hours of each level held."""

    escalation_bed_hours: float = 0.0
    extra_bed_hours: float = 0.0
    extra_discharge_slots: float = 0.0
    spot_reablement_hours: float = 0.0
    spot_home_care_hours: float = 0.0
    spot_step_down_bed_hours: float = 0.0
    rule_hours: dict[str, float] = field(default_factory=dict)


class Escalation:
    """Reviews the county's state and runs its escalation rules."""

    def __init__(
        self,
        env: Environment,
        rules: tuple[EscalationRule, ...],
        measures: Mapping[str, Callable[[], float]],
        levers: Levers,
        first_hour: int,
        reviews_per_day: int,
        warmup_hours: float,
        schedule: Sequence[tuple[int, tuple[bool, ...]]] | None = None,
    ) -> None:
        self.env = env
        self.states = [RuleState(rule) for rule in rules]
        self._reads = [measures[state.rule.when.measure] for state in self.states]
        """What each rule's trigger reads, in the order of `states`."""
        self.levers = levers
        self.first_hour = first_hour
        self.interval = HOURS_PER_DAY / reviews_per_day
        self.warmup_hours = warmup_hours
        self.usage = Usage(rule_hours={state.slug: 0.0 for state in self.states})
        self._held = NO_ACTIONS
        self._combined: dict[tuple[bool, ...], Actions] = {}
        """The actions held while each set of rules is active, worked out the first time it is."""
        self._distinct = {NO_ACTIONS: NO_ACTIONS}
        """One object for equal actions, so that `_apply` tells a change by identity rather than by
        pydantic's comparison, field by field, at every start and stand-down."""
        self._applied = False
        """Whether the levers were set at a review yet (then again only when a rule starts or stands down)."""
        self._last_review = 0.0
        self._quiet = True
        """Whether no rule is active: then nothing is held, and a review has no use to add."""
        self.schedule = schedule
        """The `timeline` of the run this one follows (None: read the measures)."""
        self.timeline: list[tuple[int, tuple[bool, ...]]] = []
        """Each review (by number) at which a rule started or stood down, and the rules active after it."""
        self._reviews = 0
        self._next = 0
        """The reviews so far, and the next entry of `schedule` to follow."""

    @property
    def timetable(self) -> tuple[float, float, Callable[[], object]]:
        """Every how many hours, from which hour of the run, what it does: the reviews."""
        return self.interval, self.first_hour, self.review

    def review(self) -> None:
        """Declare OPEL, start or stand down each rule, and apply the actions of those active."""
        now = self.env.now
        self.account(now)
        self.levers.wards.declare_opel()
        if self.schedule is None:
            changed = not self._applied
            for state, read in zip(self.states, self._reads):
                if state.review(read(), now):
                    changed = True
        else:
            changed = self._follow(now)
        if changed:  # else no rule started or stood down: the levers are as they were
            self.timeline.append((self._reviews, tuple(state.active for state in self.states)))
            self._apply()
        self._reviews += 1

    def _follow(self, now: float) -> bool:
        """Start and stand down the rules as they did at this review of the followed run; whether any did.
        A followed run that ended early (a runaway) leaves its last rules active to the end."""
        schedule, at = self.schedule or (), self._next
        if at == len(schedule) or schedule[at][0] != self._reviews:
            return not self._applied
        self._next += 1
        for state, active in zip(self.states, schedule[at][1], strict=True):
            state.follow(active, now)
        return True

    def _apply(self) -> None:
        self._applied = True
        active = [state.rule.then for state in self.states if state.active]
        self._quiet = not active
        levers = self.levers
        levers.wards.escalate(any(a.open_escalation_beds for a in active), sum(a.extra_acute_beds for a in active))
        flags = tuple(state.active for state in self.states)
        held = self._combined.get(flags)
        if held is None:  # a set of rules active for the first time (a county has a handful of sets)
            held = combined(active)
            held = self._combined[flags] = self._distinct.setdefault(held, held)
        if held is self._held:
            return
        self._held = held
        if levers.discharge is not None:
            levers.discharge.set_extra_per_day(held.extra_discharges_per_day)
            levers.discharge.set_same_day(held.same_day_discharge)
        if levers.admission_avoidance is not None:
            levers.admission_avoidance.set_extra_share(held.extra_avoidance_share)
        if levers.arrivals is not None:
            levers.arrivals.divert_share = held.divert_ambulance_share
        if levers.reablement is not None:
            levers.reablement.buy(held.buy_reablement_hours_per_month)
        if levers.home_care is not None:
            levers.home_care.buy(held.buy_home_care_hours_per_month)
        if levers.step_down is not None:
            levers.step_down.buy(held.buy_step_down_beds)

    def reset(self) -> None:
        """Count afresh from the end of the warm-up."""
        for state in self.states:
            state.starts = 0

    def use(self, now: float, same_day: int, avoided: int, diverted: int) -> EscalationUse:
        """What the plan used over the results period up to `now`, with the services' own counts."""
        self.account(now)
        usage = self.usage
        return EscalationUse(
            rule_days={state.rule.name: usage.rule_hours[state.slug] / HOURS_PER_DAY for state in self.states},
            rule_starts={state.rule.name: state.starts for state in self.states},
            escalation_bed_days=usage.escalation_bed_hours / HOURS_PER_DAY,
            extra_acute_bed_days=usage.extra_bed_hours / HOURS_PER_DAY,
            extra_discharge_slots=usage.extra_discharge_slots,
            same_day_discharges=same_day,
            admissions_avoided_under_pressure=avoided,
            ambulances_diverted=diverted,
            spot_reablement_hours=usage.spot_reablement_hours,
            spot_home_care_hours=usage.spot_home_care_hours,
            spot_step_down_bed_days=usage.spot_step_down_bed_hours / HOURS_PER_DAY,
        )

    def account(self, now: float) -> None:
        """Add the use of the levels held since the last review, inside the results period, up to `now`."""
        hours = now - max(self._last_review, self.warmup_hours)
        self._last_review = now
        if hours <= 0 or self._quiet:
            return
        usage, held, wards = self.usage, self._held, self.levers.wards
        if wards.escalated:
            usage.escalation_bed_hours += wards.escalation_beds * hours
        usage.extra_bed_hours += wards.extra_beds * hours
        if held is not NO_ACTIONS:  # else each would add nothing: rules that only open beds, or none
            usage.extra_discharge_slots += held.extra_discharges_per_day * hours / HOURS_PER_DAY
            usage.spot_reablement_hours += held.buy_reablement_hours_per_month * hours / HOURS_PER_MONTH
            usage.spot_home_care_hours += held.buy_home_care_hours_per_month * hours / HOURS_PER_MONTH
            usage.spot_step_down_bed_hours += held.buy_step_down_beds * hours
        for state in self.states:
            if state.active:
                usage.rule_hours[state.slug] += hours


def combined(active: list[Actions]) -> Actions:
    """What the rules' actions `active` add up to while they are held together."""
    return Actions(
        extra_discharges_per_day=sum(a.extra_discharges_per_day for a in active),
        same_day_discharge=any(a.same_day_discharge for a in active),
        extra_avoidance_share=min(1.0, sum(a.extra_avoidance_share for a in active)),
        buy_reablement_hours_per_month=sum(a.buy_reablement_hours_per_month for a in active),
        buy_home_care_hours_per_month=sum(a.buy_home_care_hours_per_month for a in active),
        buy_step_down_beds=sum(a.buy_step_down_beds for a in active),
        divert_ambulance_share=min(1.0, sum(a.divert_ambulance_share for a in active)),
    )


def wards_rule(wards: Wards) -> EscalationRule:
    """The wards' own escalation beds as a rule: open at OPEL `open_at_opel`, closed below it."""
    level = wards.settings.escalation.open_at_opel
    return EscalationRule.model_validate(
        {
            "name": "escalation beds",
            "when": {"measure": "opel", "at_least": level},
            "then": {"open_escalation_beds": True},
        }
    )
