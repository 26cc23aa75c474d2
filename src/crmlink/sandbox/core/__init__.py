"""Machinery shared by every sandbox CRM: TLS, the server, faults, stats, storage, seeding."""
