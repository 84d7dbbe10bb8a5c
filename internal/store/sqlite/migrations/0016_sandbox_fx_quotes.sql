-- Payment quotes (docs/api.md, paymentQuote). The quotes the sandbox's inquireExchangeRate
-- gave out, so that a pay that cites one (paymentQuote.quoteId) is checked against the rate
-- it was given, not the table's rate of the moment. Owned by the sandbox, as
-- sandbox_fx_rates: the quote as JSON (payment.Quote), and when it stops holding.
CREATE TABLE sandbox_fx_quotes (
	id         TEXT PRIMARY KEY,
	quote      TEXT NOT NULL,
	expires_at BIGINT NOT NULL
);
