"""CCC: chatbot and ticketing backend for humanitarian Community Contact Centres."""
