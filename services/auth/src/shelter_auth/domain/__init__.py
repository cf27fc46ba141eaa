"""Accounts, password policy, credentials and audit records: pure rules, no I/O."""
