package main

import "time"

// The pages' data. Views of orders are copied out of the book while book.mu is held, so that
// templates and JSON encoding run without it.

type errorView struct {
	Title, Message string
	OrderID        string
	CanRetry       bool
	Mode           string
}

type orderSummary struct {
	ID, State, Price, Mode string
	Created                time.Time
}

type indexView struct {
	Title   string
	Product Product
	Orders  []orderSummary
}

type cardsView struct {
	Title   string
	Product Product
	Cards   []WalletCard
	// A vaulting session for the SDK's card-saving form (AMSVaulting) in this page; "" for
	// the list alone.
	SessionData string
	SDKURL      string
	Environment string
	Locale      string
}

type attemptView struct {
	N                          int
	RequestID, PaymentID, Mode string
	Status, ResultCode         string
	ResultMessage              string
	Capture, Duplicate         string
	ContinueURL                string // where the buyer can still pay this attempt
}

type orderView struct {
	Title       string
	ID          string
	Product     Product
	Price       string
	CaptureMode string
	State       string
	StateText   string
	Final       bool
	CanCapture  bool
	CanCancel   bool
	CanRetry    bool
	Mode        string
	Winner      int
	Attempts    []attemptView
	Events      []Event
	// A subscription's card on file ("" until saved), whether the next period may be
	// charged, and the renewals charged so far.
	SavedCard string
	CanRenew  bool
	Renewals  []Renewal
}

type sdkView struct {
	Title       string
	OrderID     string
	N           int
	Mode        string
	Price       string
	Product     Product
	SessionData string
	Expires     time.Time
	Expired     bool
	SDKURL      string
	Environment string
	Locale      string
}

var stateTexts = map[string]string{
	StatePending:    "Waiting for the payment result…",
	StatePaid:       "Paid. Thank you for your order!",
	StateAuthorized: "Authorized: the amount is reserved on the card and awaits capture.",
	StateCaptured:   "Captured: the payment is complete. Thank you for your order!",
	StateFailed:     "The payment failed. You can try again.",
	StateCancelled:  "Cancelled: the payment was voided.",
}

// view renders the order for the page and the status endpoint. book.mu must be held.
func (p *pages) view(o *Order) orderView {
	v := orderView{
		Title: "Order " + o.ID, ID: o.ID, Product: o.Product, Price: o.Product.Price(), CaptureMode: o.CaptureMode,
		State: o.State(), Final: o.Final(), CanCapture: o.canCapture(), CanCancel: o.canCancel(), CanRetry: o.offerRetry(),
		Mode: o.latestMode(), Winner: o.Winner, Events: append([]Event(nil), o.Events...),
	}
	v.StateText = stateTexts[v.State]
	if o.Saved != nil {
		v.SavedCard, v.CanRenew = o.Saved.Card, o.canRenew()
	}
	for _, r := range o.Renewals {
		v.Renewals = append(v.Renewals, *r)
	}
	if v.State == StateAuthorized && o.attempt(o.Winner).CaptureState == captureRequested {
		v.StateText = "Capture requested: waiting for the gateway to confirm it…"
	}
	now := p.cfg.Now()
	for _, a := range o.Attempts {
		av := attemptView{N: a.N, RequestID: a.RequestID, PaymentID: a.PaymentID, Mode: a.Mode, Status: a.Status,
			ResultCode: a.ResultCode, ResultMessage: a.ResultMessage, Capture: a.CaptureState, Duplicate: a.Duplicate}
		if av.Status == "" {
			av.Status = "UNKNOWN"
		}
		if o.Winner == 0 && !finalStatus(a.Status) {
			switch {
			case a.Mode == ModeHosted && a.NormalURL != "":
				av.ContinueURL = a.NormalURL
			case a.Mode != ModeHosted && a.SessionData != "" && now.Before(a.SessionExpiry):
				av.ContinueURL = attemptPath(o.ID, a.N)
			}
		}
		v.Attempts = append(v.Attempts, av)
	}
	return v
}

// The status endpoint's answer.
type statusJSON struct {
	OrderID     string        `json:"orderId"`
	State       string        `json:"state"`
	StateText   string        `json:"stateText"`
	Final       bool          `json:"final"`
	CaptureMode string        `json:"captureMode"`
	Amount      string        `json:"amount"`
	CanCapture  bool          `json:"canCapture"`
	CanCancel   bool          `json:"canCancel"`
	CanRetry    bool          `json:"canRetry"`
	Winner      int           `json:"winningAttempt,omitempty"`
	Attempts    []attemptJSON `json:"attempts"`
	Events      []Event       `json:"events"`
}

type attemptJSON struct {
	N                int    `json:"n"`
	PaymentRequestID string `json:"paymentRequestId"`
	PaymentID        string `json:"paymentId,omitempty"`
	Mode             string `json:"mode"`
	Status           string `json:"status"`
	ResultCode       string `json:"resultCode,omitempty"`
	ResultMessage    string `json:"resultMessage,omitempty"`
	Capture          string `json:"capture,omitempty"`
	Duplicate        string `json:"duplicate,omitempty"`
	ContinueURL      string `json:"continueUrl,omitempty"`
}

func (v orderView) statusJSON() statusJSON {
	out := statusJSON{
		OrderID: v.ID, State: v.State, StateText: v.StateText, Final: v.Final, CaptureMode: v.CaptureMode, Amount: v.Price,
		CanCapture: v.CanCapture, CanCancel: v.CanCancel, CanRetry: v.CanRetry, Winner: v.Winner, Events: v.Events,
		Attempts: []attemptJSON{},
	}
	for _, a := range v.Attempts {
		out.Attempts = append(out.Attempts, attemptJSON{N: a.N, PaymentRequestID: a.RequestID, PaymentID: a.PaymentID, Mode: a.Mode,
			Status: a.Status, ResultCode: a.ResultCode, ResultMessage: a.ResultMessage, Capture: a.Capture, Duplicate: a.Duplicate,
			ContinueURL: a.ContinueURL})
	}
	return out
}
