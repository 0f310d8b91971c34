"""The member fields the provisioning services accept, checked once for the API, the commands and the
Admin Center: text limits and NUL bytes, the manager (a member of the same organization, not the member
themselves, no loop) and the numbers that are unique in an organization (employee number, DingTalk UserId).

Field names in error details are the snake_case of the API's names (`dingtalk_user_id` is `dingtalkUserId`
on the wire); the DingTalk UserId is stored in `Membership.external_id`.
"""

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q
from django.utils.translation import gettext as _

from apps.access.models import Membership, Organization
from apps.core.errors import Conflict, ValidationFailed

LIMITS = {
    "username": 150,
    "email": 254,
    "employee_no": 64,
    "dingtalk_user_id": 64,
    "name": 200,
    "department": 200,
}


def clean_text(values: dict, *, require_username: bool = True) -> dict:
    """The given text fields stripped and checked (at most their limit, no NUL byte, a valid user name and
    e-mail). Raises 400 VALIDATION_ERROR naming every bad field; nothing is written before this."""
    cleaned, errors = {}, {}
    for name, value in values.items():
        limit = LIMITS[name]
        value = "" if value is None else value
        if not isinstance(value, str):
            errors[name] = [_("Must be text.")]
            continue
        value = value.strip()
        if "\x00" in value:
            errors[name] = [_("Must not contain NUL characters.")]
        elif len(value) > limit:
            errors[name] = [_("At most %(limit)s characters.") % {"limit": limit}]
        cleaned[name] = value
    if "username" in values and "username" not in errors:
        if not cleaned["username"]:
            if require_username:
                errors["username"] = [_("A user name is required.")]
        else:
            try:
                UnicodeUsernameValidator()(cleaned["username"])
            except ValidationError:
                errors["username"] = [_("Letters, digits and @ . + - _ only.")]
    if cleaned.get("email") and "email" not in errors:
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            errors["email"] = [_("Not a valid e-mail address.")]
    if errors:
        raise ValidationFailed("VALIDATION_ERROR", _("Some fields are not valid."), {"fields": errors})
    return cleaned


def _manager_not_found(organization: Organization, shown: str) -> ValidationFailed:
    return ValidationFailed(
        "MANAGER_NOT_FOUND",
        _("No single active member of %(organization)s is %(identifier)s.")
        % {"organization": organization.name, "identifier": shown},
        {"fields": {"manager": [_("Give the manager's member id, user name, e-mail or employee number.")]}},
    )


def resolve_manager(organization: Organization, manager, *, member: Membership | None = None, username=""):
    """The manager `manager` names in `organization`: a member id (an integer), or a user name, e-mail or
    employee number (text). None or "" means no manager. Another organization's member is "not found"
    (nothing about it leaks); the member themselves, or one who reports to them, is refused."""
    from apps.access.provisioning.common import members_by_identifier

    if manager is None or manager == "":
        return None
    if isinstance(manager, bool) or not isinstance(manager, int | str):
        raise _manager_not_found(organization, repr(manager))
    if isinstance(manager, int):
        boss = (
            Membership.objects.for_org(organization)
            .select_related("user")
            .filter(pk=manager, is_active=True)
            .first()
        )
        if boss is None:
            raise _manager_not_found(organization, str(manager))
    else:
        identifier = manager.strip()
        if "\x00" in identifier or len(identifier) > LIMITS["email"]:
            raise ValidationFailed(
                "VALIDATION_ERROR",
                _("Some fields are not valid."),
                {
                    "fields": {
                        "manager": [_("Give the manager's member id, user name, e-mail or employee number.")]
                    }
                },
            )
        if not identifier:
            return None
        matches = members_by_identifier(organization, [identifier])[identifier]
        if len(matches) != 1 or not matches[0].is_active:
            raise _manager_not_found(organization, repr(identifier))
        boss = matches[0]
    if (member is not None and boss.pk == member.pk) or (member is None and boss.user.username == username):
        raise ValidationFailed(
            "MANAGER_IS_SELF",
            _("A member cannot manage themselves."),
            {"fields": {"manager": [_("Choose someone else.")]}},
        )
    if member is not None:
        _refuse_loop(organization, member, boss)
    return boss


def _refuse_loop(organization: Organization, member: Membership, boss: Membership) -> None:
    """Refuse a manager who already reports (directly or not) to the member."""
    managers = dict(Membership.objects.for_org(organization).values_list("id", "manager_id"))
    seen, current = set(), boss.pk
    while current is not None and current not in seen:
        if current == member.pk:
            raise ValidationFailed(
                "MANAGER_CYCLE",
                _("%(manager)s reports to %(member)s, so cannot be their manager.")
                % {"manager": boss.name, "member": member.name},
                {"fields": {"manager": [_("Choose someone who does not report to this person.")]}},
            )
        seen.add(current)
        current = managers.get(current)


def refuse_duplicates(
    organization: Organization,
    *,
    member: Membership | None,
    employee_no: str = "",
    dingtalk_user_id: str = "",
) -> None:
    """409 when another member of the organization has this employee number or DingTalk UserId."""
    others = Membership.objects.for_org(organization)
    if member is not None:
        others = others.exclude(pk=member.pk)
    if employee_no and others.filter(employee_no=employee_no).exists():
        raise Conflict(
            "EMPLOYEE_NO_IN_USE",
            _("Employee number %(employee_no)s belongs to another member.") % {"employee_no": employee_no},
            {"field": "employeeNo"},
        )
    if dingtalk_user_id and others.filter(external_id=dingtalk_user_id).exists():
        raise Conflict(
            "DINGTALK_USER_ID_IN_USE",
            _("DingTalk UserId %(user_id)s belongs to another member.") % {"user_id": dingtalk_user_id},
            {"field": "dingtalkUserId"},
        )


def duplicate_from_integrity(organization: Organization, error: Exception) -> Conflict:
    """A unique constraint refused a concurrent duplicate the check above did not see yet."""
    text = str(error)
    if "external_id" in text:
        return Conflict(
            "DINGTALK_USER_ID_IN_USE",
            _("This DingTalk UserId belongs to another member."),
            {"field": "dingtalkUserId"},
        )
    return Conflict(
        "EMPLOYEE_NO_IN_USE", _("This employee number belongs to another member."), {"field": "employeeNo"}
    )


def email_change(membership: Membership, email: str, changes: dict) -> None:
    """Give the member a new e-mail (noted in `changes`). While their invitation is pending only the
    e-mail this organization typed changes (the account is not its to edit); an account that also belongs
    to another organization keeps its e-mail; no two members of an organization share one."""
    if email_taken_here(membership.organization, email, exclude=membership):
        raise Conflict(
            "EMAIL_IN_USE",
            _("Another member of this organization already has the e-mail %(email)s.") % {"email": email},
            {"field": "email"},
        )
    if membership.invitation_pending:
        changes["email"] = [membership.invited_email, email]
        membership.invited_email = email
        membership.save(update_fields=["invited_email", "updated_at"])
        return
    user = membership.user
    if (
        Membership.objects.filter(user=user, invitation_pending=False)
        .exclude(organization=membership.organization)
        .exists()
    ):
        raise Conflict(
            "USER_MANAGED_ELSEWHERE",
            _("This user also belongs to another organization; their e-mail cannot be changed from here."),
            {"field": "email"},
        )
    changes["email"] = [user.email, email]
    user.email = email
    user.save(update_fields=["email"])


def email_taken_here(organization: Organization, email: str, *, exclude: Membership | None = None) -> bool:
    members = Membership.objects.for_org(organization).filter(
        Q(invitation_pending=False, user__email__iexact=email)
        | Q(invitation_pending=True, invited_email__iexact=email)
    )
    if exclude is not None:
        members = members.exclude(pk=exclude.pk)
    return members.exists()
