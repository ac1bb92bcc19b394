"""The manager's own mailbox: connecting it, its BCC address, snippets, and compose."""
