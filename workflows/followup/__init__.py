"""After resolution: the closing message that tells a person their ticket is resolved, in their
language, and the satisfaction question, a message on a closed ticket and the
`message.received` event that lets rules read a person's later messages."""
