"""What the Schemathesis runs count as right, shared by the in-process run (tests/app/test_schemathesis.py) and the
real server's writes (tests/hostile/test_fuzz_writes.py)."""

from __future__ import annotations

from schemathesis.checks import CHECKS, load_all_checks

load_all_checks()
ALL_CHECKS = list(CHECKS.get_all())
MAX_EXAMPLES = 25  # per operation and phase: each run stays well under a minute on two busy cores
# Invalid inputs must be refused with a documented 4xx: Schemathesis's list, and 413 and 414 for a body or query over
# its limit (app/web/limits.py).
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "413", "414", "415", "422", "428", "429", "5xx"]
# Valid inputs may still meet a limit (413 size, 429 busy) or a missing thing (404), besides Schemathesis's list.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "413", "429"]
CHECKS_CONFIG = {
    "negative_data_rejection": {"expected-statuses": REFUSALS},
    "positive_data_acceptance": {"expected-statuses": ACCEPTED},
}
