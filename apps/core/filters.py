"""django-filter, answered in the envelope: every FilterSet of the apps is read through `filtered()`."""

from django.db.models import QuerySet
from django.utils.translation import gettext
from django_filters import FilterSet

from apps.core.errors import ValidationFailed


def filtered(filterset: FilterSet) -> QuerySet:
    """The filterset's queryset, or a 400 VALIDATION_ERROR naming each bad parameter. A FilterSet may give
    the message itself (`error_message(errors)`)."""
    if not filterset.is_valid():
        errors = filterset.errors
        message = getattr(filterset, "error_message", None)
        raise ValidationFailed(
            "VALIDATION_ERROR",
            message(errors) if message else gettext("Some filters are not valid."),
            {"fields": {name: [str(error) for error in messages] for name, messages in errors.items()}},
        )
    return filterset.qs
