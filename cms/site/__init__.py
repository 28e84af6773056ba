"""The public site: server-rendered pages of the live releases, the feedback form and the draft preview."""
