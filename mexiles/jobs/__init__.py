"""Jobs: the outbox of every side effect (mail, receipts with their PDF) and the queue that delivers it."""
