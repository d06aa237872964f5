"""Work on a case: advice requests and reminders, the advice pack, sharing, documents, messages."""
