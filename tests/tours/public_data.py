"""What a host types into the booking form."""

BOOKING = {
    "organisation": "Demo Valley College",
    "contact_name": "Robin Demo",
    "contact_email": "robin@example.org",
    "contact_phone": "+1 505 555 0100",
    "day": "2030-11-02",
    "starts": "19:00",
    "ends": "20:30",
    "time_zone": "America/Denver",
    "other_dates": "Any Saturday in November",
    "city": "Santa Fe, NM",
    "venue": "Demo Hall",
    "expected_audience": "150",
    "topic": "Asylum today",
    "language": "es",
    "honorarium": "500",
    "travel_support": "full",
    "message": "We have a projector.",
}
