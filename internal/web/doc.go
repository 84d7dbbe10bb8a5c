// Package web serves the buyer-facing pages of hosted mode (托管模式): the page a pay
// response's normalUrl opens, at /checkout/{token}. One URL shows whatever the payment
// needs next, as the gateway's HostedView says: the card form, the CVV of a saved card, the
// sandbox 3-D Secure challenge, the Korean issuer's own authentication, or the result, which
// sends the buyer back to the merchant's paymentRedirectUrl.
//
// The package is a transport. It decides nothing about the payment: it parses forms, hands
// them to a Flow (the gateway) and renders the view it gets back. Forms follow
// Post/Redirect/Get: a post answers 303 to the page, except a form the gateway refused field
// by field, which is shown again at once with the messages and the fields that are not
// secret (the card number and the CVV are never written back into a page).
//
// Pages work without JavaScript. A form without it cannot offer a co-badged card's brands or
// the card's installment plans as the buyer types; when the card has either, the post comes
// back as the same form with them as radio buttons, the card kept sealed for the payment
// (checkout.CardChoice) and the CVV to type again. card.js, when it runs, detects the brand
// with the same prefix table as the gateway (card.BrandRanges), groups the number, checks
// Luhn, expiry and CVV length as the buyer types, offers the brands and the plans, and blocks
// a second submit. It is served from the page's own origin and reads its messages and the
// brand table from JSON data blocks, so the pages run under a Content-Security-Policy that
// allows no inline script, no inline style and no other origin.
//
// Security: every hosted page carries that policy with frame-ancestors 'none', no-store
// caching, nosniff and no-referrer. Posts are limited to MaxBodyBytes and carry a
// double-submit CSRF token: a random cookie scoped to the page's path, and in the form the
// cookie's HMAC under Config.CSRFKey bound to the page token. Form values are never logged.
//
// Locales are the fifteen of the Antom web SDK, from ?locale= (kept in a cookie), then
// Accept-Language, then en_US; a message missing in a locale falls back to its en_US text.
//
// # Browser SDK (SDK mode)
//
// The package also serves cashier's drop-in for Antom's web SDK (web-sdk.md): the script
// the merchant's page loads (/sdk/ams-checkout.js, UMD; /sdk/ams-checkout.mjs, the same core
// as an ES module, generated from it when the assets load; /sdk/ams-checkout.d.ts), and the
// card form that script puts into an iframe, /sdk/form/{token}. That form is the hosted
// page's templates in an embedded variant (no merchant header, no meta refresh, no links
// out, its own pay button only when asked), and it sends the form with fetch to JSON
// endpoints under /sdk/api/{token} that call the same Flow. static/sdk/frame.js speaks to the
// SDK with postMessage, only with the parent's origin; see sdk.go and frame.js for the
// protocol. The frame may be embedded by any origin (frame-ancestors *), sets no cookie, and
// its posts carry a cookie-less CSRF token in a header.
package web
