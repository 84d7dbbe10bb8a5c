package main

import (
	"context"
	"sync"

	"github.com/cashierpay/cashier/ams"
)

// WalletCard is a card the buyer saved on the gateway's vaulting form, as notifyVaulting or
// inquireVaulting reported it. The shop keeps the token and the masked number, never the
// card.
type WalletCard struct {
	RequestID string // vaultingRequestId
	Status    string // ams.VaultingProcessing, ams.VaultingSuccess or ams.VaultingFail
	Token     string // the cardToken pay takes as paymentMethodId, once saved
	Brand     string
	Masked    string
	Message   string // why it was not saved
}

// wallet is the buyer's saved cards (one buyer: the demo has no accounts), in memory.
type wallet struct {
	mu    sync.Mutex
	cards []*WalletCard
}

// add starts tracking a vaulting the buyer was sent to.
func (w *wallet) add(requestID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.cards = append(w.cards, &WalletCard{RequestID: requestID, Status: ams.VaultingProcessing})
}

// record applies what the gateway said of a vaulting: a notification or an inquiry, in any
// order and any number of times. A final status is never changed; unknown ids are ignored.
// It says whether the vaulting is the wallet's.
func (w *wallet) record(requestID, status string, result ams.Result, detail *ams.PaymentMethodDetail) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.cards {
		if c.RequestID != requestID {
			continue
		}
		if c.Status == ams.VaultingProcessing && status != ams.VaultingProcessing {
			c.Status, c.Message = status, result.ResultMessage
			if d := detail; d != nil && d.Card != nil {
				c.Token, c.Brand, c.Masked = d.Card.CardToken, d.Card.Brand, d.Card.MaskedCardNo
			}
		}
		return true
	}
	return false
}

// list copies the cards, newest first.
func (w *wallet) list() []WalletCard {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]WalletCard, 0, len(w.cards))
	for i := len(w.cards) - 1; i >= 0; i-- {
		out = append(out, *w.cards[i])
	}
	return out
}

// saved is the saved card of token, if the wallet has one.
func (w *wallet) saved(token string) (WalletCard, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.cards {
		if c.Token != "" && c.Token == token && c.Status == ams.VaultingSuccess {
			return *c, true
		}
	}
	return WalletCard{}, false
}

// pending lists the vaultings with no final status yet.
func (w *wallet) pending() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var ids []string
	for _, c := range w.cards {
		if c.Status == ams.VaultingProcessing {
			ids = append(ids, c.RequestID)
		}
	}
	return ids
}

// saveCard opens a vaulting session. Its normalUrl is the gateway's vaulting form, and its
// vaultingSessionData opens the same form in the SDK (AMSVaulting); both send the buyer back
// to /cards.
func (g *gateway) saveCard(ctx context.Context) (*ams.CreateVaultingSessionResponse, error) {
	requestID := "VAULT-" + newOrderID()[len("ORD-"):]
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	resp, err := g.c.CreateVaultingSession(cctx, &ams.CreateVaultingSessionRequest{
		PaymentMethodType: ams.PaymentMethodCard, VaultingRequestID: requestID,
		VaultingNotificationURL: g.notifyURL, RedirectURL: g.publicURL + "/cards",
	})
	if err != nil {
		return nil, &startFailure{message: "The card form could not be opened. Please try again."}
	}
	if resp.Result.ResultStatus != ams.StatusSuccess || resp.NormalURL == "" || resp.VaultingSessionData == "" {
		return nil, &startFailure{message: "The card form could not be opened: " + resp.Result.ResultMessage}
	}
	g.wallet.add(requestID)
	return resp, nil
}

// refreshCards asks the gateway about the vaultings no notification has settled yet, as
// the best practice is not to rely on the notification alone.
func (g *gateway) refreshCards(ctx context.Context) {
	for _, id := range g.wallet.pending() {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		resp, err := g.c.InquireVaulting(cctx, &ams.InquireVaultingRequest{VaultingRequestID: id})
		cancel()
		if err == nil && resp.Result.ResultStatus == ams.StatusSuccess {
			result := ams.Result{}
			if resp.VaultingStatus == ams.VaultingFail {
				result.ResultMessage = "the card was not saved"
			}
			g.wallet.record(id, resp.VaultingStatus, result, resp.PaymentMethodDetail)
		}
	}
}
