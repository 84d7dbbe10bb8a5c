package ams_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/ams"
)

// javaSDKPayBody is what Antom's Java SDK 2.0.21 sends for the documentation's pay sample,
// which passes one Amount as both order.orderAmount and paymentAmount: fastjson sorts the
// fields, so order comes first and paymentAmount refers back to it.
const javaSDKPayBody = `{"env":{"terminalType":"WEB"},"order":{"orderAmount":{"currency":"USD","value":"1000"},"orderDescription":"x","referenceOrderId":"o1"},"paymentAmount":{"$ref":"$.order.orderAmount"},"paymentMethod":{"paymentMethodType":"CARD"},"paymentRequestId":"r1","productCode":"CASHIER_PAYMENT"}`

func TestResolveRefsJavaSDKPayBody(t *testing.T) {
	out, err := ams.ResolveRefs([]byte(javaSDKPayBody))
	if err != nil {
		t.Fatal(err)
	}
	var req ams.PayRequest
	if err := ams.Decode(out, &req); err != nil {
		t.Fatalf("Decode(%s) = %v", out, err)
	}
	want := ams.Amount{Currency: "USD", Value: "1000"}
	if req.PaymentAmount == nil || *req.PaymentAmount != want {
		t.Fatalf("paymentAmount = %+v, want %+v (body %s)", req.PaymentAmount, want, out)
	}
	if req.Order == nil || req.Order.OrderAmount == nil || *req.Order.OrderAmount != want {
		t.Fatalf("order.orderAmount = %+v, want %+v", req.Order, want)
	}
	if req.PaymentRequestID != "r1" || req.ProductCode != "CASHIER_PAYMENT" || req.Env.TerminalType != "WEB" {
		t.Fatalf("decoded %+v", req)
	}
}

func TestResolveRefsResolves(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"Java SDK pay body", javaSDKPayBody,
			`{"env":{"terminalType":"WEB"},"order":{"orderAmount":{"currency":"USD","value":"1000"},"orderDescription":"x","referenceOrderId":"o1"},"paymentAmount":{"currency":"USD","value":"1000"},"paymentMethod":{"paymentMethodType":"CARD"},"paymentRequestId":"r1","productCode":"CASHIER_PAYMENT"}`},
		{"dotted path", `{"a":{"b":{"x":1}},"c":{"$ref":"$.a.b"}}`, `{"a":{"b":{"x":1}},"c":{"x":1}}`},
		{"index then name", `{"a":[{"b":"v"}],"c":{"$ref":"$.a[0].b"}}`, `{"a":[{"b":"v"}],"c":"v"}`},
		{"single-quoted name", `{"a":{"x":1},"c":{"$ref":"$['a']"}}`, `{"a":{"x":1},"c":{"x":1}}`},
		{"double-quoted name", `{"a":{"x":1},"c":{"$ref":"$[\"a\"]"}}`, `{"a":{"x":1},"c":{"x":1}}`},
		{"quoted name with dot", `{"a.b":2,"a":{"b":1},"c":{"$ref":"$['a.b']"}}`, `{"a.b":2,"a":{"b":1},"c":2}`},
		{"escaped quote in quoted name", `{"it's":3,"c":{"$ref":"$['it\\'s']"}}`, `{"it's":3,"c":3}`},
		{"escaped dot in name", `{"a.b":2,"a":{"b":1},"c":{"$ref":"$.a\\.b"}}`, `{"a.b":2,"a":{"b":1},"c":2}`},
		// fastjson 1.2 escapes every character but letters and digits in a field name.
		{"fastjson 1.2 escapes", `{"goods_name":"g","c":{"$ref":"$.goods\\_name"}}`, `{"goods_name":"g","c":"g"}`},
		{"empty quoted name", `{"":5,"c":{"$ref":"$['']"}}`, `{"":5,"c":5}`},
		{"unicode name", `{"日本":{"x":1},"c":{"$ref":"$.日本.x"}}`, `{"日本":{"x":1},"c":1}`},
		{"array element", `{"list":[{"x":1},{"$ref":"$.list[0]"}]}`, `{"list":[{"x":1},{"x":1}]}`},
		{"root array", `[{"x":1},{"$ref":"$[0]"}]`, `[{"x":1},{"x":1}]`},
		{"nested arrays", `{"m":[[1,2],[3,{"$ref":"$.m[0][1]"}]]}`, `{"m":[[1,2],[3,2]]}`},
		{"before its target", `{"a":{"$ref":"$.b"},"b":{"x":[true,null]}}`, `{"a":{"x":[true,null]},"b":{"x":[true,null]}}`},
		{"to a reference", `{"a":{"$ref":"$.b"},"b":{"$ref":"$.c"},"c":"v"}`, `{"a":"v","b":"v","c":"v"}`},
		{"chain", `{"a":{"$ref":"$.b"},"b":{"$ref":"$.c"},"c":{"$ref":"$.d"},"d":[]}`, `{"a":[],"b":[],"c":[],"d":[]}`},
		{"through a reference", `{"a":{"$ref":"$.c"},"b":{"$ref":"$.a.x"},"c":{"x":2}}`, `{"a":{"x":2},"b":2,"c":{"x":2}}`},
		{"value holding references", `{"a":{"p":{"$ref":"$.c"}},"b":{"$ref":"$.a"},"c":1}`, `{"a":{"p":1},"b":{"p":1},"c":1}`},
		{"to scalars", `{"s":"x","n":null,"t":false,"a":[{"$ref":"$.s"},{"$ref":"$.n"},{"$ref":"$.t"}]}`, `{"s":"x","n":null,"t":false,"a":["x",null,false]}`},
		{"sibling in same object", `{"a":{"x":{"v":1},"y":{"$ref":"$.a.x"}}}`, `{"a":{"x":{"v":1},"y":{"v":1}}}`},
		{"escaped $ref key", `{"a":1,"b":{"\u0024ref":"$.a"}}`, `{"a":1,"b":1}`},
		{"escaped r in key", `{"a":1,"b":{"$\u0072ef":"$.a"}}`, `{"a":1,"b":1}`},
		{"escaped path", `{"a":1,"b":{"$ref":"\u0024.\u0061"}}`, `{"a":1,"b":1}`},
		{"non-string $ref holding a reference", `{"a":1,"b":{"$ref":{"$ref":"$.a"}}}`, `{"a":1,"b":{"$ref":1}}`},
		{"$ref with other members kept", `{"a":1,"b":{"$ref":"$.a","x":1},"c":{"$ref":"$.a"}}`, `{"a":1,"b":{"$ref":"$.a","x":1},"c":1}`},
		{"whitespace dropped", " {\n\t\"a\" : [ 1 , 2 ] ,\r\n \"b\" : { \"$ref\" : \"$.a\" } }\n", `{"a":[1,2],"b":[1,2]}`},
		{"numbers as written", `{"n":1e400,"m":12345678901234567890,"f":-0.0E-7,"z":0,"c":[{"$ref":"$.n"},{"$ref":"$.m"},{"$ref":"$.f"}]}`,
			`{"n":1e400,"m":12345678901234567890,"f":-0.0E-7,"z":0,"c":[1e400,12345678901234567890,-0.0E-7]}`},
		{"strings as written", `{"s":"日本é\u00e9\ud83d\ude00<>&\u2028\\\"\/","c":{"$ref":"$.s"}}`,
			`{"s":"日本é\u00e9\ud83d\ude00<>&\u2028\\\"\/","c":"日本é\u00e9\ud83d\ude00<>&\u2028\\\"\/"}`},
		{"keys as written", `{"\u0061":{"\u0062":1},"c":{"$ref":"$.a.b"}}`, `{"\u0061":{"\u0062":1},"c":1}`},
		{"duplicate key: last wins, both kept", `{"a":1,"a":2,"c":{"$ref":"$.a"}}`, `{"a":1,"a":2,"c":2}`},
		{"leading zeros in index", `{"l":[7],"c":{"$ref":"$.l[00]"}}`, `{"l":[7],"c":7}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !json.Valid([]byte(tc.body)) {
				t.Fatalf("test body is not valid JSON: %s", tc.body)
			}
			out, err := ams.ResolveRefs([]byte(tc.body))
			if err != nil {
				t.Fatalf("ResolveRefs(%s) = %v", tc.body, err)
			}
			if string(out) != tc.want {
				t.Fatalf("ResolveRefs(%s)\n got %s\nwant %s", tc.body, out, tc.want)
			}
		})
	}
}

func TestResolveRefsLeavesAlone(t *testing.T) {
	cases := map[string]string{
		"no reference":            `{"productCode":"CASHIER_PAYMENT","paymentAmount":{"currency":"USD","value":"1000"}}`,
		"dollar in text":          `{"orderDescription":"$10 off, $$$"}`,
		"$ref as a value":         `{"note":"$ref", "x" : 1}`,
		"$ref with other member":  `{"a":1,"b":{"$ref":"$.a","x":1}}`,
		"$ref other member first": `{"a":1,"b":{"x":1,"$ref":"$.a"}}`,
		"$ref twice":              `{"a":1,"b":{"$ref":"$.a","$ref":"$.a"}}`,
		"number $ref":             `{"b":{"$ref":1}}`,
		"null $ref":               `{"b":{"$ref":null}}`,
		"object $ref":             `{"b":{"$ref":{}}}`,
		"array $ref":              `{"b":{"$ref":["$.a"]}}`,
		"$ref in an array":        `{"b":["$ref","$.a"]}`,
		"escaped $ref with more":  `{"b":{"\u0024ref":"$","c":2}}`,
		"literal backslash-u":     `{"b":"\\u0024ref"}`,
		"invalid JSON":            `{"a":{"$ref":"$"}`,
		"trailing data":           `{"a":{"$ref":"$"}} {"b":1}`,
		"two values":              `{"$ref":"$.a"}{"$ref":"$.a"}`,
		"unquoted key":            `{$ref:"$"}`,
		"bad escape":              `{"a":{"\u00zzref":"$"}}`,
		"empty":                   ``,
		"lone dollar":             `$`,
		"bare string":             `"$ref"`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			in := []byte(body)
			out, err := ams.ResolveRefs(in)
			if err != nil {
				t.Fatalf("ResolveRefs(%s) = %v", body, err)
			}
			if !sameSlice(out, in) {
				t.Fatalf("ResolveRefs(%s) = %s, want the same slice back", body, out)
			}
		})
	}
}

func sameSlice(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func TestResolveRefsErrors(t *testing.T) {
	cycle := func(path string) string { return fmt.Sprintf("is a reference (%q) that makes a cycle", path) }
	nowhere := func(path string) string { return fmt.Sprintf("is a reference (%q) that points nowhere", path) }
	cases := []struct {
		name, body, field, reason string
	}{
		{"@ in object", `{"a":{"b":{"$ref":"@"}}}`, "a.b", cycle("@")},
		{".. in object", `{"a":{"x":1,"b":{"c":{"$ref":".."}}}}`, "a.b.c", cycle("..")},
		{"$ in object", `{"a":{"b":{"$ref":"$"}}}`, "a.b", cycle("$")},
		{"@ at top level", `{"a":{"$ref":"@"}}`, "a", cycle("@")},
		{".. at top level", `{"a":{"$ref":".."}}`, "a", nowhere("..")},
		{"$ at top level", `{"a":{"$ref":"$"}}`, "a", cycle("$")},
		{"@ in array", `{"list":[{"x":1},{"$ref":"@"}]}`, "list[1]", cycle("@")},
		{".. in array", `{"list":[{"$ref":".."}]}`, "list[0]", cycle("..")},
		{"$ in array", `{"list":[{"$ref":"$"}]}`, "list[0]", cycle("$")},
		{"ancestor", `{"a":{"b":{"$ref":"$.a"}}}`, "a.b", cycle("$.a")},
		{"ancestor through array", `{"list":[{"x":[{"$ref":"$.list"}]}]}`, "list[0].x[0]", cycle("$.list")},
		{"itself", `{"a":{"$ref":"$.a"}}`, "a", cycle("$.a")},
		{"loop of references", `{"a":{"$ref":"$.b"},"b":{"$ref":"$.a"}}`, "b", cycle("$.a")},
		{"loop through values", `{"a":{"p":{"$ref":"$.b"}},"b":{"q":{"$ref":"$.a"}}}`, "b.q", cycle("$.a")},
		{"loop through a path", `{"a":{"$ref":"$.b.x"},"b":{"$ref":"$.a"}}`, "b", cycle("$.a")},
		{"copy holding its ancestor", `{"a":{"x":{"$ref":"$.b"}},"b":{"$ref":"$.a"}}`, "a.x", cycle("$.b")},
		{"body is a reference", `{"$ref":"$"}`, "", "request body " + cycle("$")},
		{"body is @", `{"$ref":"@"}`, "", "request body " + nowhere("@")},
		{"body is a reference into itself", ` {"$ref":"$.a"} `, "", "request body " + cycle("$.a")},
		{"missing key", `{"a":{"x":1},"paymentAmount":{"$ref":"$.nope"}}`, "paymentAmount", nowhere("$.nope")},
		{"missing nested key", `{"a":{"x":1},"c":{"$ref":"$.a.y"}}`, "c", nowhere("$.a.y")},
		{"name of a string", `{"a":"s","c":{"$ref":"$.a.b"}}`, "c", nowhere("$.a.b")},
		{"name of an array", `{"a":[1],"c":{"$ref":"$.a.b"}}`, "c", nowhere("$.a.b")},
		{"index of an object", `{"a":{"0":1},"c":{"$ref":"$.a[0]"}}`, "c", nowhere("$.a[0]")},
		{"index of root object", `{"a":1,"c":{"$ref":"$[0]"}}`, "c", nowhere("$[0]")},
		{"index out of range", `{"l":[1,2],"c":{"$ref":"$.l[2]"}}`, "c", nowhere("$.l[2]")},
		{"negative index", `{"l":[1,2],"c":{"$ref":"$.l[-1]"}}`, "c", nowhere("$.l[-1]")},
		{"huge index", `{"l":[1,2],"c":{"$ref":"$.l[99999999999999999999]"}}`, "c", nowhere("$.l[99999999999999999999]")},
		{"index not a number", `{"l":[1,2],"c":{"$ref":"$.l[x]"}}`, "c", nowhere("$.l[x]")},
		{"empty index", `{"l":[1,2],"c":{"$ref":"$.l[]"}}`, "c", nowhere("$.l[]")},
		{"unclosed index", `{"l":[1,2],"c":{"$ref":"$.l[1"}}`, "c", nowhere("$.l[1")},
		{"unclosed quote", `{"a":1,"c":{"$ref":"$['a"}}`, "c", nowhere("$['a")},
		{"unclosed bracket", `{"a":1,"c":{"$ref":"$['a'"}}`, "c", nowhere("$['a'")},
		{"mixed quotes", `{"a":1,"c":{"$ref":"$['a\"]"}}`, "c", nowhere(`$['a"]`)},
		{"two names in brackets", `{"a":1,"c":{"$ref":"$['a','b']"}}`, "c", nowhere("$['a','b']")},
		{"empty path", `{"a":1,"c":{"$ref":""}}`, "c", nowhere("")},
		{"empty name", `{"a":1,"c":{"$ref":"$."}}`, "c", nowhere("$.")},
		{"deep scan", `{"a":1,"c":{"$ref":"$..a"}}`, "c", nowhere("$..a")},
		{"no $", `{"a":1,"c":{"$ref":"a"}}`, "c", nowhere("a")},
		{"no dot", `{"a":1,"c":{"$ref":"$a"}}`, "c", nowhere("$a")},
		{"@ with a step", `{"a":{"x":1,"c":{"$ref":"@.x"}}}`, "a.c", nowhere("@.x")},
		{"wildcard", `{"a":[1],"c":{"$ref":"$.a[*]"}}`, "c", nowhere("$.a[*]")},
		{"trailing backslash", `{"a":1,"c":{"$ref":"$.a\\"}}`, "c", nowhere(`$.a\`)},
		{"trailing dot", `{"a":{"b":1},"c":{"$ref":"$.a."}}`, "c", nowhere("$.a.")},
		{"to a bad reference", `{"a":{"$ref":"$.b"},"b":{"$ref":"$.nope"}}`, "b", nowhere("$.nope")},
		{"in goods", `{"order":{"goods":[{},{"goodsUnitAmount":{"$ref":"$.order.nope"}}]}}`, "order.goods[1].goodsUnitAmount", nowhere("$.order.nope")},
		{"in root array", `[1,{"a":{"$ref":"@"}}]`, "[1].a", cycle("@")},
		{"in nested arrays", `{"m":[[1],[2,{"$ref":"$.m[5]"}]]}`, "m[1][1]", nowhere("$.m[5]")},
		{"escaped key named", `{"a":{"\u0062":{"$ref":"$.x"}}}`, "a.b", nowhere("$.x")},
		{"long path cut short", `{"c":{"$ref":"$.` + strings.Repeat("é", 40) + `"}}`, "c",
			`is a reference ("$.` + strings.Repeat("é", 31) + `"...) that points nowhere`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !json.Valid([]byte(tc.body)) {
				t.Fatalf("test body is not valid JSON: %s", tc.body)
			}
			out, err := ams.ResolveRefs([]byte(tc.body))
			var fe *ams.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("ResolveRefs(%s) = %s, %v (%T), want *FieldError", tc.body, out, err, err)
			}
			if fe.Field != tc.field || fe.Reason != tc.reason {
				t.Fatalf("ResolveRefs(%s):\n got Field %q Reason %q\nwant Field %q Reason %q", tc.body, fe.Field, fe.Reason, tc.field, tc.reason)
			}
		})
	}
}

// doublingBody has levels arrays, each holding two references to the one before, over a
// string of n bytes: a short body that resolves to about 2^levels * n bytes.
func doublingBody(levels, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"l0":%q`, strings.Repeat("x", n))
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, `,"l%d":[{"$ref":"$.l%d"},{"$ref":"$.l%[2]d"}]`, i, i-1)
	}
	return b.String() + "}"
}

func TestResolveRefsSizeCap(t *testing.T) {
	// Under the cap: levels 0..10 hold 2^11-1 copies of the string, about 2 MiB in all.
	body := doublingBody(10, 1000)
	out, err := ams.ResolveRefs([]byte(body))
	if err != nil {
		t.Fatalf("%d-byte body: %v", len(body), err)
	}
	if n := strings.Count(string(out), strings.Repeat("x", 1000)); n != 1<<11-1 {
		t.Fatalf("result holds %d copies of the string, want %d", n, 1<<11-1)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}

	// Over the cap: 40 levels would be a terabyte; the answer must come at once.
	for _, body := range []string{doublingBody(13, 1000), doublingBody(40, 1000), doublingBody(60, 1)} {
		_, err := ams.ResolveRefs([]byte(body))
		var fe *ams.FieldError
		if !errors.As(err, &fe) || fe.Field != "" || !strings.Contains(fe.Reason, "8 MiB") {
			t.Fatalf("%d-byte body: err = %v, want the size cap", len(body), err)
		}
	}
}

func TestResolveRefsDepthCap(t *testing.T) {
	nest := func(depth int, inner string) string {
		return strings.Repeat("[", depth) + inner + strings.Repeat("]", depth)
	}
	// Each half nests 6000 deep; spliced together they pass encoding/json's limit of 10000.
	body := `{"a":` + nest(6000, `{"$ref":"$.b"}`) + `,"b":` + nest(6000, "1") + `}`
	if !json.Valid([]byte(body)) {
		t.Fatal("test body is not valid JSON")
	}
	_, err := ams.ResolveRefs([]byte(body))
	var fe *ams.FieldError
	if !errors.As(err, &fe) || !strings.Contains(fe.Reason, "nests too deeply") {
		t.Fatalf("err = %v, want the depth cap", err)
	}
	// The same value reached first at a shallow place and then at a deep one.
	body = `{"b":` + nest(6000, "1") + `,"c":{"$ref":"$.b"},"a":` + nest(6000, `{"$ref":"$.b"}`) + `}`
	if _, err := ams.ResolveRefs([]byte(body)); !errors.As(err, &fe) || !strings.Contains(fe.Reason, "nests too deeply") {
		t.Fatalf("err = %v, want the depth cap", err)
	}
	// Within the limit the result is valid JSON.
	body = `{"a":` + nest(4000, `{"$ref":"$.b"}`) + `,"b":` + nest(4000, "1") + `}`
	out, err := ams.ResolveRefs([]byte(body))
	if err != nil || !json.Valid(out) {
		t.Fatalf("err = %v, valid %v", err, json.Valid(out))
	}
}

func TestResolveRefsLongChain(t *testing.T) {
	// Each reference points to the next; resolving must not walk the chain once per link.
	const n = 20000
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, `"r%d":{"$ref":"$.r%d"},`, i, i+1)
	}
	fmt.Fprintf(&b, `"r%d":"end"}`, n)
	out, err := ams.ResolveRefs([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(out), `"end"`); got != n+1 {
		t.Fatalf("%d values resolved, want %d", got, n+1)
	}
}

// holdsRef reports whether the valid JSON data still has an object whose only member is
// "$ref" with a string value. It reads tokens rather than maps, so that an object repeating
// "$ref" does not look like a reference.
func holdsRef(t testing.TB, data []byte) bool {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	// value reads one value and reports whether it is a string and whether it holds a reference.
	var value func() (isString, found bool)
	value = func() (bool, bool) {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("holdsRef(%s): %v", data, err)
		}
		found := false
		switch tok {
		case json.Delim('['):
			for dec.More() {
				_, f := value()
				found = found || f
			}
		case json.Delim('{'):
			members, ref := 0, false
			for dec.More() {
				key, _ := dec.Token()
				isString, f := value()
				members++
				ref = key == "$ref" && isString
				found = found || f
			}
			found = found || members == 1 && ref
		default:
			_, isString := tok.(string)
			return isString, false
		}
		if _, err := dec.Token(); err != nil {
			t.Fatalf("holdsRef(%s): %v", data, err)
		}
		return false, found
	}
	_, found := value()
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("holdsRef(%s): data after the value", data)
	}
	return found
}

// payBody is a typical pay request as the Java SDK writes it, about 1 KB; amount is the
// paymentAmount member's value.
func payBody(amount string) []byte {
	return []byte(`{"env":{"browserInfo":{"acceptHeader":"text/html,application/xhtml+xml","javaEnabled":false,"javaScriptEnabled":true,"language":"en-US","userAgent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"},"clientIp":"203.0.113.7","colorDepth":"24","screenHeight":"1080","screenWidth":"1920","terminalType":"WEB","timeZoneOffset":-480},` +
		`"order":{"buyer":{"buyerEmail":"buyer@example.com","buyerPhoneNo":"+6512345678","referenceBuyerId":"B-20260101-0042"},"env":{"terminalType":"WEB"},"goods":[{"goodsCategory":"apparel","goodsName":"Linen shirt","goodsQuantity":"1","goodsUnitAmount":{"currency":"USD","value":"1000"},"referenceGoodsId":"G-1"}],` +
		`"orderAmount":{"currency":"USD","value":"1000"},"orderDescription":"Linen shirt, size M","referenceOrderId":"ORDER-20260101-000042"},` +
		`"paymentAmount":` + amount + `,` +
		`"paymentFactor":{"captureMode":"AUTOMATIC","isAuthorization":true},"paymentMethod":{"paymentMethodMetaData":{"billingAddress":{"address1":"1 Example Road","city":"Singapore","region":"SG","zipCode":"018989"},"cardholderName":{"firstName":"Ada","lastName":"Lee"},"cvv":"123","expiryMonth":"02","expiryYear":"29","cardNo":"4054695723100768","is3DSAuthentication":false},"paymentMethodType":"CARD"},` +
		`"paymentNotifyUrl":"https://merchant.example/antom/notify","paymentRedirectUrl":"https://merchant.example/return?order=42","paymentRequestId":"PAY-20260101-000042","productCode":"CASHIER_PAYMENT","settlementStrategy":{"settlementCurrency":"USD"}}`)
}

// BenchmarkResolveRefs measures a typical pay body: without a reference ResolveRefs only
// scans it, and must not allocate.
//
//	go test ./ams -run '^$' -bench ResolveRefs -benchmem
func BenchmarkResolveRefs(b *testing.B) {
	for _, bc := range []struct {
		name string
		body []byte
	}{
		{"no-ref", payBody(`{"currency":"USD","value":"1000"}`)},
		{"ref", payBody(`{"$ref":"$.order.orderAmount"}`)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ams.ResolveRefs(bc.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestResolveRefsFastPathDoesNotAllocate(t *testing.T) {
	body := payBody(`{"currency":"USD","value":"1000"}`)
	if allocs := testing.AllocsPerRun(100, func() { _, _ = ams.ResolveRefs(body) }); allocs != 0 {
		t.Fatalf("%v allocations per call, want none", allocs)
	}
	out, err := ams.ResolveRefs(payBody(`{"$ref":"$.order.orderAmount"}`))
	if err != nil || !bytes.Equal(out, body) {
		t.Fatalf("ResolveRefs = %s, %v\nwant %s", out, err, body)
	}
}
