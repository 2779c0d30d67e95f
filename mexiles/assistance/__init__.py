"""Emergency assistance: the "other needs" fund followed to what it paid for. A coordinator asks for
money for a person on their case (bus fare to a hearing, medicine, a phone, rent, a filing fee), an
admin who did not ask approves or declines it against the fund's balance, and the payment is
recorded. Also the figures of what each fund paid for, for staff and, without anyone in them, for
the public."""
