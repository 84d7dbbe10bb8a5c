// Package client is a Go merchant client for cashier and for any other server that speaks
// the Antom (Alipay global "AMS") Checkout Payment API.
//
// Merchants can already talk to cashier with the official Antom SDKs. This package exists
// so that Go merchants (and cashier's own end-to-end tests) have a small, dependency-free
// client that uses cashier's wire types from package ams directly, that behaves on the
// wire exactly like the official SDKs — so that what passes against it passes against
// them — and that also covers the receiving side: verifying and acknowledging the
// notifications the gateway sends.
//
// Calls: build a Client with New and call Pay, CreatePaymentSession, InquiryPayment,
// Capture, Cancel, Refund, InquiryRefund or Consult (or Call for any other API). Every
// request is signed with the merchant's private key, and every response is verified with
// the gateway's public key before it is parsed; a response that is unsigned or badly
// signed is a *SignatureError. A business failure (result status F or U) is not a Go
// error: the call returns the response and a nil error, and the caller reads
// resp.Result.
//
// Notifications: mount NotificationHandler (or Client.NotificationHandler) on the
// paymentNotifyUrl / refundNotifyUrl path. It verifies the signature, decodes the body into
// a Notification, calls the merchant's function and acknowledges only if that function
// returns nil, so that the gateway retries otherwise.
package client
