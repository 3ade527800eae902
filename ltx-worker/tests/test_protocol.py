"""Calls to the gateway: which failures are retried, and what persists as a hand-back."""

import pytest
import requests

from zoetrope_ltx.protocol import Refused, Transient, with_retries


def flaky(*failures):
    """A call that raises each of `failures` in turn, then answers True; counts its calls."""
    calls = []

    def call():
        calls.append(1)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]
        return True
    return call, calls


def test_transport_errors_and_5xx_are_retried():
    call, calls = flaky(requests.ConnectionError("refused"), Refused(503, "unavailable"))
    assert with_retries(call, "upload", delay=0) is True and len(calls) == 3


def test_persistent_failures_become_transient_and_4xx_are_not_retried():
    call, calls = flaky(*[Refused(502, "bad gateway")] * 4)
    with pytest.raises(Transient, match="the upload did not reach the gateway"):
        with_retries(call, "upload", delay=0)
    assert len(calls) == 4
    call, calls = flaky(Refused(403, "tampered"))
    with pytest.raises(Refused):
        with_retries(call, "upload", delay=0)
    assert len(calls) == 1
