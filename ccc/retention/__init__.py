"""Retention: periods per kind of record (`retention.yaml`), holds, and the run that replaces
what is past its period with tombstones while keeping every figure the reports count.

- `policy.py`: the periods, read and checked from `retention.yaml` (`file:line` problems)
- `service.py`: what a run would touch (`plan`) and one small batch of it (`apply_batch`)
- `scrub.py`: how one ticket, contact, call or recording is anonymised
- `holds.py`: `ccc ticket hold`, checked by every run and erasure
- `tasks.py`: the nightly run, batch by batch, each its own short transaction
"""
