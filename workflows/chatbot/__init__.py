"""The chatbot's turn engine: one turn of the flow for each inbound message, in the person's
language. Reading messy answers (words, numbers, menu choices), walking the flow's steps,
replies and references, recovery from misunderstanding, a reference's status for its owner,
linking a chat to a phone number, intake suggestions from free text, and joining a duplicate
intake to the first ticket. It reaches tickets only through the core's services."""
