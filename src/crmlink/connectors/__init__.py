"""CRM connectors: one folder per CRM, all speaking the protocol in `base`."""
