"""The engine: conversation flows, routing rules and calendars as data files (`data/`), and the
packages that run them, by capability (`chatbot/`, `rules/`, `followup/`, `calendars/`, `ivr/`,
`files/`). The core never imports it: `ccc/api/wiring.py` binds it to the core's ports
(`binding.py`). `README.md` beside this file is the guide for a centre's IT person."""
