package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/cashierpay/cashier/ams"
)

// FuzzNotification reads any body, path and headers as a merchant's notify URL would. The
// body parses into the typed notification its notifyType names, which encodes and parses back
// the same, or into an error wrapping an *ams.FieldError; the signature verifies when the
// gateway's key signed exactly this body, path, Client-Id and Request-Time, and never for
// another Signature header or a body one byte off.
//
//	go test ./client -run '^$' -fuzz FuzzNotification -fuzztime 60s
func FuzzNotification(f *testing.F) {
	key, err := ams.ParsePrivateKey(testKey)
	if err != nil {
		f.Fatal(err)
	}
	payment := `{"notifyType":"PAYMENT_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentRequestId":"R-1","paymentId":"P-1","paymentAmount":{"currency":"USD","value":"1000"},"paymentTime":"2026-11-22T12:27:40+08:00","paymentResultInfo":{"cardNo":"************0768","cardBrand":"VISA"}}`
	for _, s := range []struct {
		body, path, query, clientID, reqTime, sig string
		signed                                    bool
	}{
		{payment, "/notify", "", "MERCHANT_0001", "2026-11-22T12:27:41+08:00", "", true},
		{`{"notifyType":"CAPTURE_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S"},"captureId":"CAP-1","captureAmount":{"currency":"JPY","value":"7"}}`, "/a b/%2F", "x=1&y", "M", "1700000000000", "", true},
		{`{"notifyType":"REFUND_RESULT","refundStatus":"FAIL","refundId":"REF-1","result":{"resultCode":"PROCESS_FAIL","resultStatus":"F"}}`, "/n/../n", "", "", "", "", true},
		{`{"notifyType":"PAYMENT_PENDING","paymentId":"P-2"}`, "", "", "M", "t", "algorithm=RSA256,keyVersion=1,signature=AAAA", false},
		{`{"notifyType":"PAYMENT_RESULT","NOTIFYTYPE":"REFUND_RESULT"}`, "/notify", "", "M", "t", "", true},
		{`{"notifyType":"PAYMENT_RESULT","paymentAmount":{"value":1000}}`, "/notify", "", "M", "t", "signature=%ZZ", false},
		{`{"notifyType":"REFUND_RESULT","refundId":"a\u0000"}`, "/notify", "", "M", "t", "", false},
		{`{"disputeId":"D-1","paymentId":"P-1","paymentRequestId":"R-1","disputeNotificationType":"DISPUTE_JUDGED","disputeJudgedAmount":{"currency":"USD","value":"0"},"disputeJudgedResult":"ACCEPT_BY_CUSTOMER"}`, "/notify", "", "M", "t", "", true},
		{`{"notifyType":"","disputeNotificationType":"DISPUTE_CREATED","disputeAmount":{"currency":"EUR","value":1000}}`, "/notify", "", "M", "t", "", false},
		{`[]`, "/", "", "", "", "", false},
		{``, "", "", "", "", "", true},
	} {
		f.Add([]byte(s.body), s.path, s.query, s.clientID, s.reqTime, s.sig, s.signed, uint(3))
	}
	f.Fuzz(func(t *testing.T, body []byte, path, query, clientID, reqTime, sig string, signed bool, pos uint) {
		checkParse(t, body)

		if path == "" {
			path = "/" // as the gateway signs a notify URL without a path, and as it arrives
		}
		if signed {
			var err error
			if sig, err = ams.SignHeader(ams.RSASigner{Key: key}, "1", http.MethodPost, path, clientID, reqTime, body); err != nil {
				t.Fatal(err)
			}
		}
		r := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: path, RawQuery: query}, Header: http.Header{}}
		r.Header.Set(ams.HeaderClientID, clientID)
		r.Header.Set(ams.HeaderRequestTime, reqTime)
		r.Header.Set(ams.HeaderSignature, sig)
		err := VerifyNotification(&key.PublicKey, r, body)
		var se *SignatureError
		switch {
		case signed && err != nil:
			t.Fatalf("a notification the gateway signed fails: %v", err)
		case !signed && !errors.As(err, &se):
			t.Fatalf("Signature %q over a key nobody has: err %v", sig, err)
		}
		if signed && len(body) > 0 {
			off := bytes.Clone(body)
			off[pos%uint(len(off))] ^= 1
			if err := VerifyNotification(&key.PublicKey, r, off); !errors.As(err, &se) {
				t.Fatalf("the signature of %q verifies %q: %v", body, off, err)
			}
		}
	})
}

func checkParse(t *testing.T, body []byte) {
	t.Helper()
	n, err := ParseNotification(body)
	if !bytes.Equal(n.Body, body) {
		t.Fatalf("ParseNotification(%q).Body = %q", body, n.Body)
	}
	if err != nil {
		var fe *ams.FieldError
		if !errors.As(err, &fe) {
			t.Fatalf("ParseNotification(%q): error %v does not wrap an *ams.FieldError", body, err)
		}
		return
	}
	if n.Dispute != nil {
		// notifyDispute: no notifyType, its type is disputeNotificationType, nothing else set.
		if n.Type == "" || n.Type != n.Dispute.DisputeNotificationType || n.Payment != nil || n.Capture != nil || n.Refund != nil {
			t.Fatalf("ParseNotification(%q): dispute notification with type %q: %+v", body, n.Type, n)
		}
		again, err := json.Marshal(n.Dispute)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := ParseNotification(again); err != nil || !reflect.DeepEqual(back.Dispute, n.Dispute) {
			t.Fatalf("ParseNotification(%q) = %+v, which encodes as %s and parses back as %+v, %v", body, n.Dispute, again, back.Dispute, err)
		}
		return
	}
	typed := map[string]any{ams.NotifyPaymentResult: n.Payment, ams.NotifyCaptureResult: n.Capture, ams.NotifyRefundResult: n.Refund}
	for typ, v := range typed {
		if set := !reflect.ValueOf(v).IsNil(); set != (typ == n.Type) {
			t.Fatalf("ParseNotification(%q): type %q, and the %s notification set: %v", body, n.Type, typ, set)
		}
	}
	v, ok := typed[n.Type]
	if !ok {
		return
	}
	again, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseNotification(again)
	if err != nil || back.Type != n.Type || !reflect.DeepEqual(typed[n.Type], map[string]any{
		ams.NotifyPaymentResult: back.Payment, ams.NotifyCaptureResult: back.Capture, ams.NotifyRefundResult: back.Refund,
	}[n.Type]) {
		t.Fatalf("ParseNotification(%q) = %+v, which encodes as %s and parses back as %+v, %v", body, v, again, back, err)
	}
}
