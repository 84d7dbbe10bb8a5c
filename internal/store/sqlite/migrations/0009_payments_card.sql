-- The payments of a card, for the series of its merchant-initiated payments
-- (store.PaymentListByCard): a card's payments are found by its id, never by scanning.
-- Payments without a card (hosted ones the buyer has not paid yet) are left out.
CREATE INDEX payments_card ON payments (card_id, created_at) WHERE card_id <> '';
