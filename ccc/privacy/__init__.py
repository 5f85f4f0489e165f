"""A person's own data: everything CCC holds about them (`ccc contact export`), and erasure
at their request (`ccc contact forget`), both through the same anonymisation as retention
(`ccc/retention/scrub.py`), so no report figure changes. docs/data-protection.md."""
