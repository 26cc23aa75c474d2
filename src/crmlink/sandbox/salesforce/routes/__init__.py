"""HTTP routes of the Salesforce sandbox: thin wrappers over the org's models."""
