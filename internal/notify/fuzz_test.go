package notify

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/ams"
)

// FuzzIsAck checks IsAck against a reading of its own: an answer is the acknowledgement when
// it is one JSON object whose only member is result, whose only members are resultCode
// SUCCESS, resultStatus S and resultMessage success, in any order and spacing, with no key
// twice or in another case (which other JSON readers would take differently).
//
//	go test ./internal/notify -run '^$' -fuzz FuzzIsAck -fuzztime 60s
func FuzzIsAck(f *testing.F) {
	for _, s := range []string{
		ams.AckBody,
		"\r\n { \"result\" : {\"resultMessage\":\"success\",\t\"resultStatus\":\"S\",\"resultCode\":\"SUCCESS\"} }\n",
		`{"result":{"resultCode":"\u0053UCCESS","resultStatus":"S","resultMessage":"success"}}`,
		`{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"Success"}}`,
		`{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success","extra":1}}`,
		`{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentId":"P1"}`,
		`{"RESULT":{"resultcode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}`,
		`{"result":{"resultCode":"FAIL","resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}`,
		`{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"result":null}`,
		`{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}} {}`,
		`{"result":{"$ref":"$.r"},"r":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"}}`,
		`{"result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success\u0000"}}`,
		`{"result":[]}`, `SUCCESS`, `null`, ``, "\xef\xbb\xbf{}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if got, want := IsAck(body), exactAck(body); got != want {
			t.Fatalf("IsAck(%q) = %v, want %v", body, got, want)
		}
	})
}

// exactAck is the acknowledgement's definition, read with the standard library only.
func exactAck(body []byte) bool {
	if !json.Valid(body) || !oneReading(json.NewDecoder(bytes.NewReader(body))) {
		return false
	}
	var v map[string]any
	if json.Unmarshal(body, &v) != nil || len(v) != 1 {
		return false
	}
	r, ok := v["result"].(map[string]any)
	return ok && len(r) == 3 && r["resultCode"] == "SUCCESS" && r["resultStatus"] == "S" && r["resultMessage"] == "success"
}

// oneReading reads one JSON value and says whether no object in it has two keys equal under
// case folding.
func oneReading(dec *json.Decoder) bool {
	tok, err := dec.Token()
	if err != nil {
		return false
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return true
	}
	var keys []string
	for dec.More() {
		if d == '{' {
			k, err := dec.Token()
			if err != nil {
				return false
			}
			for _, seen := range keys {
				if strings.EqualFold(seen, k.(string)) {
					return false
				}
			}
			keys = append(keys, k.(string))
		}
		if !oneReading(dec) {
			return false
		}
	}
	_, err = dec.Token()
	return err == nil
}
