package storetest

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

func testCardInsertGet(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	c := newCard(m, now())
	allSet(t, c)
	ok(t, s.CardInsert(ctx, c), "CardInsert")
	got, err := s.CardGet(ctx, c.ID)
	ok(t, err, "CardGet")
	same(t, "card", c, got)

	got, err = s.CardGet(ctx, newID())
	wantErr(t, err, store.ErrNotFound, "CardGet of an unknown id")
	if got != nil {
		t.Errorf("CardGet of an unknown id returned %+v with its error", got)
	}
}

func testCardGetByToken(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	c1 := newCard(m1, now())
	c2 := newCard(m2, now())
	c2.Token = c1.Token // another merchant may hold the same token
	untokenized := newCard(m1, now())
	untokenized.Token = ""
	for _, c := range []*payment.Card{c1, c2, untokenized} {
		ok(t, s.CardInsert(ctx, c), "CardInsert")
	}

	found := []struct {
		merchant, token string
		want            *payment.Card
	}{
		{m1.ID, c1.Token, c1},
		{m2.ID, c1.Token, c2},
	}
	for _, tc := range found {
		got, err := s.CardGetByToken(ctx, tc.merchant, tc.token)
		ok(t, err, "CardGetByToken")
		same(t, "card by token", tc.want, got)
	}

	missing := []struct{ name, merchant, token string }{
		{"unknown token", m1.ID, "tok-unknown"},
		{"unknown merchant", newID(), c1.Token},
		{"empty token beside an untokenized card", m1.ID, ""},
		{"card id as token", m1.ID, c1.ID},
	}
	for _, tc := range missing {
		got, err := s.CardGetByToken(ctx, tc.merchant, tc.token)
		wantErr(t, err, store.ErrNotFound, "CardGetByToken: "+tc.name)
		if got != nil {
			t.Errorf("CardGetByToken: %s: returned %+v with its error", tc.name, got)
		}
	}
}

func testCardWithoutToken(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	var cards []*payment.Card
	for range 3 {
		c := newCard(m, now())
		c.Token = ""
		ok(t, s.CardInsert(ctx, c), "CardInsert of an untokenized card")
		cards = append(cards, c)
	}
	for _, c := range cards {
		got, err := s.CardGet(ctx, c.ID)
		ok(t, err, "CardGet")
		same(t, "untokenized card", c, got)
	}
}

func testCardDuplicateToken(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	c := newCard(m, now())
	ok(t, s.CardInsert(ctx, c), "CardInsert")
	dup := newCard(m, now())
	dup.Token = c.Token
	wantErr(t, s.CardInsert(ctx, dup), store.ErrConflict, "CardInsert of a taken token")

	_, err := s.CardGet(ctx, dup.ID)
	wantErr(t, err, store.ErrNotFound, "CardGet of the conflicting card")
	got, err := s.CardGetByToken(ctx, m.ID, c.Token)
	ok(t, err, "CardGetByToken")
	same(t, "card holding the token", c, got)
}

func testCardSealedBytes(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	every := make([]byte, 256)
	for i := range every {
		every[i] = byte(i)
	}
	large := make([]byte, 64<<10)
	rng := rand.NewChaCha8([32]byte{1})
	_, _ = rng.Read(large)
	tests := []struct {
		name   string
		sealed []byte
	}{
		{"one zero byte", []byte{0}},
		{"every byte value", every},
		{"invalid UTF-8", []byte{0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc}},
		{"trailing zeros", []byte{'k', 'e', 'y', 0, 0, 0}},
		{"64 KiB random", large},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCard(m, now())
			c.Sealed = bytes.Clone(tc.sealed)
			ok(t, s.CardInsert(ctx, c), "CardInsert")
			got, err := s.CardGet(ctx, c.ID)
			ok(t, err, "CardGet")
			if !bytes.Equal(got.Sealed, tc.sealed) {
				t.Errorf("Sealed: got %d bytes %x..., want %d bytes %x...", len(got.Sealed), head(got.Sealed), len(tc.sealed), head(tc.sealed))
			}
		})
	}
}

// head keeps a failure's message short: the blobs run to 64 KiB.
func head(b []byte) []byte { return b[:min(len(b), 16)] }

const (
	keyOld  = "k1-20250101"
	keyMid  = "k2-20250601"
	keyNew  = "k3-20251201"
	keyNone = "k9-never-used"
)

func testCardListNotUnderKey(t *testing.T, s store.Store) {
	ctx := t.Context()
	m1, m2 := addMerchant(t, s), addMerchant(t, s)
	base := now()
	// cards is in id order; creation times run the other way, and the cards are inserted in
	// neither order, so only ORDER BY id gives the wanted order. Rotation covers every
	// merchant's cards.
	keys := []string{keyOld, keyMid, keyOld, keyNew, keyMid, keyOld, keyNew, keyOld, keyMid}
	ids := sortedIDs(len(keys))
	cards := make([]*payment.Card, len(keys))
	for i, k := range keys {
		c := newCard([]*payment.Merchant{m1, m2}[i%2], base.Add(-time.Duration(i)*time.Second))
		c.ID, c.KeyID = ids[i], k
		c.Sealed = append(bytes.Clone(c.Sealed), byte(i))
		cards[i] = c
	}
	for _, i := range []int{4, 8, 0, 6, 2, 7, 1, 5, 3} {
		ok(t, s.CardInsert(ctx, cards[i]), "CardInsert")
	}
	notUnder := func(key, after string) []*payment.Card {
		var out []*payment.Card
		for _, c := range cards {
			if c.KeyID != key && c.ID > after {
				out = append(out, c)
			}
		}
		return out
	}

	tests := []struct {
		name       string
		key, after string
		limit      int
		want       []*payment.Card
	}{
		{"not under the middle key", keyMid, "", 100, notUnder(keyMid, "")},
		{"not under the old key", keyOld, "", 100, notUnder(keyOld, "")},
		{"not under an unused key", keyNone, "", 100, cards},
		{"limit", keyMid, "", 2, notUnder(keyMid, "")[:2]},
		{"limit one", keyOld, "", 1, notUnder(keyOld, "")[:1]},
		{"after a listed card", keyMid, cards[2].ID, 100, notUnder(keyMid, cards[2].ID)},
		{"after a card under the key", keyMid, cards[4].ID, 100, notUnder(keyMid, cards[4].ID)},
		{"after and limit", keyOld, cards[1].ID, 2, notUnder(keyOld, cards[1].ID)[:2]},
		{"after the last card", keyNone, cards[len(cards)-1].ID, 100, nil},
	}
	for _, tc := range tests {
		got, err := s.CardListNotUnderKey(ctx, store.CardKeyPage{KeyID: tc.key, AfterID: tc.after, Limit: tc.limit})
		ok(t, err, "CardListNotUnderKey: "+tc.name)
		same(t, "CardListNotUnderKey: "+tc.name, tc.want, got)
	}

	// Paging as vault rotate-key does: each page after the last id of the one before.
	var paged []*payment.Card
	after, pages := "", 0
	for ; pages < 10; pages++ {
		page, err := s.CardListNotUnderKey(ctx, store.CardKeyPage{KeyID: keyNew, AfterID: after, Limit: 3})
		ok(t, err, "CardListNotUnderKey: page")
		if len(page) > 3 {
			t.Fatalf("CardListNotUnderKey: page %d has %d cards, limit 3", pages, len(page))
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		after = page[len(page)-1].ID
	}
	same(t, "CardListNotUnderKey: pages of 3", notUnder(keyNew, ""), paged)
	if want := 3; pages != want {
		t.Errorf("CardListNotUnderKey: got %d pages before the empty one, want %d", pages, want)
	}

	// Once every card is under one key, none is listed.
	for _, c := range cards {
		if c.KeyID != keyNew {
			ok(t, s.CardRewrap(ctx, store.CardRewrap{ID: c.ID, FromKeyID: c.KeyID, ToKeyID: keyNew, Sealed: c.Sealed}), "CardRewrap")
		}
	}
	got, err := s.CardListNotUnderKey(ctx, store.CardKeyPage{KeyID: keyNew, AfterID: "", Limit: 100})
	ok(t, err, "CardListNotUnderKey")
	same(t, "CardListNotUnderKey after rewrapping every card", nil, got)
}

func testCardRewrap(t *testing.T, s store.Store) {
	ctx := t.Context()
	m := addMerchant(t, s)
	c, other := newCard(m, now()), newCard(m, now())
	ok(t, s.CardInsert(ctx, c), "CardInsert")
	ok(t, s.CardInsert(ctx, other), "CardInsert")
	if c.KeyID != keyOld {
		t.Fatalf("fixture key %q, want %q", c.KeyID, keyOld)
	}
	check := func(what string, want *payment.Card) {
		t.Helper()
		got, err := s.CardGet(ctx, want.ID)
		ok(t, err, "CardGet")
		same(t, what, want, got)
		got, err = s.CardGetByToken(ctx, want.MerchantID, want.Token)
		ok(t, err, "CardGetByToken")
		same(t, what+" (by token)", want, got)
	}

	// Shorter than the old blob, with zeros and invalid UTF-8: the bytes are replaced whole.
	sealed := []byte{0xff, 0x00, 'n', 'e', 'w', 0x00, 0xc3, 0x28}
	ok(t, s.CardRewrap(ctx, store.CardRewrap{ID: c.ID, FromKeyID: keyOld, ToKeyID: keyMid, Sealed: bytes.Clone(sealed)}), "CardRewrap")
	want := *c
	want.KeyID, want.Sealed = keyMid, sealed
	check("card after CardRewrap", &want)
	check("the other card", other)

	// A rotation that read the card before it moved loses and changes nothing.
	stale := []struct{ name, id, from string }{
		{"from the key it had before", c.ID, keyOld},
		{"from a key that never wrapped it", c.ID, keyNone},
		{"from an empty key", c.ID, ""},
		{"of an unknown card", newID(), keyMid},
	}
	for _, tc := range stale {
		wantErr(t, s.CardRewrap(ctx, store.CardRewrap{ID: tc.id, FromKeyID: tc.from, ToKeyID: keyNew, Sealed: []byte("late")}), store.ErrStale, "CardRewrap "+tc.name)
		check("card after a stale CardRewrap ("+tc.name+")", &want)
	}
	check("the other card after stale rewraps", other)

	// Onwards from the key it has now, to a larger blob.
	large := make([]byte, 64<<10)
	rng := rand.NewChaCha8([32]byte{2})
	_, _ = rng.Read(large)
	ok(t, s.CardRewrap(ctx, store.CardRewrap{ID: c.ID, FromKeyID: keyMid, ToKeyID: keyNew, Sealed: bytes.Clone(large)}), "CardRewrap to a 64 KiB blob")
	want.KeyID, want.Sealed = keyNew, large
	check("card after a second CardRewrap", &want)

	// Inside a transaction, too.
	ok(t, s.Tx(ctx, func(q store.Tx) error {
		return q.CardRewrap(ctx, store.CardRewrap{ID: other.ID, FromKeyID: keyOld, ToKeyID: keyMid, Sealed: sealed})
	}), "Tx(CardRewrap)")
	wantOther := *other
	wantOther.KeyID, wantOther.Sealed = keyMid, sealed
	check("the other card after its CardRewrap in Tx", &wantOther)
	check("card after the other card's CardRewrap", &want)
}
