/*! cashier web SDK as an ES module: the same named exports as ams-checkout.js, plus default.
 *
 *   import { AMSCashierPayment } from 'https://<cashier>/sdk/ams-checkout.mjs';
 *
 * This file is a template. When cashier serves it, the placeholder below is replaced with the
 * SDK's core from ams-checkout.js (the function between its @cashier-sdk-core markers), so
 * the logic lives in one place. The gateway is found from this module's own URL
 * (import.meta.url) unless the session data names it. */
const cashierSDK = /* @cashier-sdk-core */ null;

const api = cashierSDK(import.meta.url);

export const AMSCashierPayment = api.AMSCashierPayment;
export const AMSCheckout = api.AMSCheckout;
export const AMSCheckoutPage = api.AMSCheckoutPage;
export const AMSElement = api.AMSElement;
export const AntomElement = api.AntomElement;
export const AMSVaulting = api.AMSVaulting;
export const AMSAutoDebit = api.AMSAutoDebit;
export const AMSEasyPay = api.AMSEasyPay;
export const AddressElement = api.AddressElement;
export const version = api.version;
export default AMSCashierPayment;
