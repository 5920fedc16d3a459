"""Every write in the hub that matters goes through a function here (re-exported from the modules of this package).

Services are keyword-only, atomic, write the audit log for staff actions, and send email or enqueue tasks only after
the transaction commits."""

from hub.services.audit import record_audit

__all__ = ["record_audit"]
