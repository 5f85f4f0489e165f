"""The rules engine: on each domain event, the rules of the rulebook listening to it run in file
order. `engine` dispatches events, `conditions` is the `when` of a rule, `actions` its `then`,
and `escalation` raises a ticket's priority and tells the supervisors (console and webhook)."""
