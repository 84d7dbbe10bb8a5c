package merchantapi

import (
	"context"
	"errors"
	"strconv"

	"github.com/cashierpay/cashier/internal/gateway"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// VaultCommand saves a card without a payment (vaultPaymentMethod).
type VaultCommand struct {
	RequestID, NotifyURL, RedirectURL, Region string
	Card                                      CardData
	// Force3DS is the card's is3DSAuthentication: verify with 3-D Secure whatever the issuer says.
	Force3DS bool
}

// VaultingSessionCommand opens the card form that saves a card (createVaultingSession).
type VaultingSessionCommand struct {
	RequestID, NotifyURL, RedirectURL, Region string
	Force3DS                                  bool
}

// cardFields are the request fields that carry what each card check refuses.
var cardFields = map[string]string{
	payment.CodeInvalidCardNumber: "cardNo", payment.CodeCardNotSupported: "cardNo",
	"INVALID_EXPIRATION_DATE": "expiryMonth", "CARD_EXPIRED": "expiryMonth", payment.CodeInvalidCVV: "cvv",
}

// VaultPaymentMethod verifies a card at its issuer and saves it with a token pay accepts.
// It is idempotent on vaultingRequestId: the same request answers the same vaulting, another
// one under the same id REPEAT_REQ_INCONSISTENT. Result codes: SUCCESS; VERIFICATION_IN_PROCESS
// (the buyer must pass 3-D Secure at the vaulting's page); VERIFICATION_FAIL; PROCESS_FAIL;
// PARAM_ILLEGAL (card data that cannot be a card, naming the field); REPEAT_REQ_INCONSISTENT.
func (a *API) VaultPaymentMethod(ctx context.Context, m *payment.Merchant, cmd *VaultCommand) (*payment.Vaulting, error) {
	now := a.core.Now()
	c := cmd.Card
	src := gateway.NewCardSource(c.Number, c.CVV, c.ExpiryMonth, c.ExpiryYear, c.HolderName)
	fingerprint := ""
	if src.PAN != "" {
		fingerprint = a.core.Cards.Fingerprint(src.PAN)
	}
	hash := gateway.KeyHash("vaultPaymentMethod", fingerprint, src.Month, src.Year, src.Holder, cmd.NotifyURL,
		cmd.RedirectURL, cmd.Region, strconv.FormatBool(cmd.Force3DS))
	if v, err := a.findVaulting(ctx, m, cmd.RequestID, hash); v != nil || err != nil {
		return v, err
	}
	if src.CVV == "" {
		return nil, payment.Invalid("paymentMethodDetail.card.cvv", "is required to verify the card")
	}
	if src.Check(now); src.FailCode != "" {
		return nil, payment.Invalid("paymentMethodDetail.card."+cardFields[src.FailCode], src.FailMessage)
	}
	sealed, err := a.core.Cards.Seal(m.ID, "", src, false, now)
	if err != nil {
		return nil, a.core.InternalError(ctx, "vault seal", err)
	}
	v := &payment.Vaulting{
		ID: gateway.NewID(), MerchantID: m.ID, RequestID: cmd.RequestID, KeyHash: hash, Status: payment.Processing,
		NotifyURL: cmd.NotifyURL, RedirectURL: cmd.RedirectURL, Region: cmd.Region, Force3DS: cmd.Force3DS,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(payment.VaultingExpiry),
	}
	in := gateway.AuthInput{PAN: src.PAN, CVV: src.CVV, Month: src.Month, Year: src.Year, Holder: src.Holder, Billing: c.Billing}
	err = a.core.Verify(ctx, v, gateway.VaultCard{Card: sealed, AuthInput: in})
	if errors.Is(err, store.ErrConflict) {
		// A duplicate sent at the same time recorded its answer first: that answer stands.
		return a.replayVaulting(ctx, m, cmd.RequestID, hash)
	}
	if err != nil {
		return nil, a.core.InternalError(ctx, "record vaulting", err)
	}
	return v, nil
}

// CreateVaultingSession opens a vaulting waiting for the buyer's card on the vaulting form.
// It is idempotent on vaultingRequestId like VaultPaymentMethod. Result codes: SUCCESS;
// REPEAT_REQ_INCONSISTENT.
func (a *API) CreateVaultingSession(ctx context.Context, m *payment.Merchant, cmd *VaultingSessionCommand) (*payment.Vaulting, error) {
	now := a.core.Now()
	hash := gateway.KeyHash("createVaultingSession", cmd.NotifyURL, cmd.RedirectURL, cmd.Region, strconv.FormatBool(cmd.Force3DS))
	if v, err := a.findVaulting(ctx, m, cmd.RequestID, hash); v != nil || err != nil {
		return v, err
	}
	v := &payment.Vaulting{
		ID: gateway.NewID(), MerchantID: m.ID, RequestID: cmd.RequestID, KeyHash: hash, Status: payment.Processing,
		Stage: payment.StageAwaitingCard, NotifyURL: cmd.NotifyURL, RedirectURL: cmd.RedirectURL, Region: cmd.Region,
		Session: true, Force3DS: cmd.Force3DS, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(payment.VaultingExpiry), Version: 1,
	}
	err := a.core.Store.VaultingInsert(ctx, v)
	if errors.Is(err, store.ErrConflict) {
		return a.replayVaulting(ctx, m, cmd.RequestID, hash)
	}
	if err != nil {
		return nil, a.core.InternalError(ctx, "vaulting insert", err)
	}
	return v, nil
}

// InquireVaulting reports a vaulting by vaultingRequestId; one whose page expired unfinished
// is closed on the spot. Result codes: SUCCESS; ORDER_NOT_EXIST.
func (a *API) InquireVaulting(ctx context.Context, m *payment.Merchant, requestID string) (*payment.Vaulting, error) {
	v, err := a.core.Store.VaultingGetByRequestID(ctx, m.ID, requestID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, payment.NewError(payment.CodeOrderNotExist, "no vaulting with this vaultingRequestId for this merchant")
	}
	if err != nil {
		return nil, a.core.InternalError(ctx, "vaulting lookup", err)
	}
	if v, err = a.core.CloseExpiredVaulting(ctx, v); err != nil {
		return nil, a.core.InternalError(ctx, "close expired vaulting", err)
	}
	return v, nil
}

// findVaulting answers a repeated vaulting request: the vaulting when hash matches, nil when
// the request id is new, REPEAT_REQ_INCONSISTENT when it was used for another request.
func (a *API) findVaulting(ctx context.Context, m *payment.Merchant, requestID, hash string) (*payment.Vaulting, error) {
	v, err := a.core.Store.VaultingGetByRequestID(ctx, m.ID, requestID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, a.core.InternalError(ctx, "vaulting lookup", err)
	case v.KeyHash != hash:
		return nil, payment.NewError(payment.CodeRepeatReqInconsistent, "vaultingRequestId was used before for another card or other parameters; repeat it exactly or use a new vaultingRequestId")
	}
	return v, nil
}

// replayVaulting answers a request that lost the insert to a duplicate: the duplicate's
// vaulting, which is there now.
func (a *API) replayVaulting(ctx context.Context, m *payment.Merchant, requestID, hash string) (*payment.Vaulting, error) {
	v, err := a.findVaulting(ctx, m, requestID, hash)
	if v == nil && err == nil {
		return nil, a.core.InternalError(ctx, "vaulting lookup after conflict", store.ErrNotFound)
	}
	return v, err
}
