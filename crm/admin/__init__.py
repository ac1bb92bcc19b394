"""Administration: pages only admins reach (the audit log, and one page per area)."""
