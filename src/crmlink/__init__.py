"""crmlink: link a marketing (campaign) database to CRMs."""

__version__ = "0.1.0"
