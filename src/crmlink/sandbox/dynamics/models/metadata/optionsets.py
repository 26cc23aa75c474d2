"""Option sets of the built-in entities: values and labels, as an org ships them."""

from __future__ import annotations

from crmlink.sandbox.dynamics.models.metadata.model import Option


def options(pairs: list[tuple[int, str]]) -> list[Option]:
    return [Option(value, label) for value, label in pairs]


LOCAL_SETS: dict[str, list[tuple[int, str]]] = {
    "gendercode": [(1, "Male"), (2, "Female")],
    "preferredcontactmethodcode": [(1, "Any"), (2, "Email"), (3, "Phone"), (4, "Fax"), (5, "Mail")],
    "industrycode": [
        (1, "Accounting"),
        (2, "Agriculture and Non-petrol Natural Resource Extraction"),
        (3, "Broadcasting Printing and Publishing"),
        (4, "Brokers"),
        (5, "Building Supply Retail"),
        (6, "Business Services"),
        (7, "Consulting"),
        (8, "Consumer Services"),
        (9, "Design, Direction and Creative Management"),
        (10, "Distributors, Dispatchers and Processors"),
        (11, "Doctor's Offices and Clinics"),
        (12, "Durable Manufacturing"),
        (13, "Eating and Drinking Places"),
        (14, "Entertainment Retail"),
        (15, "Equipment Rental and Leasing"),
        (16, "Financial"),
    ],
    "accountcategorycode": [(1, "Preferred Customer"), (2, "Standard")],
    "leadsourcecode": [
        (1, "Advertisement"),
        (2, "Employee Referral"),
        (3, "External Referral"),
        (4, "Partner"),
        (5, "Public Relations"),
        (6, "Seminar"),
        (7, "Trade Show"),
        (8, "Web"),
        (9, "Word of Mouth"),
        (10, "Other"),
    ],
    "leadqualitycode": [(1, "Hot"), (2, "Warm"), (3, "Cold")],
    "opportunityratingcode": [(1, "Hot"), (2, "Warm"), (3, "Cold")],
    "salesstagecode": [(1, "Default Value")],
    "typecode": [
        (1, "Advertisement"),
        (2, "Direct Marketing"),
        (3, "Event"),
        (4, "Co-branding"),
        (5, "Other"),
    ],
}

GLOBAL_SETS: dict[str, list[tuple[int, str]]] = {
    "cr7a3_tier": [
        (100000000, "Bronze"),
        (100000001, "Silver"),
        (100000002, "Gold"),
        (100000003, "Platinum"),
    ],
    "cr7a3_interests": [
        (100000000, "Hiking"),
        (100000001, "Mountain Climbing"),
        (100000002, "Skiing"),
        (100000003, "Camping"),
        (100000004, "Sailing"),
        (100000005, "Cycling"),
    ],
    "cr7a3_benefits": [
        (100000000, "Free Shipping"),
        (100000001, "Priority Support"),
        (100000002, "Early Access"),
        (100000003, "Lounge Access"),
    ],
}


def _states(states: list[tuple[int, str, int]], statuses: list[tuple[int, str, int]]):
    state_opts = [Option(v, label, default_status=d, invariant=label) for v, label, d in states]
    status_opts = [Option(v, label, state=s) for v, label, s in statuses]
    return state_opts, status_opts


ACTIVE_STATES = _states(
    [(0, "Active", 1), (1, "Inactive", 2)], [(1, "Active", 0), (2, "Inactive", 1)]
)
OPPORTUNITY_STATES = _states(
    [(0, "Open", 1), (1, "Won", 3), (2, "Lost", 4)],
    [
        (1, "In Progress", 0),
        (2, "On Hold", 0),
        (3, "Won", 1),
        (4, "Canceled", 2),
        (5, "Out-Sold", 2),
    ],
)
STATE_SETS = {
    "active": ACTIVE_STATES,
    "opportunity": OPPORTUNITY_STATES,
    "lead": _states(
        [(0, "Open", 1), (1, "Qualified", 3), (2, "Disqualified", 4)],
        [
            (1, "New", 0),
            (2, "Contacted", 0),
            (3, "Qualified", 1),
            (4, "Lost", 2),
            (5, "Cannot Contact", 2),
        ],
    ),
    "campaign": _states(
        [(0, "Active", 0), (1, "Inactive", 6)],
        [(0, "Proposed", 0), (1, "Ready To Launch", 0), (2, "Launched", 0), (6, "Inactive", 1)],
    ),
}
