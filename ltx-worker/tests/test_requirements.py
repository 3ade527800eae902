"""requirements-gpu-host.txt (the packages added to a host's own CUDA torch, and the wheelhouse's list)
pins each package it shares with requirements-ci.txt or requirements-gpu.txt at the same version."""

import os
import re

WORKER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pins(name: str) -> dict[str, str]:
    """A requirements file's `package==version` lines, by normalised package name."""
    found = {}
    with open(os.path.join(WORKER, name)) as file:
        for line in file:
            match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)", line)
            if match:
                found[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return found


def test_host_pins_match_the_other_environments():
    host = pins("requirements-gpu-host.txt")
    others = pins("requirements-ci.txt") | pins("requirements-gpu.txt")
    assert {"diffusers", "av", "ftfy", "torchao"} <= host.keys()
    assert {name: version for name, version in host.items() if name in others} == \
        {name: others[name] for name in host if name in others}
