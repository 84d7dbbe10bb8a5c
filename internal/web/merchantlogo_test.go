package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/cashierpay/cashier/internal/checkout"
	"github.com/cashierpay/cashier/internal/payment"
)

func encoded(t *testing.T, w, h int, enc func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := enc(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngOf(t *testing.T, w, h int) []byte {
	return encoded(t, w, h, func(b *bytes.Buffer, i image.Image) error { return png.Encode(b, i) })
}

// TestParseLogo: PNG, JPEG and WebP of a logo's size are taken, by their bytes, under the
// digest of their bytes; anything else is refused saying why.
func TestParseLogo(t *testing.T) {
	webp, err := os.ReadFile("testdata/logo.webp")
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		data []byte
		ct   string
	}{
		"png":  {pngOf(t, 120, 40), "image/png"},
		"jpeg": {encoded(t, 64, 64, func(b *bytes.Buffer, i image.Image) error { return jpeg.Encode(b, i, nil) }), "image/jpeg"},
		"webp": {webp, "image/webp"},
	} {
		l, err := ParseLogo(tc.data)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		sum := sha256.Sum256(tc.data)
		if l.ContentType != tc.ct || !bytes.Equal(l.Data, tc.data) || l.Digest != hex.EncodeToString(sum[:16]) {
			t.Errorf("%s: %s, digest %s", name, l.ContentType, l.Digest)
		}
	}

	good := pngOf(t, 120, 40)
	huge := bytes.Repeat([]byte{0}, MaxLogoBytes+1)
	copy(huge, good)
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"empty":     {nil, "empty"},
		"too heavy": {huge, "at most 100 KB"},
		"svg": {[]byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>`),
			"SVG is not taken"},
		"svg without xml": {[]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "PNG, JPEG or WebP"},
		"html":            {[]byte(`<html><script>alert(1)</script></html>`), "PNG, JPEG or WebP"},
		"gif":             {encoded(t, 40, 40, func(b *bytes.Buffer, i image.Image) error { return gif.Encode(b, i, nil) }), "image/gif"},
		"too wide":        {pngOf(t, 1025, 40), "1025×40 pixels"},
		"too small":       {pngOf(t, 15, 40), "15×40 pixels"},
		"cut short":       {good[:len(good)-20], "not a readable image/png"},
		"png header only": {good[:40], "not a readable image/png"},
	} {
		l, err := ParseLogo(tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %+v, %v; want an error with %q", name, l, err, tc.want)
		}
	}
}

// TestLogoServed: a logo is served by its digest, with its own type, for a year, and never
// sniffed; an unknown or old digest is 404.
func TestLogoServed(t *testing.T) {
	h := newHarness(t, baseView(checkout.StepCard))
	logo, err := ParseLogo(pngOf(t, 120, 40))
	if err != nil {
		t.Fatal(err)
	}
	h.flow.logo = logo
	w := h.get(LogoPrefix + logo.Digest)
	hd := w.Header()
	if w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), logo.Data) || hd.Get("Content-Type") != "image/png" ||
		hd.Get("Cache-Control") != "public, max-age=31536000, immutable" || hd.Get("X-Content-Type-Options") != "nosniff" ||
		hd.Get("ETag") != `"`+logo.Digest+`"` || !strings.Contains(hd.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("logo: %d %v", w.Code, hd)
	}
	if w := h.get(LogoPrefix+logo.Digest, "If-None-Match", `"`+logo.Digest+`"`); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("revalidation: %d", w.Code)
	}
	for _, path := range []string{LogoPrefix + "0123456789abcdef0123456789abcdef", LogoPrefix + logo.Digest + "x"} {
		if w := h.get(path); w.Code != http.StatusNotFound || strings.HasPrefix(w.Header().Get("Content-Type"), "image/") {
			t.Errorf("%s: %d %s", path, w.Code, w.Header().Get("Content-Type"))
		}
	}
}

// TestMerchantLogoShown: with a logo, the header of every hosted page shows it in place of
// the name, which is its alt text; without one, the name. The SDK's frame has no header.
func TestMerchantLogoShown(t *testing.T) {
	for _, step := range []checkout.Step{checkout.StepCard, checkout.StepCVV, checkout.StepChallenge, checkout.StepIssuer, checkout.StepResult} {
		v := baseView(step)
		v.MerchantName = `Zoë & "Co"`
		v.MerchantLogo = "0123456789abcdef0123456789abcdef"
		if step == checkout.StepResult {
			v.Status = payment.Success
		}
		body := newHarness(t, v).get(pagePathT).Body.String()
		img := tag(t, body, "merchant-logo")
		if img["src"] != LogoPrefix+v.MerchantLogo || img["alt"] != v.MerchantName {
			t.Errorf("%s: logo %v", step, img)
		}
		if got := text(t, body, "merchant"); got != "" {
			t.Errorf("%s: the header says %q beside the logo", step, got)
		}
		v.MerchantLogo = ""
		body = newHarness(t, v).get(pagePathT).Body.String()
		if hasID(body, "merchant-logo") || text(t, body, "merchant") != v.MerchantName {
			t.Errorf("%s without a logo: header %q", step, text(t, body, "merchant"))
		}
	}
}
