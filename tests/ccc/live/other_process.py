"""Runs outbox jobs in a process of its own, as a worker would, for the cross-process test.

Started with the test's database in `CCC_DATABASE_URL` (and no Redis); it says `ready` once
imported and wired, then runs the job ids it reads on each line of its input, answering
`done` after each line. Jobs the jobs schedule run here too, one after another."""

from __future__ import annotations

import sys


def main() -> int:
    from ccc.api.wiring import runtime_for
    from ccc.jobs.runner import run_job
    from ccc.kernel.runtime import set_runtime
    from ccc.kernel.settings import get_settings

    set_runtime(runtime_for(get_settings()))
    print("ready", flush=True)
    for line in sys.stdin:
        for job_id in line.split():
            run_job(int(job_id))
        print("done", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
