"""A household's right of access (GDPR art. 15): everything the app holds about one household, in one read.

`household_record` gathers it (a fixed number of queries, however many visits and messages), the
coordinator's page prints it, and `as_json` turns it into the machine-readable copy. Both come from the same
record, so the page and the file never disagree.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Model, Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone

from messaging.models import HOUSEHOLD_KINDS, Message
from tenants.audit import records_history
from tenants.models import Household, HouseholdLanguage, MoveIn
from visits.models import Assignment, ChangeRequest, FollowUp, TopicCovered, Visit

# The history's own columns; every other column of an event is the row's value at that moment.
_EVENT_COLUMNS = {"pgh_id", "pgh_created_at", "pgh_label", "pgh_obj", "pgh_context"}


@dataclass(frozen=True)
class HistoryEntry:
    """One change to one row: inserted, updated (with the fields that changed) or deleted."""

    model: str  # "household", "householdlanguage", "movein", "visit"
    object_id: int
    label: str  # "insert", "update", "delete"
    at: datetime.datetime
    user: str  # who, when a signed-in person made the change
    url: str  # the page or API address it was made through
    task: str  # or the background task that made it
    values: dict[str, Any]  # the row after the change (before it, for a delete)
    changed: list[str] = field(default_factory=list)  # for an update: which fields differ from before


@dataclass(frozen=True)
class HouseholdRecord:
    household: Household  # with language_preferences
    move_ins: list[MoveIn]  # each with apartment, assignments, and visits with their log, requests, messages
    history: list[HistoryEntry]
    records_history: bool
    generated_at: datetime.datetime

    @property
    def languages(self) -> list[HouseholdLanguage]:
        return sorted(self.household.language_preferences.all(), key=lambda p: p.rank)


def household_record(*, household_id: int) -> HouseholdRecord:
    """Everything about the household, or 404. Queries: the household, its languages, move-ins with their
    addresses, assignments, visits with visitor and log, topics, follow-ups, change requests, messages, then
    the four history tables with their contexts and the users named in them."""
    visits = Visit.objects.select_related(
        "visitor__user", "language", "interpreter_language", "log__logged_by", "log__language"
    ).order_by("starts_at")
    household = get_object_or_404(
        Household.objects.prefetch_related(
            Prefetch("language_preferences", HouseholdLanguage.objects.select_related("language")),
            Prefetch(
                "move_ins",
                MoveIn.objects.select_related("apartment__building__district").order_by("move_in_date", "id"),
            ),
            Prefetch(
                "move_ins__assignments",
                Assignment.objects.select_related("visitor__user", "decided_by").order_by("created_at", "id"),
            ),
            Prefetch("move_ins__visits", visits),
            Prefetch("move_ins__visits__log__topics_covered", TopicCovered.objects.select_related("topic")),
            Prefetch("move_ins__visits__log__follow_ups", FollowUp.objects.order_by("created_at", "id")),
            Prefetch(
                "move_ins__visits__change_requests",
                ChangeRequest.objects.select_related("handled_by").order_by("created_at", "id"),
            ),
            Prefetch(
                "move_ins__visits__messages",
                Message.objects.filter(kind__in=HOUSEHOLD_KINDS).order_by("scheduled_for", "id"),
            ),
        ),
        id=household_id,
    )
    move_ins = list(household.move_ins.all())
    return HouseholdRecord(
        household=household,
        move_ins=move_ins,
        history=_history(household, move_ins),
        records_history=records_history(),
        generated_at=timezone.now(),
    )


def _history(household: Household, move_ins: list[MoveIn]) -> list[HistoryEntry]:
    """The household's rows as they were changed, oldest first (empty where history is not recorded)."""
    move_in_ids = [m.id for m in move_ins]
    sources = [
        ("household", apps.get_model("tenants", "HouseholdEvent").objects.filter(pgh_obj_id=household.id)),
        (
            "householdlanguage",
            apps.get_model("tenants", "HouseholdLanguageEvent").objects.filter(household_id=household.id),
        ),
        ("movein", apps.get_model("tenants", "MoveInEvent").objects.filter(household_id=household.id)),
        ("visit", apps.get_model("visits", "VisitEvent").objects.filter(move_in_id__in=move_in_ids)),
    ]
    raw: list[tuple[str, Model]] = []
    for model, events in sources:
        raw.extend((model, event) for event in events.select_related("pgh_context").order_by("pgh_id"))
    users = _usernames(event.pgh_context.metadata.get("user") for _m, event in raw if event.pgh_context)

    entries = []
    previous: dict[tuple[str, int], dict[str, Any]] = {}
    for model, event in sorted(raw, key=lambda pair: (pair[1].pgh_created_at, pair[1].pgh_id)):
        values = {
            f.attname: getattr(event, f.attname) for f in event._meta.concrete_fields if f.name not in _EVENT_COLUMNS
        }
        key = (model, event.pgh_obj_id)
        before = previous.get(key)
        changed = [name for name, value in values.items() if before is not None and before.get(name) != value]
        previous[key] = values
        context = event.pgh_context.metadata if event.pgh_context else {}
        entries.append(
            HistoryEntry(
                model=model,
                object_id=event.pgh_obj_id,
                label=event.pgh_label,
                at=event.pgh_created_at,
                user=users.get(context.get("user"), ""),
                url=context.get("url") or "",
                task=context.get("task") or "",
                values=values,
                changed=changed if event.pgh_label == "update" else [],
            )
        )
    return entries


def _usernames(ids: Any) -> dict[Any, str]:
    wanted = {user_id for user_id in ids if user_id is not None}
    if not wanted:
        return {}
    return dict(get_user_model().objects.filter(pk__in=wanted).values_list("pk", "username"))


# --- The machine-readable copy --------------------------------------------------------------------------


def as_json(record: HouseholdRecord) -> dict[str, Any]:
    """The record as plain values (codes for choices, ISO dates), for DjangoJSONEncoder."""
    household = record.household
    return {
        "generated_at": record.generated_at,
        "household": {
            "id": household.id,
            "contact_name": household.contact_name,
            "phone": household.phone,
            "email": household.email,
            "size": household.size,
            "wants_interpreter": household.wants_interpreter,
            "protected_identity": household.protected_identity,
            "created_at": household.created_at,
            "anonymised_at": household.anonymised_at,
        },
        "languages": [{"rank": p.rank, "code": p.language_id, "name": p.language.name} for p in record.languages],
        "move_ins": [_move_in(move_in) for move_in in record.move_ins],
        "history_recorded": record.records_history,
        "history": [
            {
                "model": entry.model,
                "object_id": entry.object_id,
                "event": entry.label,
                "at": entry.at,
                "user": entry.user,
                "url": entry.url,
                "task": entry.task,
                "changed": entry.changed,
                "values": entry.values,
            }
            for entry in record.history
        ],
    }


def _move_in(move_in: MoveIn) -> dict[str, Any]:
    building = move_in.apartment.building
    return {
        "id": move_in.id,
        "contract_number": move_in.contract_number,
        "move_in_date": move_in.move_in_date,
        "moved_out_on": move_in.moved_out_on,
        "address": {
            "street_address": building.street_address,
            "postal_code": building.postal_code,
            "city": building.city,
            "district": building.district.name,
            "apartment_number": move_in.apartment.number,
            "floor": move_in.apartment.floor,
        },
        "assignment_state": move_in.assignment_state,
        "assignment_note": move_in.assignment_note,
        "created_at": move_in.created_at,
        "assignments": [
            {
                "at": a.created_at,
                "kind": a.kind,
                "visit_id": a.visit_id,
                "visitor": str(a.visitor) if a.visitor else None,
                "decided_by": a.decided_by.get_username() if a.decided_by else None,
                "reason": a.reason,
            }
            for a in move_in.assignments.all()
        ],
        "visits": [_visit(visit) for visit in move_in.visits.all()],
    }


def _visit(visit: Visit) -> dict[str, Any]:
    log = getattr(visit, "log", None)
    return {
        "id": visit.id,
        "starts_at": visit.starts_at,
        "ends_at": visit.ends_at,
        "status": visit.status,
        "visitor": str(visit.visitor),
        "language": visit.language_id,
        "interpreter_needed": visit.interpreter_needed,
        "interpreter_language": visit.interpreter_language_id,
        "interpreter_type": visit.interpreter_type,
        "interpreter_reference": visit.interpreter_reference,
        "interpreter_used": visit.interpreter_used,
        "set_by_coordinator": visit.manual,
        "cancel_reason": visit.cancel_reason,
        "confirmed_at": visit.confirmed_at,
        "created_at": visit.created_at,
        "log": None
        if log is None
        else {
            "outcome": log.outcome,
            "logged_by": log.logged_by.get_username() if log.logged_by else None,
            "logged_at": log.logged_at,
            "language": log.language_id,
            "interpreter_used": log.interpreter_used,
            "duration_minutes": log.duration_minutes,
            "notes": log.notes,
            "topics": [{"topic": t.topic.name, "understood": t.understood} for t in log.topics_covered.all()],
            "follow_ups": [
                {
                    "kind": f.kind,
                    "note": f.note,
                    "consent_given": f.consent_given,
                    "consent_at": f.consent_at,
                    "status": f.status,
                    "created_at": f.created_at,
                }
                for f in log.follow_ups.all()
            ],
        },
        "change_requests": [
            {
                "asked_at": c.created_at,
                "proposed_start": c.proposed_start,
                "message": c.message,
                "status": c.status,
                "handled_by": c.handled_by.get_username() if c.handled_by else None,
                "handled_at": c.handled_at,
            }
            for c in visit.change_requests.all()
        ],
        "messages": [
            {
                "kind": m.kind,
                "channel": m.channel,
                "to": m.recipient,
                "due": m.scheduled_for,
                "status": m.status,
                "sent_at": m.sent_at,
                "language": m.language_id,
                "subject": m.subject,
                "text": m.body,
            }
            for m in visit.messages.all()
        ],
    }
