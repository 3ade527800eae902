"""The optional warm-up render (`--warmup`): one job of the commonest shape (5 s, 16:9, start
image, audio) before the worker leases anything, so compilation and kernel autotuning are paid
at start-up rather than by the first client."""

from __future__ import annotations

import logging
import time

from .plan import SizeProfile, plan
from .request import Input, VideoRequest
from .smoke import smoke_image

log = logging.getLogger("zoetrope_ltx")


def warm_up(generator, sizes: SizeProfile) -> float:
    """Renders a 5 s 16:9 job at the worker's sizes and returns its seconds."""
    request = VideoRequest(prompt="a slow push in on a quiet harbour at dawn",
                           start_image=Input("warm-up", gateway=True), duration=5)
    the_plan = plan(request, sizes, generator.recipe, generator.grid, getattr(generator, "two_stage", None))
    started = time.monotonic()
    generator.render(the_plan, smoke_image().resize(the_plan.generation_size), None,
                     lambda done, total: None, lambda: False)
    seconds = time.monotonic() - started
    log.info("warm-up render: 5 s at %d×%d in %.1f s", *the_plan.generation_size, seconds)
    return seconds
