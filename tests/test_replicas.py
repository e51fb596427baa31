"""Which reads may go to a read replica: only a read request's, of a client that has not just written,
outside any transaction on the primary. (bench/replica.py shows it with a streaming replica.)"""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory

from kbase import replicas
from kbase.replicas import PIN_COOKIE, PrimaryReplicaRouter, ReplicaPinMiddleware

ROUTER = PrimaryReplicaRouter()


@pytest.fixture
def with_replicas(monkeypatch):
    monkeypatch.setattr(replicas, "replica_aliases", lambda: ["replica1", "replica2"])


def _route(request) -> tuple[str, HttpResponse]:
    seen = {}

    def view(request):
        seen["db"] = ROUTER.db_for_read(None)
        return HttpResponse("ok")

    response = ReplicaPinMiddleware(view)(request)
    return seen["db"], response


def test_a_plain_read_request_reads_from_a_replica(with_replicas):
    db, _ = _route(RequestFactory().get("/practices/"))
    assert db in {"replica1", "replica2"}


def test_writes_and_everything_outside_requests_use_the_primary(with_replicas):
    assert ROUTER.db_for_write(None) == "default"
    assert ROUTER.db_for_read(None) == "default"  # a job, a command, a test: no request
    assert ROUTER.allow_migrate("replica1", "experiences") is False


def test_a_write_pins_its_clients_next_reads_to_the_primary(with_replicas, settings):
    settings.KBASE_REPLICA_PIN_SECONDS = 10
    db, response = _route(RequestFactory().post("/collections/"))
    assert db == "default"
    until = float(response.cookies[PIN_COOKIE].value)
    assert time.time() + 5 < until <= time.time() + 11
    follow_up = RequestFactory().get("/collections/")
    follow_up.COOKIES[PIN_COOKIE] = response.cookies[PIN_COOKIE].value
    assert _route(follow_up)[0] == "default"  # sees what it just wrote
    later = RequestFactory().get("/collections/")
    later.COOKIES[PIN_COOKIE] = f"{time.time() - 1:.0f}"
    assert _route(later)[0] != "default"


@pytest.mark.django_db
def test_reads_inside_a_transaction_on_the_primary_stay_there(with_replicas):
    def view(request):
        with transaction.atomic():
            return HttpResponse(ROUTER.db_for_read(None))

    response = ReplicaPinMiddleware(view)(RequestFactory().get("/"))
    assert response.content == b"default"


def test_without_replicas_nothing_changes():
    db, response = _route(RequestFactory().post("/collections/"))
    assert db == "default"
    assert PIN_COOKIE not in response.cookies
