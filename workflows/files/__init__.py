"""Reading and checking the workflow data: YAML with line numbers, the flow, the prompts, the
rulebook (rules, SLA policies, words and templates), SMS segment costs, the library that loads
one folder (`CCC_WORKFLOWS_DIR`, else `workflows/data/`) as a whole, and the reload that keeps
the last good set while a supervisor edits. Every problem is reported as `file:line`; a bad
file never half-loads."""
