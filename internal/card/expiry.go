package card

import "time"

// ValidExpiry checks an expiry as Antom receives it: expiryMonth exactly two digits "01" to
// "12" and expiryYear exactly two digits. A one-digit month such as "1" is refused rather than
// padded: the API field is two characters long and Antom refuses it too, so a merchant tested
// against cashier must not be surprised in production; card forms pad before they send.
//
// It returns ErrInvalidExpiry (INVALID_EXPIRATION_DATE) for a malformed month or year, e.g.
// month "13", and ErrExpired (CARD_EXPIRED) when the card's last valid day is behind now.
func ValidExpiry(month, year string, now time.Time) error {
	m, ok := twoDigits(month)
	if !ok || m < 1 || m > 12 {
		return ErrInvalidExpiry
	}
	y, ok := twoDigits(year)
	if !ok {
		return ErrInvalidExpiry
	}
	// A card is good through the last day of its expiry month, in the buyer's day, which may
	// not be the server's. The month is only over once it is over everywhere, at midnight in
	// UTC-12 (noon UTC on the 1st), so nobody paying late on that last evening is turned away;
	// the issuer remains free to be stricter. time.Date carries month 13 into January.
	end := time.Date(2000+y, time.Month(m)+1, 1, 12, 0, 0, 0, time.UTC)
	if !now.Before(end) {
		return ErrExpired
	}
	return nil
}

func twoDigits(s string) (int, bool) {
	if len(s) != 2 || !allDigits(s) {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}
