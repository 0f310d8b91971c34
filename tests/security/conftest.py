import pytest


@pytest.fixture
def limits(settings, still_clock):
    """`limits(admin_write="3/m")`: lower some rate limits for one test, on a clock that stands still (so
    the requests all fall in one window)."""

    def set_limits(**rates: str) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **rates}

    return set_limits
