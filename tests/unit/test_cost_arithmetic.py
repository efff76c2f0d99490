"""What a job cost (fal's billable units × unit price) and what the spend limit lets through."""

from __future__ import annotations

import time

import pytest

from fal_desktop.api.platform import Price
from fal_desktop.core.costs import (
    SpendLimit,
    cost_of,
    cost_text,
    parse_limit,
    start_of_day,
    total_text,
)
from fal_desktop.emulator.model_work import billable_units

PER_IMAGE = Price("fal-ai/flux/dev", 0.025, "image")
PER_MP = Price("fal-ai/flux/schnell", 0.003, "megapixels")


@pytest.mark.parametrize(
    ("units", "price", "cost"),
    [
        ("1", PER_IMAGE, 0.025),
        ("4", PER_IMAGE, 0.1),
        ("0", PER_IMAGE, 0.0),  # fal's 404 and framework 422 answers: nothing billed
        ("1.048576", PER_MP, 0.003145728),  # a 1024² image
        (" 2 ", PER_IMAGE, 0.05),
    ],
)
def test_cost_is_units_times_unit_price(units, price, cost):
    assert cost_of(units, price) == pytest.approx(cost, abs=1e-12)


@pytest.mark.parametrize(
    ("units", "price"),
    [
        (None, PER_IMAGE),  # fal sent no billable units
        ("1", None),  # no unit price known
        ("lots", PER_IMAGE),
        ("-1", PER_IMAGE),
        ("nan", PER_IMAGE),
        ("1", Price("x", 1.0, "image", currency="EUR")),  # not summed with dollars
    ],
)
def test_an_unknown_cost_stays_unknown(units, price):
    assert cost_of(units, price) is None


def test_the_decimal_arithmetic_does_not_drift():
    assert cost_of("3", Price("x", 0.1, "image")) == 0.3  # not 0.30000000000000004


def test_texts_say_unknown_and_count_it_apart():
    assert cost_text(None) == "unknown"
    assert cost_text(0.025) == "$0.025"
    assert cost_text(0.0025) == "$0.0025"
    assert cost_text(0.0) == "$0"
    assert total_text([0.025, 0.05]) == "$0.075"
    assert total_text([0.025, None, 0.05, None]) == "$0.075 · 2 unknown"
    assert total_text([None]) == "unknown (1 job)"
    assert total_text([]) == "$0"


def test_the_limit_lets_through_what_fits_and_no_more():
    limit = SpendLimit(per_session=0.05)
    assert limit.jobs_that_fit(0.0, 0.0, [0.0024] * 200) == 20
    assert limit.jobs_that_fit(0.04, 0.04, [0.01, 0.01]) == 1  # one lands exactly on it
    assert limit.jobs_that_fit(0.05, 0.05, [0.01]) == 0
    assert limit.jobs_that_fit(0.0, 0.0, [None, None]) == 2  # no known price: not counted


def test_the_daily_limit_counts_the_day_and_either_limit_stops():
    limit = SpendLimit(per_session=10.0, per_day=1.0)
    assert limit.jobs_that_fit(0.0, 0.9, [0.04, 0.04, 0.04]) == 2
    assert SpendLimit().jobs_that_fit(1e6, 1e6, [1.0] * 3) == 3  # no limit
    assert not SpendLimit().active and limit.active
    assert limit.describe() == "$10.00 per session and $1.00 per day"


@pytest.mark.parametrize(
    ("text", "value"),
    [("5", 5.0), ("$2.50", 2.5), (0, None), ("0", None), ("", None), (None, None), ("-3", None)],
)
def test_a_limit_setting_is_read_safely(text, value):
    assert parse_limit(text) == value


def test_the_day_starts_at_local_midnight():
    now = time.time()
    start = start_of_day(now)
    assert 0 <= now - start < 25 * 3600
    assert time.localtime(start).tm_hour == 0 and time.localtime(start).tm_min == 0


def test_the_emulator_bills_in_each_endpoints_unit():
    images = [{"width": 1024, "height": 1024}, {"width": 512, "height": 512}]
    assert billable_units("fal-ai/flux/dev", images, 0.4) == "2"  # per image
    assert billable_units("fal-ai/flux/schnell", images, 0.4) == "1.31072"  # megapixels
    assert billable_units("fal-ai/esrgan", images[:1], 0.4) == "0.4"  # compute seconds
