package web

import (
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/payment"
)

// formValues are the fields of the card form that may be shown again when the form comes
// back with errors. The card number and the CVV are deliberately absent.
type formValues struct {
	Expiry     string
	HolderName string
	Region     string
	State      string
	City       string
	Address1   string
	Address2   string
	ZipCode    string
	SaveCard   bool
	// emptyNumber and emptyCVV remember whether those were left blank, to say "enter the
	// card number" rather than "the card number is invalid"; they hold no card data.
	emptyNumber, emptyCVV bool
	// emptyOTP: the challenge form's code was left blank.
	emptyOTP bool
	// brand is the card's brand, when known, and cvvLen the typed CVV's length, to say how
	// many digits the CVV has.
	brand  string
	cvvLen int
}

// BillingOpen says whether the billing <details> starts open.
func (v formValues) BillingOpen() bool {
	return v.Region != "" || v.State != "" || v.City != "" || v.Address1 != "" || v.Address2 != "" || v.ZipCode != ""
}

// parseCardForm reads the card form. It only tidies what was typed (grouping spaces, a
// one-digit month, a four-digit year); the gateway validates.
func parseCardForm(f url.Values, saveOffered bool) (checkout.CardInput, formValues) {
	number := strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, f.Get("cardNo"))
	cvv := stripSpace(f.Get("cvv"))
	expiry := strings.TrimSpace(f.Get("expiry"))
	month, year := parseExpiry(expiry, f.Get("expiryMonth"), f.Get("expiryYear"))
	if expiry == "" && (month != "" || year != "") {
		expiry = month + "/" + year
	}
	v := formValues{
		Expiry:     expiry,
		HolderName: strings.Join(strings.Fields(f.Get("holderName")), " "),
		Region:     strings.ToUpper(strings.TrimSpace(f.Get("region"))),
		State:      strings.TrimSpace(f.Get("state")),
		City:       strings.TrimSpace(f.Get("city")),
		Address1:   strings.TrimSpace(f.Get("address1")),
		Address2:   strings.TrimSpace(f.Get("address2")),
		ZipCode:    strings.TrimSpace(f.Get("zipCode")),
		SaveCard:   saveOffered && checked(f.Get("saveCard")),

		emptyNumber: number == "",
		emptyCVV:    cvv == "",
		cvvLen:      len(cvv),
	}
	in := checkout.CardInput{
		Number:      number,
		ExpiryMonth: month,
		ExpiryYear:  year,
		CVV:         cvv,
		HolderName:  v.HolderName,
		SaveCard:    v.SaveCard,
		Brand:       strings.TrimSpace(f.Get("selectedCardBrand")),
		// The form shows its plans and a co-badged card's brands with JavaScript, or the
		// server draws them once it has the number (checkout.CardChoice): without either
		// field the buyer was not asked.
		Undecided:    !f.Has("installments") && !f.Has("selectedCardBrand"),
		CardRef:      strings.TrimSpace(f.Get("cardRef")),
		Installments: parsePlan(f.Get("installments")),
	}
	if v.BillingOpen() {
		in.Billing = &payment.Address{
			Region: v.Region, State: v.State, City: v.City,
			Address1: v.Address1, Address2: v.Address2, ZipCode: v.ZipCode,
		}
	}
	return in, v
}

// parsePlan reads a plan field: the number of monthly instalments, 0 for "pay in full" or no
// field, -1 for anything else, which the gateway refuses.
func parsePlan(s string) int {
	switch s = strings.TrimSpace(s); s {
	case "", "0":
		return 0
	}
	if n, err := strconv.Atoi(s); err == nil && n > 0 {
		return n
	}
	return -1
}

func checked(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "true", "1", "yes":
		return true
	}
	return false
}

// parseExpiry reads the single MM/YY field ("12/30", "12 / 30", "1230", "12/2030", "1/30"),
// or else the expiryMonth and expiryYear fields. A one-digit month is padded and a four-digit
// year cut to two, as card forms do before calling Antom; anything else is passed on as
// typed for the gateway to refuse.
func parseExpiry(expiry, month, year string) (string, string) {
	expiry = stripSpace(expiry)
	switch {
	case expiry == "":
		month, year = stripSpace(month), stripSpace(year)
	case strings.Contains(expiry, "/"):
		month, year, _ = strings.Cut(expiry, "/")
	case len(expiry) == 4 || len(expiry) == 6: // MMYY, MMYYYY
		month, year = expiry[:2], expiry[2:]
	default:
		month, year = expiry, ""
	}
	if len(month) == 1 && isDigits(month) {
		month = "0" + month
	}
	if len(year) == 4 && isDigits(year) {
		year = year[2:]
	}
	return month, year
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
