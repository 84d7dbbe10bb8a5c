package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/cashierpay/cashier/internal/card"
)

//go:embed static/card.js static/card.css static/sdk
var staticFS embed.FS

// assets are the files the pages and the SDK load, read once at start: the hosted pages'
// under their names, the SDK's under sdk/.
type assets map[string]asset

type asset struct {
	body  []byte
	ctype string
	etag  string
}

// sdkAssets are the SDK's files: the public ones may be loaded by any origin.
var sdkAssets = map[string]struct {
	ctype  string
	public bool
}{
	"ams-checkout.js":   {"text/javascript; charset=utf-8", true},
	"ams-checkout.mjs":  {"text/javascript; charset=utf-8", true},
	"ams-checkout.d.ts": {"application/typescript; charset=utf-8", true},
	"frame.js":          {"text/javascript; charset=utf-8", false},
}

func loadAssets(brands card.Table) (assets, error) {
	files := assets{}
	add := func(name, ctype string, body []byte) {
		sum := sha256.Sum256(body)
		files[name] = asset{body: body, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	for name, ctype := range map[string]string{
		"card.js":  "text/javascript; charset=utf-8",
		"card.css": "text/css; charset=utf-8",
	} {
		b, err := staticFS.ReadFile("static/" + name)
		if err != nil {
			return nil, err
		}
		add(name, ctype, b)
	}
	b, err := json.Marshal(brands)
	if err != nil {
		return nil, err
	}
	add("brands.json", "application/json", b)
	if err := loadSDKAssets(add); err != nil {
		return nil, err
	}
	return files, nil
}

// The SDK's logic lives once, in ams-checkout.js, between these markers; ams-checkout.mjs is
// a template whose placeholder is replaced with it when the assets load.
const (
	sdkCoreBegin       = "// @cashier-sdk-core-begin\n"
	sdkCoreEnd         = "// @cashier-sdk-core-end\n"
	sdkCorePlaceholder = "/* @cashier-sdk-core */ null"
)

// buildESM makes the ES module from the UMD script and the module template.
func buildESM(umd, tmpl []byte) ([]byte, error) {
	s := string(umd)
	i := strings.Index(s, sdkCoreBegin)
	j := strings.Index(s, sdkCoreEnd)
	if i < 0 || j < i || strings.Count(s, sdkCoreBegin) != 1 || strings.Count(s, sdkCoreEnd) != 1 {
		return nil, errors.New("web: ams-checkout.js lacks its core markers")
	}
	core := strings.TrimSpace(s[i+len(sdkCoreBegin) : j])
	t := string(tmpl)
	if strings.Count(t, sdkCorePlaceholder) != 1 {
		return nil, errors.New("web: ams-checkout.mjs lacks its core placeholder")
	}
	return []byte(strings.Replace(t, sdkCorePlaceholder, core, 1)), nil
}

func loadSDKAssets(add func(name, ctype string, body []byte)) error {
	files := map[string][]byte{}
	for _, name := range []string{"ams-checkout.js", "ams-checkout.mjs", "ams-checkout.d.ts", "frame.js"} {
		b, err := staticFS.ReadFile("static/sdk/" + name)
		if err != nil {
			return err
		}
		files[name] = b
	}
	esm, err := buildESM(files["ams-checkout.js"], files["ams-checkout.mjs"])
	if err != nil {
		return err
	}
	files["ams-checkout.mjs"] = esm
	for name, b := range files {
		add("sdk/"+name, sdkAssets[name].ctype, b)
	}
	return nil
}

func (files assets) serveStatic(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w, r)
	name := r.PathValue("file")
	a, ok := files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache") // revalidate: the ETag makes that cheap
	h.Del("Pragma")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
}

func (files assets) serveSDKFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	info, known := sdkAssets[name]
	a, ok := files["sdk/"+name]
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if !known || !ok {
		http.NotFound(w, r)
		return
	}
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	if info.public {
		// Merchants' pages of any origin load these, as classic scripts or as modules (which
		// are fetched with CORS). Short-lived in caches, revalidated cheaply by ETag.
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		h.Set("Cache-Control", "public, max-age=300")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
}
