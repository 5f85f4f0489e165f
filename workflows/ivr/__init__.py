"""The toll-free telephone line: the default flow pressed on a keypad (`keypad`), the state of a
call and what a caller hears next (`line`), the way to a person (agent, voice message or
callback, `person`), and the flow's prompts worded for the phone (`voice_prompts`)."""
