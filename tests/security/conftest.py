import pytest


@pytest.fixture
def limits(settings):
    """`limits(admin_write="3/m")`: lower some rate limits for one test."""

    def set_limits(**rates: str) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **rates}

    return set_limits
