package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strconv"

	"golang.org/x/image/webp"

	"github.com/cashierpay/cashier/internal/payment"
)

// A merchant's logo is the one image on the pages that is not cashier's own, so what is
// admitted is narrow: raster formats a browser cannot run anything in (no SVG, which may
// carry script), small enough to store in the database and send with every page, and sized
// like a logo. The type is what the bytes are, never what a file name says.
const (
	// MaxLogoBytes bounds a logo's file.
	MaxLogoBytes = 100 << 10
	// minLogoSide and maxLogoSide bound each side in pixels: the header shows the logo at
	// most 48 pixels high and 200 wide, so anything larger is only weight.
	minLogoSide, maxLogoSide = 16, 1024
)

// LogoPrefix is where the merchants' logos are served, by digest.
const LogoPrefix = "/checkout/logos/"

var logoDecoders = map[string]struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}{
	"image/png":  {png.DecodeConfig, png.Decode},
	"image/jpeg": {jpeg.DecodeConfig, jpeg.Decode},
	"image/webp": {webp.DecodeConfig, webp.Decode},
}

// ParseLogo admits data as a merchant's logo: a PNG, JPEG or WebP file by its content, of
// at most MaxLogoBytes, between 16 and 1024 pixels a side, that decodes whole. The error
// says which rule it broke, for the operator who set it.
func ParseLogo(data []byte) (*payment.Logo, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("the logo file is empty")
	}
	if len(data) > MaxLogoBytes {
		return nil, fmt.Errorf("the logo is %d bytes; at most %d KB", len(data), MaxLogoBytes>>10)
	}
	ct := http.DetectContentType(data)
	dec, ok := logoDecoders[ct]
	if !ok {
		return nil, fmt.Errorf("the logo must be a PNG, JPEG or WebP image (SVG is not taken: it may carry script); this is %s", ct)
	}
	// The dimensions are read from the header before anything is decoded, so that a small
	// file claiming a huge image is refused without allocating it.
	cfg, err := dec.config(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("the logo is not a readable %s: %w", ct, err)
	}
	for _, side := range []int{cfg.Width, cfg.Height} {
		if side < minLogoSide || side > maxLogoSide {
			return nil, fmt.Errorf("the logo is %d×%d pixels; each side must be %d to %d", cfg.Width, cfg.Height, minLogoSide, maxLogoSide)
		}
	}
	if _, err := dec.decode(bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("the logo is not a readable %s: %w", ct, err)
	}
	sum := sha256.Sum256(data)
	return &payment.Logo{ContentType: ct, Data: data, Digest: hex.EncodeToString(sum[:16])}, nil
}

// serveLogo serves a merchant's logo by its digest: GET /checkout/logos/{digest}. The
// digest is of the bytes, so the answer never changes and browsers may keep it a year; a
// new logo is a new URL. The header is the stored type, and nothing may sniff, run or
// frame it.
func (p *Pages) serveLogo(w http.ResponseWriter, r *http.Request) {
	logo, err := p.logos.MerchantLogo(r.Context(), r.PathValue("digest"))
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", apiCSP)
	if err != nil {
		p.log.ErrorContext(r.Context(), "web: logo lookup failed", "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	if logo == nil {
		http.NotFound(w, r)
		return
	}
	etag := `"` + logo.Digest + `"`
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", etag)
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", logo.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(logo.Data)))
	w.Write(logo.Data)
}

// LogoPath is where a merchant's logo of digest is served, "" when it has none.
func LogoPath(digest string) string {
	if digest == "" {
		return ""
	}
	return LogoPrefix + digest
}
