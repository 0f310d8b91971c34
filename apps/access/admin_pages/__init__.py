"""Access's Admin Center pages: User Access (people, their roles, batch provisioning) and the security
Settings (IP allowlist, retention). Added to the shell (apps.access.admin_center) from AccessConfig.ready()."""
