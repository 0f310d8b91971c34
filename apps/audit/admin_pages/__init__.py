"""Audit's Admin Center pages (the audit viewer and the chain status), added to the shell in
apps.access.admin_center from AuditConfig.ready()."""
