"""The year simulator: a realistic year of applications and cases, ratings and 12345 hotline
tickets for the demo district, written by the raw bulk path (SQLite `executemany`, PostgreSQL
`COPY`) in one transaction. `manage.py simulate` runs it; `make run` loads a smaller year.

What it writes are the rows the services would write for the same submissions and actions
(`onething.cases.services`, `onething.evaluation.services`): the same states, clock fields and
`due_on` (from `cases.clock`), versions, timeline events with the services' actions and
messages (the pure handlers of `cases.services` word them), numbered notices with their
context, materials and uploads, commitment verifications, ratings with the handling of
negative ones, rating links, tickets with their events. `tests/test_simulator.py` puts the
same plans through the services and through this path and compares the rows field by field.

Left out on purpose:
- an audit entry per submission and per action: a run writes one `demo.simulate` audit entry
  (the ledger: year, seed, counts, and the id range of every table it wrote);
- notifications (inbox and SMS outbox): a simulated past must not send text messages;
- upload files: the `Upload` rows exist, their files do not (the download answers 文件不存在).

Simulated rows are marked: an application's idempotency key is `sim:<seed>:<n>`, simulated
accounts are named `sim-…` and cannot log in. A year is simulated once; `replace=True` deletes
that year's simulated rows (found through the ledger) first. The same seed over the same
database gives the same rows: every draw comes from one `random.Random(seed)` in a fixed order.

The modules, in the order a run uses them:
- `plans`: the rates (`Rates`), and a plan — one submission and its later actions;
- `world`: what is drawn from — calendar, items and units, staff, registries, bundles;
- `planner`: draws the year's plans (seasons, popularity, the flows of each case);
- `executor`: turns a plan into the rows the cases services would write;
- `ratings`, `hotline`: ratings and the handling of negative ones; the 12345 tickets;
- `writer`: ids, batches, the raw bulk path, and notice numbering in order of issue;
- `year`: `simulate_year`, `write_plans`, the ledger and `--replace`.
"""

from .plans import (
    CONSENT,
    KEY_PREFIX,
    ApplicationPlan,
    Rates,
    Step,
    answers_for,
    files_for,
    material_files,
)
from .refs import Community, Person, Town
from .world import bundle_needs
from .year import Result, delete_simulated_year, ledger, simulate_year, write_plans

__all__ = [
    "CONSENT",
    "KEY_PREFIX",
    "ApplicationPlan",
    "Community",
    "Person",
    "Rates",
    "Result",
    "Step",
    "Town",
    "answers_for",
    "bundle_needs",
    "delete_simulated_year",
    "files_for",
    "ledger",
    "material_files",
    "simulate_year",
    "write_plans",
]
