"""The Salesforce sandbox: REST, SOQL, Bulk 1.0/2.0, OAuth and SOAP login over HTTPS."""
