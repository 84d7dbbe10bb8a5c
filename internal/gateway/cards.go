package gateway

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"time"

	"github.com/cashierpay/cashier/internal/card"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/vault"
)

// Cards keeps cards in the vault and takes them out for an authorization.
type Cards struct {
	store store.Store
	vault *vault.Keyring
	core  *Core
}

// CardSource is the card a payment charges, with the PAN in memory only.
type CardSource struct {
	Stored *payment.Card // paying with a saved card token
	PAN    string
	CVV    string
	Month  string
	Year   string
	Holder string
	Brand  string
	// FailCode is set by Check when the card data is unusable: the payment fails without
	// the issuer.
	FailCode, FailMessage string
}

// NewCardSource is a card typed by the buyer or sent by the merchant: separators are taken
// out of the number and the brand is told from its prefix.
func NewCardSource(pan, cvv, month, year, holder string) *CardSource {
	if n, ok := card.Normalize(pan); ok {
		pan = n
	}
	return &CardSource{PAN: pan, CVV: cvv, Month: month, Year: year, Holder: holder, Brand: card.DefaultBrand(pan)}
}

// SelectBrand sets the brand a co-badged card is paid with; false when the card does not
// carry brand. A card of one brand accepts only its own.
func (src *CardSource) SelectBrand(brand string) bool {
	brands := card.CoBadged(src.PAN)
	if brands == nil {
		brands = []string{card.DetectBrand(src.PAN)}
	}
	if !slices.Contains(brands, brand) {
		return false
	}
	src.Brand = brand
	return true
}

// Check validates the card data; problems are kept in FailCode.
func (src *CardSource) Check(now time.Time) {
	var cerr *card.Error
	if errors.As(card.Validate(src.PAN, src.Month, src.Year, src.CVV, now), &cerr) {
		src.FailCode, src.FailMessage = cerr.Code, cerr.Message
	}
}

// Result is what a payment reports of the card: masked, never the PAN.
func (src *CardSource) Result() payment.CardResult {
	return payment.CardResult{
		Masked: card.Mask(src.PAN), Brand: src.Brand, BIN: card.BIN(src.PAN), Last4: card.Last4(src.PAN),
		ExpiryMonth: src.Month, ExpiryYear: src.Year, HolderName: src.Holder,
	}
}

// Fingerprint is the keyed hash of a PAN, which tells one card from another without it.
func (cs *Cards) Fingerprint(pan string) string { return cs.vault.Fingerprint(pan) }

// Stored opens a saved card of the merchant's buyer. Result codes: PARAM_ILLEGAL.
func (cs *Cards) Stored(ctx context.Context, m *payment.Merchant, token, buyerID string) (*CardSource, error) {
	c, err := cs.store.CardGetByToken(ctx, m.ID, token)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.BuyerID != "" && c.BuyerID != buyerID) {
		return nil, payment.Invalid("paymentMethod.paymentMethodId", "is not a card token of this merchant and buyer")
	}
	if err != nil {
		return nil, cs.core.InternalError(ctx, "card lookup", err)
	}
	pan, err := cs.Open(c)
	if err != nil {
		return nil, cs.core.InternalError(ctx, "vault open", err)
	}
	return &CardSource{Stored: c, PAN: pan, Month: c.ExpiryMonth, Year: c.ExpiryYear, Holder: c.HolderName, Brand: c.Brand}, nil
}

// Open takes a card's PAN out of the vault.
func (cs *Cards) Open(c *payment.Card) (string, error) {
	pan, err := cs.vault.Open(vault.Sealed{KeyID: c.KeyID, Blob: c.Sealed}, []byte(c.ID))
	return string(pan), err
}

// SealForPage seals a PAN for the buyer's own card form to carry to its next post: the form
// that, without JavaScript, comes back to ask for a co-badged card's brand or an installment
// plan keeps the number this way instead of writing it into the page. It is sealed under the
// vault's active key and bound to the payment, so it opens for that payment's form only and
// the page never holds the number in clear; nothing is stored.
func (cs *Cards) SealForPage(pan, paymentID string) (string, error) {
	s, err := cs.vault.Seal([]byte(pan), pageAAD(paymentID))
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(s.Blob), nil
}

// OpenFromPage opens what SealForPage gave the payment's form. It tries the active key only,
// so a posted value cannot make the vault look for keys it does not hold; after a key
// rotation in between, the buyer types the number again. ok is false for anything else.
func (cs *Cards) OpenFromPage(ref, paymentID string) (pan string, ok bool) {
	blob, err := base64.RawURLEncoding.DecodeString(ref)
	if err != nil {
		return "", false
	}
	b, err := cs.vault.Open(vault.Sealed{KeyID: cs.vault.ActiveKeyID(), Blob: blob}, pageAAD(paymentID))
	if err != nil {
		return "", false
	}
	return string(b), true
}

// pageAAD binds a page's sealed number to its payment; the label keeps it apart from a
// stored card's, whose associated data is the card's id.
func pageAAD(paymentID string) []byte { return []byte("card-form/" + paymentID) }

// Seal puts a card into the vault: the PAN encrypted under the active key, with the card's
// id as associated data so that a blob cannot be moved to another record. With tokenize the
// card gets a token the merchant can pay with again.
func (cs *Cards) Seal(merchantID, buyerID string, src *CardSource, tokenize bool, now time.Time) (*payment.Card, error) {
	c := &payment.Card{
		ID: NewID(), MerchantID: merchantID, BuyerID: buyerID, Fingerprint: cs.Fingerprint(src.PAN), Brand: src.Brand,
		BIN: card.BIN(src.PAN), Last4: card.Last4(src.PAN), ExpiryMonth: src.Month, ExpiryYear: src.Year,
		HolderName: src.Holder, CreatedAt: now,
	}
	if tokenize {
		c.Token = vault.NewToken()
	}
	sealed, err := cs.vault.Seal([]byte(src.PAN), []byte(c.ID))
	if err != nil {
		return nil, err
	}
	c.KeyID, c.Sealed = sealed.KeyID, sealed.Blob
	return c, nil
}
