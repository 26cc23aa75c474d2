"""The configuration wizard: CRM tables → data schemas and local tables; picklists →
enumerations."""
