"""Deterministic, realistic-looking fake data shared by the sandbox CRMs.

Everything derives from one `random.Random(seed)`, so the same seed gives the same org.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

FIRST_NAMES = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Amelia",
    "Oliver",
    "Sophia",
    "Elijah",
    "Mia",
    "James",
    "Charlotte",
    "Lucas",
    "Ava",
    "Mateo",
    "Isabella",
    "Henry",
    "Luna",
    "Theo",
    "Chloe",
    "Léa",
    "Zoé",
    "Chloé",
    "Inès",
    "Hugo",
    "Jules",
    "Gabriel",
    "Raphaël",
    "Louis",
    "Arthur",
    "Maël",
    "Aurélie",
    "Sofía",
    "Lucía",
    "Martina",
    "Hiroshi",
    "Yuki",
    "Aiko",
    "Priya",
    "Arjun",
    "Ananya",
    "Wei",
    "Mei",
    "Chen",
    "Fatima",
    "Omar",
    "Layla",
    "Youssef",
    "Ingrid",
    "Sven",
    "Astrid",
    "Björn",
    "Zoë",
    "O'Neil",
    "Siobhán",
    "Seán",
    "Ciarán",
    "Anaïs",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Laurent",
    "Fournier",
    "Girard",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Tanaka",
    "Suzuki",
    "Takahashi",
    "Patel",
    "Sharma",
    "Wang",
    "Li",
    "Zhang",
    "Nguyen",
    "Kim",
    "Park",
    "O'Brien",
    "O'Connor",
    "Murphy",
    "Kowalski",
    "Nowak",
    "Novák",
    "Andersson",
    "Johansson",
    "Ødegaard",
]
COMPANY_WORDS = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Wonka",
    "Cyberdyne",
    "Soylent",
    "Tyrell",
    "Hooli",
    "Vandelay",
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Litware",
    "Adatum",
    "Tailspin",
    "Wingtip",
    "Proseware",
    "Lucerne",
    "Margie",
    "Alpine",
    "Blue",
    "Yonder",
    "Coho",
    "Humongous",
    "Woodgrove",
    "Fourth",
    "Coffee",
    "Trey",
    "Lamna",
    "Datum",
    "Relecloud",
]
COMPANY_SUFFIXES = ("Inc.", "LLC", "Ltd", "GmbH", "SA", "SAS", "Group", "Holdings", "& Co.", "AG")
INDUSTRIES = [
    "Agriculture",
    "Apparel",
    "Banking",
    "Biotechnology",
    "Chemicals",
    "Communications",
    "Construction",
    "Consulting",
    "Education",
    "Electronics",
    "Energy",
    "Engineering",
    "Entertainment",
    "Finance",
    "Healthcare",
    "Hospitality",
    "Insurance",
    "Manufacturing",
    "Media",
    "Retail",
    "Technology",
    "Transportation",
    "Utilities",
]
CITIES = (
    ("San Francisco", "CA", "94105", "USA", 37.7897, -122.3972),
    ("New York", "NY", "10001", "USA", 40.7506, -73.9972),
    ("Austin", "TX", "78701", "USA", 30.2711, -97.7437),
    ("Chicago", "IL", "60601", "USA", 41.8858, -87.6181),
    ("Seattle", "WA", "98101", "USA", 47.6101, -122.3344),
    ("Paris", "", "75002", "France", 48.8686, 2.3412),
    ("Lyon", "", "69002", "France", 45.7578, 4.8320),
    ("Berlin", "", "10115", "Germany", 52.5321, 13.3849),
    ("München", "BY", "80331", "Germany", 48.1374, 11.5755),
    ("London", "", "EC1A 1BB", "United Kingdom", 51.5200, -0.0977),
    ("Dublin", "", "D02 X285", "Ireland", 53.3438, -6.2546),
    ("Tokyo", "", "100-0005", "Japan", 35.6812, 139.7671),
    ("São Paulo", "SP", "01310-100", "Brazil", -23.5614, -46.6559),
    ("Montréal", "QC", "H2Y 1C6", "Canada", 45.5048, -73.5566),
    ("Sydney", "NSW", "2000", "Australia", -33.8688, 151.2093),
)
STREETS = [
    "Main",
    "St",
    "Market",
    "St",
    "Oak",
    "Ave",
    "Maple",
    "Dr",
    "Rue",
    "de",
    "Rivoli",
    "Avenue",
    "des",
    "Champs-Élysées",
    "Hauptstraße",
    "High",
    "Street",
    "Baker",
    "Street",
    "Calle",
    "Mayor",
    "Queen",
    "St",
    "King",
    "St",
    "Elm",
    "St",
]
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example", "corp.example")
TITLES = (
    "CEO",
    "CTO",
    "VP Marketing",
    "Marketing Manager",
    "Sales Director",
    "Account Executive",
    "Data Engineer",
    "Marketing Operations Lead",
    "Product Manager",
    "Buyer",
    "Directeur Commercial",
)


def ascii_slug(text: str) -> str:
    """'Zoë O'Neil' -> 'zoe.oneil' style fragments for e-mail local parts."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


class FakeData:
    """A deterministic source of people, companies, addresses and dates."""

    def __init__(self, seed: int, today: dt.date | None = None) -> None:
        self.random = random.Random(seed)
        self.today = today or dt.date.today()

    def choice(self, items):
        return items[self.random.randrange(len(items))]

    def person(self) -> tuple[str, str]:
        return self.choice(FIRST_NAMES), self.choice(LAST_NAMES)

    def email(self, first: str, last: str, n: int) -> str:
        return f"{ascii_slug(first)}.{ascii_slug(last)}{n}@{self.choice(EMAIL_DOMAINS)}"

    def phone(self) -> str:
        r = self.random
        return f"+1 ({r.randint(201, 989)}) {r.randint(200, 999)}-{r.randint(1000, 9999)}"

    def company(self) -> str:
        return f"{self.choice(COMPANY_WORDS)} {self.choice(COMPANY_SUFFIXES)}"

    def address(self) -> dict:
        city, state, postal, country, lat, lon = self.choice(CITIES)
        street = f"{self.random.randint(1, 999)} {self.choice(STREETS)}"
        return {
            "street": street,
            "city": city,
            "state": state or None,
            "postal_code": postal,
            "country": country,
            "latitude": round(lat + self.random.uniform(-0.05, 0.05), 6),
            "longitude": round(lon + self.random.uniform(-0.05, 0.05), 6),
        }

    def past_date(self, max_days: int = 3650) -> dt.date:
        return self.today - dt.timedelta(days=self.random.randint(0, max_days))

    def past_datetime(self, max_days: int = 365) -> dt.datetime:
        seconds = self.random.randint(0, max_days * 86400)
        now = dt.datetime.combine(self.today, dt.time(), tzinfo=dt.UTC)
        return now - dt.timedelta(seconds=seconds)

    def birthdate(self) -> dt.date:
        return self.today - dt.timedelta(days=self.random.randint(18 * 365, 80 * 365))
