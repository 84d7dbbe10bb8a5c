// Package ams is the Antom ("Alipay+ Merchant Services") wire protocol as cashier and its
// merchants speak it: the JSON request, response and notification types with their exact
// field names, the result codes, and the RSA256 signing scheme of requests, responses and
// notifications. It depends on the standard library only, so that merchant code can import
// it without pulling in the gateway.
package ams
