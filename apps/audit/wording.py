"""Operation-log entries as sentences a person reads ("Alan Approver approved Emma Employee's Annual
leave, December 14 to December 15"), for the audit viewer. The API keeps the codes (`action`, `target_type`).

Each app says how its actions read: `register_wordings(category, {action: sentence})` from its
AppConfig.ready() (audit words access's actions, access being below it), with `%(actor)s` and `%(target)s`
in the sentence; and how its objects are named: `register_target_namer(target_type, namer)`, where
`namer(ids, organization)` returns {id: name} for a whole page of entries in one query. A target that
cannot be named any more (deleted) reads as the wording's noun ("a leave request").

`tests/audit/test_wording.py` fails when an action the code records has no wording.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.access.models import Membership, Organization

EN_DASH = "\u2013"
CATEGORIES: dict[str, Promise] = {
    "signins": _("Sign-ins"),
    "people": _("People and roles"),
    "attendance": _("Attendance"),
    "requests": _("Requests"),
    "settings": _("Settings"),
    "imports": _("Imports"),
    "payroll": _("Payroll"),
    "integrations": _("Integrations"),
    "audit": _("Audit"),
    "admin": _("Django admin"),
}


@dataclass(frozen=True)
class Wording:
    category: str
    sentence: Promise  # with %(actor)s and %(target)s
    noun: Promise | str = ""  # the target when it cannot be named


Namer = Callable[[list[str], Organization], dict[str, str]]
_wordings: dict[str, Wording] = {}
_namers: dict[str, Namer] = {}


def register_wordings(category: str, wordings: dict[str, tuple[Promise, Promise | str] | Promise]) -> None:
    if category not in CATEGORIES:
        raise ValueError(f"unknown audit category {category!r}")
    for action, wording in wordings.items():
        sentence, noun = wording if isinstance(wording, tuple) else (wording, "")
        _wordings[action] = Wording(category=category, sentence=sentence, noun=noun)


def register_target_namer(target_type: str, namer: Namer) -> None:
    _namers[target_type] = namer


def wording_for(action: str) -> Wording | None:
    return _wordings.get(action)


def actions_in(category: str) -> list[str]:
    return sorted(action for action, wording in _wordings.items() if wording.category == category)


def day_span(start: date, end: date) -> str:
    """December 14, or December 14 to December 15 with an en dash: the language's own month-day format."""
    first = date_format(start, "MONTH_DAY_FORMAT")
    return first if start == end else f"{first}{EN_DASH}{date_format(end, 'MONTH_DAY_FORMAT')}"


def member_names(members: Iterable[Membership]) -> dict[int, str]:
    return {member.pk: member.name for member in members}


def describe(entries: list, organization: Organization) -> None:
    """Give each entry `sentence`, `category_label`, `actor_name` and `target_name` (the words a page shows for
    who acted and on what): two queries for actors and one per target type."""
    actor_ids = {entry.actor_id for entry in entries if entry.actor_id}
    members = Membership.objects.filter(organization=organization, user_id__in=actor_ids).select_related(
        "user"
    )
    actors = {member.user_id: member.name for member in members} if actor_ids else {}
    wanted: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        if entry.target_type in _namers and entry.target_id:
            wanted[entry.target_type].add(entry.target_id)
    names = {kind: _namers[kind](sorted(ids), organization) for kind, ids in wanted.items()}
    for entry in entries:
        wording = _wordings.get(entry.action)
        actor = actors.get(entry.actor_id) or entry.actor_label or gettext("The system")
        target = (
            names.get(entry.target_type, {}).get(entry.target_id)
            or (entry.details or {}).get("object")  # the Django admin's entries name their object
            or (str(wording.noun) if wording and wording.noun else gettext("something"))
        )
        entry.actor_name = actor
        entry.target_name = target if entry.target_type else ""
        if wording is None:
            entry.sentence = f"{actor}: {entry.action}"
            entry.category_label = ""
            continue
        entry.sentence = str(wording.sentence) % {"actor": actor, "target": target}
        entry.category_label = str(CATEGORIES[wording.category])


def _name_members(ids: list[str], organization: Organization) -> dict[str, str]:
    members = Membership.objects.filter(organization=organization, pk__in=_ints(ids)).select_related("user")
    return {str(member.pk): member.name for member in members}


def _name_users(ids: list[str], organization: Organization) -> dict[str, str]:
    """An account target (a sign-in, a password set) by the name its owner has in this organization."""
    members = Membership.objects.filter(organization=organization, user_id__in=_ints(ids)).select_related(
        "user"
    )
    return {str(member.user_id): member.name for member in members}


def _ints(ids: list[str]) -> list[int]:
    return [int(value) for value in ids if value.isascii() and value.isdigit() and len(value) < 19]


def register_access_wordings() -> None:
    """Access's and audit's own actions (access is below audit and cannot register them itself)."""
    register_target_namer("access.membership", _name_members)
    register_target_namer("auth.user", _name_users)
    register_wordings(
        "signins",
        {
            "access.session.login": _("%(actor)s signed in"),
            "access.session.logout": _("%(actor)s signed out"),
            "access.session.lockout": _("%(actor)s was locked out after repeated failed sign-ins"),
            "access.user.password_set": _("%(actor)s set their password"),
            "access.ip_allowlist.deny": _("%(actor)s was refused: the address is not on the IP allowlist"),
            "access.ratelimit.block": _("%(actor)s was slowed down: too many requests"),
        },
    )
    person = _("a person")
    register_wordings(
        "people",
        {
            "access.member.create": (_("%(actor)s added %(target)s"), person),
            "access.member.provision": (_("%(actor)s provisioned %(target)s"), person),
            "access.member.update": (_("%(actor)s changed %(target)s's details"), person),
            "access.member.invite": (_("%(actor)s invited %(target)s"), person),
            "access.member.accept": (_("%(actor)s accepted the invitation to join"), person),
            "access.member.decline": (_("%(actor)s declined the invitation to join"), person),
            "access.member.deactivate": (_("%(actor)s deactivated %(target)s"), person),
            "access.member.reactivate": (_("%(actor)s reactivated %(target)s"), person),
            "access.member.erase": (_("%(actor)s erased %(target)s's personal data"), person),
            "access.member.export": (_("%(actor)s exported %(target)s's personal data"), person),
            "access.member.provision_batch": _("%(actor)s provisioned a batch of people"),
            "access.role.assign": (_("%(actor)s gave %(target)s a role"), person),
            "access.role.unassign": (_("%(actor)s took a role away from %(target)s"), person),
            "access.role.batch_assign": _("%(actor)s gave a role to a batch of people"),
            "access.role.batch_unassign": _("%(actor)s took a role away from a batch of people"),
            "access.token.create": _("%(actor)s created an API token"),
            "access.token.revoke": _("%(actor)s revoked an API token"),
            "access.token.purge": _("Expired API tokens were removed"),
        },
    )
    register_wordings(
        "settings",
        {
            "access.ip_allowlist.update": _("%(actor)s changed the IP allowlist"),
            "access.organization.switch": _("%(actor)s switched organization"),
            "access.session.switch_organization": _("%(actor)s switched organization"),
            "audit.retention.update": _("%(actor)s changed how long records are kept"),
        },
    )
    register_wordings(
        "audit",
        {
            "audit.log.export": _("%(actor)s exported the audit log"),
            "audit.admin_api.write": _("%(actor)s tried an administrator's change without the role"),
            "audit.log.purge": _("Audit entries past their retention were removed"),
        },
    )
    register_wordings(
        "integrations",
        {
            "audit.webhook.create": _("%(actor)s added a webhook"),
            "audit.webhook.update": _("%(actor)s changed a webhook"),
            "audit.webhook.delete": _("%(actor)s removed a webhook"),
            "audit.webhook.replay": _("%(actor)s sent a webhook delivery again"),
            "audit.webhook.replay_all": _("%(actor)s sent a webhook's dead letters again"),
        },
    )
    register_wordings(
        "admin",
        {
            "django_admin.add": _("%(actor)s added %(target)s in the Django admin"),
            "django_admin.change": _("%(actor)s changed %(target)s in the Django admin"),
            "django_admin.delete": _("%(actor)s deleted %(target)s in the Django admin"),
        },
    )
