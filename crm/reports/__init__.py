"""Client reports: figures over a period, exports and links shared with the client."""
