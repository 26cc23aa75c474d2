"""The campaign-side model: external accounts, data schemas, enumerations.

accounts.AccountStore    add / list / get / show / remove / settings (for connectors)
secrets.SecretCipher     Fernet encryption of account secrets; secrets.mask for display
recipient.recipient      the built-in `recipient` table; recipient_fields() describes it
"""
