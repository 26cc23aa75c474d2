"""Workflows: YAML files of activities (query, update, dedup, crm) run by an engine."""
