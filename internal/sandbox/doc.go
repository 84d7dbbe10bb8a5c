// Package sandbox is everything the sandbox adds to a gateway, kept apart so that a
// production gateway leaves it out: the simulated issuer and its test cards, the 3-D Secure
// server, the sandbox merchant of sandbox-merchant.json, the error-scenario simulation that
// forces a merchant's next answers, and the routes under /sandbox/ (the test cards, the
// simulation's rules, and the test clock that moves captures, expiries and retries forward).
package sandbox
