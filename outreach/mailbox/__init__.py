"""The manager's own mailbox: credentials, IMAP sync, IDLE, BCC copies, per-sender SMTP."""
